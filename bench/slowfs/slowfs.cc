// slowfs: mirrors a directory read-only through FUSE, as slow as a loaded
// Lustre/GPFS metadata server, and counts the requests. See README.md.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "filesystem.h"
#include "parallel_dirops.h"

namespace {

/// fuse_opt writes into a plain struct through offsetof.
struct RawOptions {
  char* source = nullptr;
  char* stats_file = nullptr;
  double latency_ms = 1;
  int serialise = 1;
  double read_mibps = 0;
  double entry_timeout = 0;
  double attr_timeout = 0;
  double negative_timeout = 0;
  int help = 0;
};

#define SLOWFS_OPT(templ, field, value) \
  fuse_opt { templ, offsetof(RawOptions, field), value }
const fuse_opt kOptions[] = {
    SLOWFS_OPT("--latency-ms=%lf", latency_ms, 0),
    SLOWFS_OPT("--serialise", serialise, 1),
    SLOWFS_OPT("--no-serialise", serialise, 0),
    SLOWFS_OPT("--read-mibps=%lf", read_mibps, 0),
    SLOWFS_OPT("--stats-file=%s", stats_file, 0),
    SLOWFS_OPT("entry_timeout=%lf", entry_timeout, 0),
    SLOWFS_OPT("attr_timeout=%lf", attr_timeout, 0),
    SLOWFS_OPT("negative_timeout=%lf", negative_timeout, 0),
    SLOWFS_OPT("-h", help, 1),
    SLOWFS_OPT("--help", help, 1),
    FUSE_OPT_END,
};

void usage(const char* prog) {
  std::printf(
      "usage: %s [options] SOURCE MOUNTPOINT\n"
      "Mirrors SOURCE read-only at MOUNTPOINT; every metadata request (lookup, getattr,\n"
      "open, opendir, readdir, readlink, statfs, access) sleeps a latency first.\n"
      "Counts: read MOUNTPOINT/.slowfs-stats (JSON); write \"reset\" to it to zero them.\n\n"
      "slowfs options:\n"
      "    --latency-ms=MS        sleep per metadata request (default 1; 0 = none)\n"
      "    --no-serialise         let delayed requests overlap (default: one at a time)\n"
      "    --read-mibps=N         cap the mount's read bandwidth (default 0 = no cap)\n"
      "    --stats-file=PATH      write the counts as JSON to PATH at unmount\n"
      "    -o entry_timeout=S     kernel caching of names, attributes and missing names;\n"
      "    -o attr_timeout=S      all 0 by default so that every lookup reaches slowfs\n"
      "    -o negative_timeout=S\n\n",
      prog);
}

/// The first non-option argument is SOURCE; the second is left for fuse_parse_cmdline().
int take_source(void* data, const char* arg, int key, fuse_args*) {
  auto* raw = static_cast<RawOptions*>(data);
  if (key == FUSE_OPT_KEY_NONOPT && raw->source == nullptr) {
    raw->source = strdup(arg);
    return 0;
  }
  return 1;
}

/// Frees what the fuse_args parsers allocated, on every path out of main().
struct ArgsOwner {
  fuse_args args;
  RawOptions raw;
  fuse_cmdline_opts cmdline{};
  ~ArgsOwner() {
    std::free(raw.source);
    std::free(raw.stats_file);
    std::free(cmdline.mountpoint);
    fuse_opt_free_args(&args);
  }
};

int run(fuse_args* args, const fuse_cmdline_opts& cmdline, slowfs::FileSystem& fs) {
  const fuse_lowlevel_ops ops = slowfs::slowfs_operations();
  fuse_session* se = fuse_session_new(args, &ops, sizeof ops, &fs);
  if (se == nullptr) return 1;
  int status = 1;
  if (fuse_set_signal_handlers(se) == 0) {
    if (fuse_session_mount(se, cmdline.mountpoint) == 0) {
      if (slowfs::enable_parallel_dirops(se) != 0)
        std::fprintf(stderr, "slowfs: cannot enable parallel lookups; the kernel serialises them per directory\n");
      fuse_daemonize(cmdline.foreground);
      if (cmdline.singlethread) {
        status = fuse_session_loop(se);
      } else {
        fuse_loop_config* config = fuse_loop_cfg_create();
        fuse_loop_cfg_set_clone_fd(config, static_cast<unsigned>(cmdline.clone_fd));
        fuse_loop_cfg_set_max_threads(config, cmdline.max_threads);
        status = fuse_session_loop_mt(se, config);
        fuse_loop_cfg_destroy(config);
      }
      fuse_session_unmount(se);
    }
    fuse_remove_signal_handlers(se);
  }
  fuse_session_destroy(se);
  return status == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char* argv[]) {
  ArgsOwner owner{FUSE_ARGS_INIT(argc, argv), {}};
  if (fuse_opt_parse(&owner.args, &owner.raw, kOptions, take_source) != 0) return 1;
  if (owner.raw.help) {
    usage(argv[0]);
    fuse_cmdline_help();
    fuse_lowlevel_help();
    return 0;
  }
  // The mount is fuse.slowfs whatever the binary is called (scripts look for it).
  if (fuse_opt_add_arg(&owner.args, "-osubtype=slowfs") != 0 || fuse_parse_cmdline(&owner.args, &owner.cmdline) != 0)
    return 1;
  if (owner.raw.source == nullptr || owner.cmdline.mountpoint == nullptr) {
    std::fprintf(stderr, "%s: need SOURCE and MOUNTPOINT (see --help)\n", argv[0]);
    return 2;
  }
  if (owner.raw.latency_ms < 0 || owner.raw.read_mibps < 0) {
    std::fprintf(stderr, "%s: --latency-ms and --read-mibps must not be negative\n", argv[0]);
    return 2;
  }

  slowfs::Settings settings;
  if (char* resolved = realpath(owner.raw.source, nullptr)) {
    settings.source = resolved;
    std::free(resolved);
  } else {
    std::fprintf(stderr, "%s: %s: %s\n", argv[0], owner.raw.source, std::strerror(errno));
    return 1;
  }
  settings.latency_ms = owner.raw.latency_ms;
  settings.serialise = owner.raw.serialise != 0;
  settings.read_mibps = owner.raw.read_mibps;
  settings.entry_timeout = owner.raw.entry_timeout;
  settings.attr_timeout = owner.raw.attr_timeout;
  settings.negative_timeout = owner.raw.negative_timeout;
  if (owner.raw.stats_file != nullptr) {
    // Resolve now: fuse_daemonize() changes the working directory to /.
    char* dir = realpath(".", nullptr);
    settings.stats_file = owner.raw.stats_file[0] == '/' || dir == nullptr
                              ? std::string(owner.raw.stats_file)
                              : std::string(dir) + "/" + owner.raw.stats_file;
    std::free(dir);
  }

  const int root_fd = open(settings.source.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct stat root_st;
  if (root_fd < 0 || fstat(root_fd, &root_st) != 0) {
    std::fprintf(stderr, "%s: %s: %s\n", argv[0], settings.source.c_str(), std::strerror(errno));
    return 1;
  }
  // Sleep as exactly as the kernel allows (default slack: 50 us); worker threads inherit it.
  prctl(PR_SET_TIMERSLACK, 1000UL);
  auto fs = std::make_unique<slowfs::FileSystem>(settings, root_fd, root_st);
  const int status = run(&owner.args, owner.cmdline, *fs);
  if (!fs->settings.stats_file.empty() && !slowfs::write_json_file(fs->settings.stats_file, fs->stats, fs->settings)) {
    std::fprintf(stderr, "%s: %s: %s\n", argv[0], fs->settings.stats_file.c_str(), std::strerror(errno));
    return 1;
  }
  return status;
}
