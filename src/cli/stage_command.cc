// `pybcast stage [BUNDLE...]`: stage bundles on every node and print the prefix.
#include <mpi.h>

#include <fstream>
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/mpi_main.h"
#include "cli/settings.h"
#include "stage/stager.h"
#include "util/error.h"
#include "util/units.h"

namespace pybcast {

namespace {

struct StageFlags {
  std::vector<std::string> bundles;
  std::optional<std::string> packages, chroot, pkgroot, trace, virtual_nodes, chunk_size;
  bool report = false;
  double lock_timeout = 600;
};

void add_stage_flags(CLI::App& app, StageFlags& f) {
  app.add_option("bundles", f.bundles, "bundle files, in merge order (relative to the package root)");
  app.add_option("--packages", f.packages, "colon-separated bundles [env PYTHON_MPI_PACKAGES]");
  app.add_option("--chroot", f.chroot, "node-local root [env PYTHON_MPI_CHROOT, default /dev/shm]");
  app.add_option("--pkgroot", f.pkgroot, "where bundles live [env PYTHON_MPI_PKGROOT, default .]");
  app.add_flag("--report", f.report, "print a timing report on rank 0 (stderr) [env PYBCAST_REPORT=1]");
  app.add_option("--trace", f.trace, "write a Chrome trace JSON of the phases [env PYBCAST_TRACE]");
  app.add_option("--virtual-nodes", f.virtual_nodes, "split ranks into K pretend nodes (testing) [env PYBCAST_VIRTUAL_NODES]");
  app.add_option("--chunk-size", f.chunk_size, "broadcast chunk size, e.g. 4M [env PYBCAST_CHUNK_SIZE, default 4M]");
  app.add_option("--lock-timeout", f.lock_timeout, "seconds to wait for another job extracting the same bundles")
      ->capture_default_str();
}

StageRequest resolve(const StageFlags& f, bool& report, std::string& trace) {
  StageRequest r;
  r.chroot = setting(f.chroot, {"PYBCAST_CHROOT", "PYTHON_MPI_CHROOT"}, "/dev/shm");
  r.pkgroot = setting(f.pkgroot, {"PYBCAST_PKGROOT", "PYTHON_MPI_PKGROOT"}, ".");
  r.bundles = f.bundles;
  if (r.bundles.empty()) r.bundles = split_list(setting(f.packages, {"PYBCAST_PACKAGES", "PYTHON_MPI_PACKAGES"}, ""));
  std::string vnodes = setting(f.virtual_nodes, {"PYBCAST_VIRTUAL_NODES"}, "0");
  try {
    r.virtual_nodes = std::stoi(vnodes);
  } catch (const std::exception&) {
    fail("invalid number of virtual nodes '{}'", vnodes);
  }
  if (r.virtual_nodes < 0) fail("invalid number of virtual nodes '{}'", vnodes);
  r.chunk_size = parse_size(setting(f.chunk_size, {"PYBCAST_CHUNK_SIZE"}, "4M"));
  r.lock_timeout = f.lock_timeout;
  report = f.report || truthy(setting(std::nullopt, {"PYBCAST_REPORT"}, "0"));
  trace = setting(f.trace, {"PYBCAST_TRACE"}, "");
  r.want_report = report || !trace.empty();
  return r;
}

}  // namespace

int run_stage(int argc, char** argv) {
  CLI::App app("Stage bundles from the shared file system into node-local storage, once per node.\n"
               "Run under MPI: rank 0 reads each bundle once, node leaders extract.",
               "pybcast stage");
  StageFlags flags;
  add_stage_flags(app, flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  bool report = false;
  std::string trace;
  StageRequest request;
  try {
    request = resolve(flags, report, trace);
  } catch (const Error& e) {
    print_error(e.what());
    return 2;
  }
  return run_under_mpi(argc, argv, MPI_THREAD_FUNNELED, [&] {
    StageOutcome outcome = stage_bundles(MPI_COMM_WORLD, request);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank != 0) return 0;
    fmt::print("{}\n", outcome.prefix);
    std::fflush(stdout);
    if (report) fmt::print(stderr, "{}", format_report(outcome.context, outcome.samples));
    if (!trace.empty()) {
      std::ofstream out(trace);
      out << format_trace(outcome.samples);
      if (!out) fail("cannot write trace file {}", trace);
    }
    return 0;
  });
}

}  // namespace pybcast
