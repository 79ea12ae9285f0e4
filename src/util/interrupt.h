#pragma once
// SIGTERM/SIGINT/SIGHUP during staging (scancel, Ctrl-C, a job time limit):
// the handler only records the signal; waits, lock polls and the extraction
// threads notice it, unwind (removing tmp directories), and the top level
// re-raises the signal so the launcher sees how the process ended.
#include <string>

#include "util/error.h"

namespace pybcast {

class Interrupted : public Error {
 public:
  explicit Interrupted(int signo);
  int signo() const { return signo_; }

 private:
  int signo_;
};

void install_interrupt_handlers();
/// Puts back the dispositions install_interrupt_handlers replaced, so that
/// what runs next (Python, in python-mpi) handles signals exactly as it would
/// alone: KeyboardInterrupt, its own handlers, `finally` blocks. Throws
/// Interrupted if a signal arrived before (it is not lost).
void restore_interrupt_handlers();
/// The signal received so far, or 0.
int interrupted();
/// Throws Interrupted if a signal arrived.
void throw_if_interrupted();
/// Restores the default action and re-raises (does not return if it kills us).
[[noreturn]] void die_of(int signo);

}  // namespace pybcast
