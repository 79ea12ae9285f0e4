#pragma once
// A loop over an index range on several threads (mold's parallel_for): the
// hashing of pack's files, the compiling of its bytecode slices.
#include <cstddef>
#include <functional>

namespace pybcast {

/// Runs body(0) .. body(count - 1) on up to `workers` threads, the caller's
/// among them, handing out indices in increasing order. After a failure no
/// further index starts; once every worker has stopped, the exception of the
/// lowest failing index is rethrown (every lower index ran to its end, so
/// which one that is does not depend on timing or on `workers`).
void parallel_for(size_t count, unsigned workers, const std::function<void(size_t index)>& body);

}  // namespace pybcast
