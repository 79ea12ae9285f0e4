#pragma once
// Runs the members of a FakeGroup as threads of one test, each with its own
// FakeTransport, and turns a hang into a test failure instead of a stuck run.
#include <chrono>
#include <exception>
#include <future>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fake_transport.h"

namespace pybcast::testing {

/// Runs `body(transport)` on one thread per member of `group`; returns what
/// each member threw ("" if nothing), by rank. A member still running after
/// `timeout` fails the test and aborts the group (its waits throw).
template <class Body>
std::vector<std::string> run_members(FakeGroup& group, Body body,
                                     std::chrono::seconds timeout = std::chrono::seconds(60)) {
  std::vector<std::future<std::string>> members;
  for (int rank = 0; rank < group.members(); ++rank) {
    members.push_back(std::async(std::launch::async, [&group, &body, rank]() -> std::string {
      FakeTransport transport(group, rank);
      try {
        body(transport);
        return "";
      } catch (const std::exception& e) {
        return e.what();
      }
    }));
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool hung = false;
  for (auto& member : members) hung |= member.wait_until(deadline) != std::future_status::ready;
  if (hung) {
    ADD_FAILURE() << "members still running after " << timeout.count() << " s: a hang";
    group.abort();
  }
  std::vector<std::string> errors;
  for (auto& member : members) errors.push_back(member.get());
  return errors;
}

}  // namespace pybcast::testing
