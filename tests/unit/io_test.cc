// util/io's wrappers: what they do when a system call blocks and a signal
// of util/interrupt arrives.
#include "util/io.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>

#include "test_dir.h"
#include "util/interrupt.h"

namespace pybcast {
namespace {

using namespace std::chrono_literals;

/// In a death test's child: SIGTERM to this thread every 100 ms (a signal that
/// came just before the call blocked is not missed), and SIGALRM's default
/// action ends the child after 5 s if the call never returns.
void sigterm_this_thread_until_exit() {
  ::alarm(5);
  pthread_t self = pthread_self();
  std::thread([self] {
    for (;;) {
      std::this_thread::sleep_for(100ms);
      pthread_kill(self, SIGTERM);
    }
  }).detach();
}

TEST(IoDeathTest, AnOpenBlockedOnAFifoEndsWithInterruptedWhenSigtermArrives) {
  testing::TestDir dir;
  std::string fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EXIT(
      {
        install_interrupt_handlers();
        sigterm_this_thread_until_exit();
        try {
          io::open(fifo, O_RDONLY);  // no writer: blocks until a signal
        } catch (const Interrupted& e) {
          std::_Exit(e.signo() == SIGTERM && std::string(e.what()) == "interrupted by SIGTERM" ? 0 : 3);
        } catch (...) {
          std::_Exit(4);
        }
        std::_Exit(5);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace pybcast
