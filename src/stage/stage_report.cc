#include "stage/stage_report.h"

#include <algorithm>
#include <cstring>
#include <span>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/diagnostics.h"
#include "util/error.h"
#include "util/io.h"
#include "util/text.h"
#include "util/units.h"

namespace pybcast {

namespace {

constexpr const char* kPhaseNames[kPhaseCount] = {"stat+open", "cache check", "read", "broadcast",
                                                  "extract",   "publish",     "total"};

std::string thousands(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

struct Lines {
  std::string out;
  template <typename... Args>
  void operator()(fmt::format_string<Args...> format, Args&&... args) {
    out += fmt::format(format, std::forward<Args>(args)...);
    out += '\n';
  }
};

/// Only when rank 0's node extracted in this run (a cache hit has no such numbers).
void format_extract_perf(const ExtractPerf& p, Lines& line) {
  if (p.peak_rss_bytes == 0) return;
  auto rate = [](const WriterThreadStats& w) {
    return thousands(w.busy_seconds > 0 ? static_cast<uint64_t>(static_cast<double>(w.files) / w.busy_seconds) : 0);
  };
  const WriterThreadStats& own = p.parser_writes;
  if (p.writers.empty()) {
    line("  extract threads: 1 (the tar parser writes every file): {} files in {}, {} files/s", thousands(own.files),
         format_seconds(own.busy_seconds), rate(own));
  } else {
    line(
        "  extract threads: tar parser + {} writers; the parser wrote {} large files itself ({}) and waited {} for "
        "room in the writer queue",
        p.writers.size(), thousands(own.files), format_seconds(own.busy_seconds),
        format_seconds(p.parser_blocked_seconds));
    for (size_t i = 0; i < p.writers.size(); ++i)
      line("    writer {:<3} busy {:>9}  {:>8} files  {:>10}  {:>9} files/s", i,
           format_seconds(p.writers[i].busy_seconds), thousands(p.writers[i].files),
           format_bytes(static_cast<double>(p.writers[i].bytes)), rate(p.writers[i]));
  }
  if (!p.frame_threads.empty()) {
    line("  zstd frame threads: {} (decoding whole frames; the tar stream keeps its order)", p.frame_threads.size());
    for (size_t i = 0; i < p.frame_threads.size(); ++i) {
      const FrameThreadStats& t = p.frame_threads[i];
      double mib_per_s = t.busy_seconds > 0 ? static_cast<double>(t.bytes) / t.busy_seconds / (1 << 20) : 0;
      line("    decoder {:<2} busy {:>9}  {:>8} frames  {:>10}  {:>6.0f} MiB/s", i, format_seconds(t.busy_seconds),
           thousands(t.frames), format_bytes(static_cast<double>(t.bytes)), mib_per_s);
    }
  }
  uint64_t bound = p.chunk_window_bytes + p.decode_buffer_bytes + p.frame_buffer_bytes + p.writer_queue_bytes;
  std::string frames = p.frame_buffer_bytes
                           ? fmt::format(" + zstd frames {}", format_bytes(static_cast<double>(p.frame_buffer_bytes)))
                           : "";
  line(
      "  memory (rank 0): peak RSS {}; extraction buffers at most {} (chunk ring {} + decoded blocks {}{} + writer "
      "queue {}), besides decoder state and the libraries",
      format_bytes(static_cast<double>(p.peak_rss_bytes)), format_bytes(static_cast<double>(bound)),
      format_bytes(static_cast<double>(p.chunk_window_bytes)), format_bytes(static_cast<double>(p.decode_buffer_bytes)),
      frames, format_bytes(static_cast<double>(p.writer_queue_bytes)));
}

/// The sections other steps filled (ReportContext), in their order.
void format_sections(const ReportContext& c, Lines& line) {
  if (!c.image.empty()) line("  {}", c.image);
  for (const auto& w : c.directory_walks) {
    double per_entry = w.entries ? w.seconds / static_cast<double>(w.entries) * 1e6 : 0;
    line(
        "  directory {}: walked {} entries in {:.3f} s ({:.1f} us/entry, {} metadata calls), {} files opened to stream",
        w.name, w.entries, w.seconds, per_entry, w.metadata_calls, w.files_opened);
    if (w.runpaths_rewritten > 0)
      line("  directory {}: RUNPATH made $ORIGIN-relative in {} ELF files in {:.3f} s ({} in place, {} by patchelf{})",
           w.name, w.runpaths_rewritten, w.runpath_seconds, w.runpaths_rewritten - w.runpaths_by_patchelf,
           w.runpaths_by_patchelf, w.runpaths_by_patchelf ? ": the new text is longer" : "");
  }
  if (c.script_directory)
    line("  script directory {} runs from {}", c.script_directory->directory, c.script_directory->prefix);
  if (c.python) {
    const PythonLaunchReport& p = *c.python;
    line("  python {} from {}", p.version, p.home);
    line("    libpython {}", p.libpython);
    line("  launcher start -> Py_BytesMain: min {}, median {}, max {}", format_seconds(p.start_min),
         format_seconds(p.start_median), format_seconds(p.start_max));
  }
  for (const auto& m : c.mappings) line("  mapped {}", m);
  for (const auto& cache : c.caches)
    line("  cache {} -> {}{}", cache.variable, cache.path, cache.staged.empty() ? "" : " (" + cache.staged + ")");
  for (const auto& w : c.warnings) line("  warning: {}", w);
}

}  // namespace

RankSample::RankSample() {
  std::fill(std::begin(seconds), std::end(seconds), -1.0);
  std::fill(std::begin(started), std::end(started), 0.0);
}

void RankSample::add(Phase phase, double duration, double started_at) {
  if (seconds[phase] < 0) {
    seconds[phase] = 0;
    started[phase] = started_at;
  }
  seconds[phase] += duration;
}

void RankSample::at_least(Phase phase, double duration) { seconds[phase] = std::max(seconds[phase], duration); }

std::vector<RankSample> gather_samples(Transport& group, const RankSample& mine) {
  std::vector<std::byte> bytes = group.gather(std::as_bytes(std::span(&mine, 1)));
  std::vector<RankSample> all(bytes.size() / sizeof(RankSample));
  if (!bytes.empty()) std::memcpy(all.data(), bytes.data(), bytes.size());
  return all;
}

double median_of(std::vector<double> values) {
  std::erase_if(values, [](double v) { return v < 0; });
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::string format_report(const ReportContext& context, const std::vector<RankSample>& samples) {
  const StageRecord& r = context.record;
  const ExtractStats& s = r.stats;
  int hits = 0, extracted = 0;
  for (const auto& sample : samples) {
    if (sample.cache_state == CacheState::kHit) ++hits;
    if (sample.cache_state == CacheState::kExtracted) ++extracted;
  }
  Lines line;
  line("pybcast stage report: {} ranks on {} {}nodes, cache {} hit / {} extracted", context.ranks, context.nodes,
       context.virtual_nodes ? "virtual " : "", hits, extracted);
  line("  key {}", r.plan.key);
  for (size_t i = 0; i < r.plan.names.size(); ++i)
    line("  bundle {:<40} {:>10}  {}", r.plan.names[i], format_bytes(static_cast<double>(r.plan.sizes[i])),
         i < r.decoders.size() ? r.decoders[i] : "");
  double compressed = static_cast<double>(r.plan.total_bytes());
  if (context.image_mounted)  // nothing was unpacked: the image is the node's copy
    line("  {} image, kept compressed on each node and mounted", format_bytes(compressed));
  else
    line("  {} compressed -> {} unpacked (tar stream {}), {} files, {} dirs, {} symlinks, {} hard links",
         format_bytes(compressed), format_bytes(static_cast<double>(s.bytes)),
         format_bytes(static_cast<double>(r.tar_bytes)), thousands(s.files), thousands(s.dirs), thousands(s.symlinks),
         thousands(s.hardlinks));
  if (r.bytecode_linked)
    line("  {} .pyc of the bundles linked where PYTHONPYCACHEPREFIX looks: a cold node compiles none of them",
         thousands(r.bytecode_linked));
  if (s.conflicts)
    line("  {} {} replaced by a later entry (bundles merge in order)", thousands(s.conflicts),
         s.conflicts == 1 ? "path was" : "paths were");
  line("  {:<12} {:>6} {:>10} {:>10} {:>10}", "phase", "ranks", "min", "median", "max");
  for (int p = 0; p < kPhaseCount; ++p) {
    std::vector<double> values;
    for (const auto& sample : samples)
      if (sample.seconds[p] >= 0) values.push_back(sample.seconds[p]);
    if (values.empty()) {
      line("  {:<12} {:>6} {:>10} {:>10} {:>10}", kPhaseNames[p], 0, "-", "-", "-");
      continue;
    }
    auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    line("  {:<12} {:>6} {:>10} {:>10} {:>10}", kPhaseNames[p], values.size(), format_seconds(*lo),
         format_seconds(median_of(values)), format_seconds(*hi));
  }
  std::vector<double> extract, bcast;
  for (const auto& sample : samples) {
    extract.push_back(sample.seconds[kExtract]);
    bcast.push_back(sample.seconds[kBroadcast]);
  }
  double ex = median_of(extract), bc = median_of(bcast);
  if (ex > 0)
    line("  throughput: extract {} unpacked, {} files/s per node; broadcast {} compressed",
         format_rate(static_cast<double>(s.bytes), ex), thousands(static_cast<uint64_t>(s.files / ex)),
         format_rate(compressed, bc));
  format_extract_perf(s.perf, line);
  if (context.nodes <= 16) {
    std::string states;
    for (const auto& sample : samples)
      if (sample.cache_state != CacheState::kNotLeader)
        states += fmt::format(" {}:{}", sample.node, sample.cache_state == CacheState::kHit ? "hit" : "extracted");
    line("  nodes:{}", states);
  }
  if (s.outside_symlink_count) {
    line("  warning: {} symlink{} outside the prefix (they leave the node at run time):",
         thousands(s.outside_symlink_count), s.outside_symlink_count == 1 ? " points" : "s point");
    for (const auto& link : s.outside_symlinks) line("    {}", escape_control(link));  // names come from bundles
    if (s.outside_symlink_count > s.outside_symlinks.size())
      line("    ... and {} more", s.outside_symlink_count - s.outside_symlinks.size());
  }
  format_sections(context, line);
  return line.out;
}

std::string format_trace(const std::vector<RankSample>& samples) {
  nlohmann::json events = nlohmann::json::array();
  for (size_t rank = 0; rank < samples.size(); ++rank) {
    const RankSample& s = samples[rank];
    for (int p = 0; p < kPhaseCount; ++p) {
      if (s.seconds[p] < 0) continue;
      events.push_back({{"name", kPhaseNames[p]},
                        {"ph", "X"},
                        {"pid", s.node},
                        {"tid", rank},
                        {"ts", s.started[p] * 1e6},
                        {"dur", s.seconds[p] * 1e6}});
    }
  }
  return nlohmann::json{{"traceEvents", events}, {"displayTimeUnit", "ms"}}.dump() + "\n";
}

void write_report_and_trace(const ReportOutputs& outputs, const ReportContext& context,
                            const std::vector<RankSample>& samples) {
  if (outputs.report) diag::write_raw(format_report(context, samples));
  if (outputs.trace.empty()) return;
  // A random name beside it, then a rename: a symlink planted at a shared path is never written through.
  try {
    io::write_file_atomically(outputs.trace, format_trace(samples));
  } catch (const Error& e) {
    fail("cannot write trace file {}: {}", outputs.trace, e.what());
  }
}

}  // namespace pybcast
