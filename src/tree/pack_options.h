#pragma once
// What `pybcast pack` was asked to do, after the command line is parsed.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "archive/decoder.h"

namespace pybcast {

enum class PackKind { python, dist, dir, env, pip, from_run };

struct PackOptions {
  PackKind kind = PackKind::python;
  /// dist: distribution names; dir/env: the one directory; pip: pip's arguments;
  /// from_run: the command to trace.
  std::vector<std::string> targets;
  std::string python;  ///< the target interpreter; "" = the kind's default
  std::string output;
  std::string name;               ///< manifest name; "" = the output file's name
  bool deps = false;              ///< dist: also pack dependencies
  bool check = true;              ///< dist: import what was packed, isolated (import_check.h)
  std::vector<std::string> with;  ///< dist: bundles the check adds (a python bundle, other dist bundles)
  bool with_python = false;       ///< from_run: also the interpreter's own files that the run touched
  /// Add unchecked-hash .pyc files: unset = whenever the target python is
  /// known (and is 3.7 or newer); true = --compile (an error without a
  /// python); false = --no-compile.
  std::optional<bool> compile;
  bool default_excludes = true;  ///< *.png *.jpg *.html *.pyo *.pyc
  std::vector<std::string> excludes;
  std::vector<std::string> keep;      ///< python: stdlib parts to keep (test, idlelib, ...)
  bool headers = true;                ///< python: the C headers (sysconfig include, platinclude)
  std::optional<Compression> format;  ///< unset: from the output name, else zstd
  int level = 0;                      ///< 0: the format's default
  int threads = 0;                    ///< 0: one per core
  bool progress = false;              ///< draw a progress line (stderr is a TTY)
  uint64_t max_entries = 0;           ///< dir: refuse a tree of more entries (0: any)
};

}  // namespace pybcast
