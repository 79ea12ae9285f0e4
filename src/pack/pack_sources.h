#pragma once
// The kinds of bundle only pack makes; the others, and what every kind
// gathers (PackSource), are in tree/pack_source.h.
#include "tree/pack_source.h"

namespace pybcast {

/// `pack dist`: named installed distributions (and their dependencies).
PackSource collect_dist(const PackOptions& options);
/// `pack --from-run`: what a traced run of the command imported, read and
/// mapped (see from_run.h).
PackSource collect_from_run(const PackOptions& options);

}  // namespace pybcast
