#pragma once
// Per-rank measurements of one staging run, gathered on rank 0 and printed as
// one screen by --report (and as a Chrome trace by --trace).
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "bcast/transport.h"
#include "stage/stage_record.h"
#include "util/timer.h"

namespace pybcast {

enum Phase : int { kOpen, kCache, kRead, kBroadcast, kExtract, kPublish, kTotal, kPhaseCount };

/// What a node leader did with its node's cache entry.
enum class CacheState : int32_t { kNotLeader, kHit, kExtracted };

/// Trivially copyable: a gather moves it as bytes (every rank runs the same binary).
struct RankSample {
  double seconds[kPhaseCount];  ///< < 0: the phase does not apply to this rank
  double started[kPhaseCount];  ///< seconds since this rank began staging
  double moved_bytes = 0;       ///< read (rank 0) or received (leaders)
  int32_t node = 0;
  int32_t leader = 0;
  CacheState cache_state = CacheState::kNotLeader;

  RankSample();
  /// Adds `seconds` to `phase` (phases may repeat per round); the first call sets its start.
  void add(Phase phase, double seconds, double started_at);
  /// Raises `phase` to at least `seconds` (work that overlapped the phase's wait).
  void at_least(Phase phase, double seconds);
};
static_assert(std::is_trivially_copyable_v<RankSample>);

/// Times a scope into one phase of a sample; `origin` is when staging began.
class PhaseTimer {
 public:
  PhaseTimer(RankSample& sample, Phase phase, const Stopwatch& origin)
      : sample_(sample), phase_(phase), started_at_(origin.seconds()) {}
  ~PhaseTimer() { sample_.add(phase_, clock_.seconds(), started_at_); }
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;

 private:
  RankSample& sample_;
  Phase phase_;
  double started_at_;
  Stopwatch clock_;
};

/// What rank 0 did walking one directory bundle, for --report.
struct TreeWalkReport {
  std::string name;
  double seconds = 0;
  uint64_t entries = 0;
  uint64_t metadata_calls = 0;
  uint64_t files_opened = 0;        ///< while streaming (0 when every node had it)
  uint64_t runpaths_rewritten = 0;  ///< ELF files streamed from an edited copy
  uint64_t runpaths_by_patchelf = 0;
  double runpath_seconds = 0;
};

/// python-mpi --stage-script-dir: the script's directory and where it runs from.
struct ScriptDirReport {
  std::string directory;
  std::string prefix;
};

/// The launcher's Python, and when the ranks reached it.
struct PythonLaunchReport {
  std::string version;
  std::string home;
  std::string libpython;
  double start_min = 0;  ///< launcher start -> Py_BytesMain over the ranks, in seconds
  double start_median = 0;
  double start_max = 0;
};

/// A runtime cache variable pointed at the node.
struct CacheReport {
  std::string variable;
  std::string path;
  std::string staged = {};  ///< what a caches bundle put there: "staged 12 files, 340 KB from c.tar.zst"
};

struct ReportContext {
  StageRecord record;  ///< rank 0's node entry: plan and extraction counts
  int ranks = 1;
  int nodes = 1;
  bool virtual_nodes = false;
  double chunk_size = 0;
  std::string image;           ///< an image bundle: mounted (and how fast) or extracted (and why), rank 0's node
  bool image_mounted = false;  ///< on rank 0's node: no tree was unpacked
  // The sections after the staging numbers, printed in this order; each is
  // filled by the step that knows it (staging, the launcher, --print-env).
  std::vector<TreeWalkReport> directory_walks;      ///< rank 0's, one per directory bundle
  std::optional<ScriptDirReport> script_directory;  ///< python-mpi --stage-script-dir
  std::optional<PythonLaunchReport> python;         ///< the launcher's
  std::vector<std::string> mappings;  ///< variables mapped into the stage, as launch's PathMapping describes each
  std::vector<CacheReport> caches;    ///< runtime caches pointed at the node
  std::vector<std::string> warnings;  ///< the launch environment's
};

/// Collective over `group`: gathers every rank's sample to rank 0 (others get {}).
std::vector<RankSample> gather_samples(Transport& group, const RankSample& mine);

std::string format_report(const ReportContext& context, const std::vector<RankSample>& samples);
std::string format_trace(const std::vector<RankSample>& samples);

/// Where --report and --trace go.
struct ReportOutputs {
  bool report = false;  ///< print format_report to stderr
  std::string trace;    ///< write format_trace here ("" = none)
};
/// Prints the report and writes the trace (rank 0's job); throws Error if the trace cannot be written.
void write_report_and_trace(const ReportOutputs& outputs, const ReportContext& context,
                            const std::vector<RankSample>& samples);

/// Median of the non-negative values (-1 if none).
double median_of(std::vector<double> values);

}  // namespace pybcast
