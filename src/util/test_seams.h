#pragma once
// Fault-injection seams for the reliability tests, read once from the
// environment. They exist so tests can widen race windows and simulate a
// full disk on machines where a small tmpfs cannot be mounted, and so that
// bench/verify_bench.sh can measure what verification costs. Unset in
// production; documented in docs/design.md ("Test seams").
#include <cstdint>
#include <optional>

namespace pybcast::test_seams {

/// PYBCAST_TEST_READ_DELAY_MS: rank 0 sleeps this long before reading each chunk.
uint64_t read_delay_ms();
/// PYBCAST_TEST_ENOSPC_AFTER: file writes fail with ENOSPC once this many
/// bytes have been written by this process.
std::optional<uint64_t> enospc_after();
/// PYBCAST_TEST_SKIP_MANIFEST_CHECK=1: bundles are not checked against their
/// manifests while extracting (bench/verify_bench.sh's baseline only).
bool skip_manifest_check();

}  // namespace pybcast::test_seams
