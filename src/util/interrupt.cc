#include "util/interrupt.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iterator>

namespace pybcast {

namespace {

std::atomic<int> received{0};
constexpr int kSignals[] = {SIGTERM, SIGINT, SIGHUP};
struct sigaction previous[std::size(kSignals)];

void record(int signo) { received.store(signo); }

std::string describe(int signo) {
  const char* name = sigabbrev_np(signo);
  return std::string("interrupted by SIG") + (name ? name : std::to_string(signo).c_str());
}

}  // namespace

Interrupted::Interrupted(int signo) : Error(describe(signo)), signo_(signo) {}

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = record;
  sigemptyset(&action.sa_mask);
  for (size_t i = 0; i < std::size(kSignals); ++i) sigaction(kSignals[i], &action, &previous[i]);
}

void restore_interrupt_handlers() {
  for (size_t i = 0; i < std::size(kSignals); ++i) sigaction(kSignals[i], &previous[i], nullptr);
  throw_if_interrupted();
}

int interrupted() { return received.load(); }

void throw_if_interrupted() {
  if (int signo = received.load()) throw Interrupted(signo);
}

void die_of(int signo) {
  signal(signo, SIG_DFL);
  raise(signo);
  _exit(128 + signo);
}

}  // namespace pybcast
