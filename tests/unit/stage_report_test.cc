#include <gtest/gtest.h>

#include "stage/stage_report.h"
#include "util/units.h"

namespace pybcast {
namespace {

TEST(StageReport, MedianIgnoresAbsentPhases) {
  EXPECT_EQ(median_of({-1, 3, 1, 2}), 2);
  EXPECT_EQ(median_of({-1}), -1);
  EXPECT_EQ(median_of({1, 2, 3, 4}), 2.5);
}

TEST(StageReport, SymlinkNamesFromBundlesCannotReachTheTerminalRaw) {
  ReportContext context;
  context.record.stats.outside_symlink_count = 1;
  context.record.stats.outside_symlinks = {"lib/evil\x1b[2J\x1b[31m -> /etc/\rpasswd"};
  std::vector<RankSample> samples(1);
  std::string report = format_report(context, samples);
  EXPECT_EQ(report.find('\x1b'), std::string::npos) << report;
  EXPECT_EQ(report.find('\r'), std::string::npos) << report;
  EXPECT_NE(report.find("lib/evil\\x1b[2J\\x1b[31m -> /etc/\\x0dpasswd"), std::string::npos) << report;
}

TEST(StageReport, ShowsEachWriterThreadAndPeakRssAgainstTheBound) {
  ReportContext context;
  ExtractPerf& perf = context.record.stats.perf;
  perf.writers = {{0.5, 10000, 1 << 20}, {0.25, 4000, 1 << 20}};
  perf.parser_writes = {0.1, 3, 30 << 20};
  perf.parser_blocked_seconds = 0.2;
  perf.chunk_window_bytes = 32 << 20;
  perf.decode_buffer_bytes = 8 << 20;
  perf.writer_queue_bytes = 68 << 20;
  perf.peak_rss_bytes = 80 << 20;
  std::vector<RankSample> samples(1);
  std::string report = format_report(context, samples);
  EXPECT_NE(report.find("tar parser + 2 writers; the parser wrote 3 large files itself"), std::string::npos) << report;
  EXPECT_NE(report.find("writer 0   busy  500.0 ms    10,000 files"), std::string::npos) << report;
  EXPECT_NE(report.find("20,000 files/s"), std::string::npos) << report;
  EXPECT_NE(report.find("16,000 files/s"), std::string::npos) << report;
  EXPECT_NE(report.find("peak RSS 80.0 MiB; extraction buffers at most 108 MiB"), std::string::npos) << report;
  // A cache hit extracted nothing in this run: no such lines.
  context.record.stats.perf = ExtractPerf{};
  report = format_report(context, samples);
  EXPECT_EQ(report.find("extract threads"), std::string::npos) << report;
  EXPECT_EQ(report.find("peak RSS"), std::string::npos) << report;
}

TEST(StageReport, ShowsEachFrameDecodingThreadAndItsBufferInTheBound) {
  ReportContext context;
  context.record.plan.names = {"site.tar.zst"};
  context.record.plan.sizes = {1 << 20};
  context.record.decoders = {"zstd, 148 frames on 2 threads"};
  ExtractPerf& perf = context.record.stats.perf;
  perf.writers = {{0.5, 10000, 1 << 20}, {0.25, 4000, 1 << 20}};
  perf.frame_threads = {{0.5, 76, 300u << 20}, {0.25, 72, 100u << 20}};
  perf.chunk_window_bytes = 32 << 20;
  perf.decode_buffer_bytes = 8 << 20;
  perf.frame_buffer_bytes = 50 << 20;
  perf.writer_queue_bytes = 68 << 20;
  perf.peak_rss_bytes = 80 << 20;
  std::vector<RankSample> samples(1);
  std::string report = format_report(context, samples);
  EXPECT_NE(report.find("site.tar.zst"), std::string::npos) << report;
  EXPECT_NE(report.find("zstd, 148 frames on 2 threads"), std::string::npos) << report;
  EXPECT_NE(report.find("zstd frame threads: 2"), std::string::npos) << report;
  EXPECT_NE(report.find("decoder 0  busy  500.0 ms        76 frames"), std::string::npos) << report;
  EXPECT_NE(report.find("600 MiB/s"), std::string::npos) << report;
  EXPECT_NE(report.find("400 MiB/s"), std::string::npos) << report;
  EXPECT_NE(report.find("at most 158 MiB (chunk ring 32.0 MiB + decoded blocks 8.00 MiB + zstd frames 50.0 MiB"),
            std::string::npos)
      << report;
}

TEST(StageReport, EndsWithTheSectionsOtherStepsFilledInTheirOrder) {
  ReportContext context;
  context.directory_walks = {{"/apps/tree", 0.5, 1000, 2000, 10, 3, 1, 0.25}, {"/apps/plain", 0, 0, 0, 0, 0, 0, 0}};
  context.script_directory = ScriptDirReport{"/home/u/job", "/dev/shm/pybcast-0/cache/k2"};
  context.python = PythonLaunchReport{"3.11.2", "/dev/shm/p", "/dev/shm/p/lib/libpython3.11.so.1.0", 0.5, 0.75, 1.5};
  context.mappings = {"PYTHONHOME /usr -> /dev/shm/p"};
  context.caches = {{"TRITON_CACHE_DIR", "/dev/shm/pybcast-0/caches/triton"}};
  context.warnings = {"PYTHONPATH entry /nfs/x is on a shared file system"};
  std::string expected =
      "  directory /apps/tree: walked 1000 entries in 0.500 s (500.0 us/entry, 2000 metadata calls), 10 files "
      "opened to stream\n"
      "  directory /apps/tree: RUNPATH made $ORIGIN-relative in 3 ELF files in 0.250 s (2 in place, 1 by patchelf: "
      "the new text is longer)\n"
      "  directory /apps/plain: walked 0 entries in 0.000 s (0.0 us/entry, 0 metadata calls), 0 files opened to "
      "stream\n"
      "  script directory /home/u/job runs from /dev/shm/pybcast-0/cache/k2\n"
      "  python 3.11.2 from /dev/shm/p\n"
      "    libpython /dev/shm/p/lib/libpython3.11.so.1.0\n"
      "  launcher start -> Py_BytesMain: min " +
      format_seconds(0.5) + ", median " + format_seconds(0.75) + ", max " + format_seconds(1.5) +
      "\n"
      "  mapped PYTHONHOME /usr -> /dev/shm/p\n"
      "  cache TRITON_CACHE_DIR -> /dev/shm/pybcast-0/caches/triton\n"
      "  warning: PYTHONPATH entry /nfs/x is on a shared file system\n";
  std::string report = format_report(context, std::vector<RankSample>(1));
  ASSERT_GE(report.size(), expected.size()) << report;
  EXPECT_EQ(report.substr(report.size() - expected.size()), expected) << report;
  // `stage --print-env`: mappings and caches only, no launcher lines.
  ReportContext later;
  later.mappings = context.mappings;
  later.caches = context.caches;
  report = format_report(later, std::vector<RankSample>(1));
  std::string tail =
      "  mapped PYTHONHOME /usr -> /dev/shm/p\n  cache TRITON_CACHE_DIR -> /dev/shm/pybcast-0/caches/triton\n";
  EXPECT_EQ(report.substr(report.size() - tail.size()), tail) << report;
  EXPECT_EQ(report.find("python "), std::string::npos) << report;
}

}  // namespace
}  // namespace pybcast
