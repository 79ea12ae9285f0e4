#pragma once
// Per-rank measurements of one staging run, gathered on rank 0 and printed as
// one screen by --report (and as a Chrome trace by --trace).
#include <mpi.h>

#include <string>
#include <vector>

#include "stage/stage_record.h"

namespace pybcast {

enum Phase : int { kOpen, kCache, kRead, kBroadcast, kExtract, kPublish, kTotal, kPhaseCount };

/// Plain doubles so a gather moves it as MPI_DOUBLE.
struct RankSample {
  double seconds[kPhaseCount];  ///< < 0: the phase does not apply to this rank
  double started[kPhaseCount];  ///< seconds since this rank began staging
  double node = 0;
  double leader = 0;
  double cache_state = -1;  ///< -1 not a leader, 0 hit, 1 extracted here
  double moved_bytes = 0;   ///< read (rank 0) or received (leaders)

  RankSample();
};

struct ReportContext {
  StageRecord record;  ///< rank 0's node entry: plan and extraction counts
  int ranks = 1;
  int nodes = 1;
  bool virtual_nodes = false;
  double chunk_size = 0;
  std::vector<std::string> extra_lines;  ///< appended by callers (e.g. the launcher)
};

/// Collective over comm: gathers every rank's sample to rank 0 (others get {}).
std::vector<RankSample> gather_samples(MPI_Comm comm, const RankSample& mine);

std::string format_report(const ReportContext& context, const std::vector<RankSample>& samples);
std::string format_trace(const std::vector<RankSample>& samples);

/// Median of the non-negative values (-1 if none).
double median_of(std::vector<double> values);

}  // namespace pybcast
