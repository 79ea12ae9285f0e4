#pragma once
// What the command line chose; fixed once the file system is mounted.
#include <string>

namespace slowfs {

struct Settings {
  std::string source;           ///< The directory mirrored (read-only).
  double latency_ms = 1;        ///< Sleep before every metadata operation.
  bool serialise = true;        ///< One metadata operation at a time (a saturated server).
  double read_mibps = 0;        ///< Read bandwidth cap for the whole mount; 0 = none.
  double entry_timeout = 0;     ///< Kernel dentry cache, seconds: 0 sends every lookup here.
  double attr_timeout = 0;      ///< Kernel attribute cache, seconds.
  double negative_timeout = 0;  ///< Kernel cache of missing names, seconds.
  std::string stats_file;       ///< Counts are written here at unmount, if set.
};

}  // namespace slowfs
