#pragma once
// Fault-injection seams for the reliability tests, read once from the
// environment. They exist so tests can widen race windows and simulate a
// full disk on machines where a small tmpfs cannot be mounted. Unset in
// production; documented in docs/design.md ("Test seams").
#include <cstdint>
#include <optional>

namespace pybcast::test_seams {

/// PYBCAST_TEST_READ_DELAY_MS: rank 0 sleeps this long before reading each chunk.
uint64_t read_delay_ms();
/// PYBCAST_TEST_ENOSPC_AFTER: file writes fail with ENOSPC once this many
/// bytes have been written by this process.
std::optional<uint64_t> enospc_after();

}  // namespace pybcast::test_seams
