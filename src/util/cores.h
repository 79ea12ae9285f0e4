#pragma once
// How many cores this process may use: the job's CPU set (Slurm, taskset,
// cgroups cpusets), not the machine's core count, which
// std::thread::hardware_concurrency() gives.

namespace pybcast {

/// Cores this process may run on (sched_getaffinity), at least 1.
unsigned available_cores();

}  // namespace pybcast
