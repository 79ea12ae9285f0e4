#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include "cli/exit_status.h"
#include "util/error.h"

namespace pybcast {
namespace {

std::optional<int> parse_into(CLI::App& app, std::vector<std::string> args) {
  std::vector<char*> argv;
  args.insert(args.begin(), "pybcast-test");
  for (auto& a : args) argv.push_back(a.data());
  return parse_command_line(app, static_cast<int>(argv.size()), argv.data());
}

std::optional<int> parse(std::vector<std::string> args) {
  CLI::App app("test", "pybcast test");
  bool flag = false;
  app.add_flag("--flag", flag, "a flag");
  return parse_into(app, std::move(args));
}

/// Like `pybcast run`: its options, then the arguments for Python.
std::optional<int> parse_prefix(std::vector<std::string> args, std::vector<std::string>* remaining = nullptr) {
  CLI::App app("test", "pybcast run");
  std::string chroot;
  bool report = false;
  app.add_option("--chroot", chroot, "a value");
  app.add_flag("--report", report, "a flag");
  app.prefix_command();
  ::testing::internal::CaptureStderr();
  auto status = parse_into(app, std::move(args));
  ::testing::internal::GetCapturedStderr();
  if (remaining) *remaining = app.remaining();
  return status;
}

TEST(ExitStatus, UsageErrorsAreTwoAndHelpIsZero) {
  EXPECT_EQ(parse({"--flag"}), std::nullopt);
  ::testing::internal::CaptureStderr();
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(parse({"--bogus-flag"}), kExitUsage);
  EXPECT_EQ(parse({"extra"}), kExitUsage);
  EXPECT_EQ(parse({"--help"}), kExitOk);
  std::string err = ::testing::internal::GetCapturedStderr();
  ::testing::internal::GetCapturedStdout();
  EXPECT_NE(err.find("--bogus-flag"), std::string::npos) << err;
}

TEST(ExitStatus, APrefixCommandRefusesUnknownLongOptionsBeforeItsArguments) {
  std::vector<std::string> rest;
  EXPECT_EQ(parse_prefix({"--chroot", "/x", "--report", "-c", "print(1)"}, &rest), std::nullopt);
  EXPECT_EQ(rest, (std::vector<std::string>{"-c", "print(1)"}));
  EXPECT_EQ(parse_prefix({"--chroot=/x", "script.py", "--its-own-flag"}, &rest), std::nullopt);
  EXPECT_EQ(rest, (std::vector<std::string>{"script.py", "--its-own-flag"}));
  EXPECT_EQ(parse_prefix({"--", "--check-hash-based-pycs", "always"}), std::nullopt);
  EXPECT_EQ(parse_prefix({"--bogus-flag"}), kExitUsage);
  EXPECT_EQ(parse_prefix({"--chroot", "--report-typo", "--repotr"}), kExitUsage);
  EXPECT_EQ(parse_prefix({"--report", "--bogus=1", "-c", "x"}), kExitUsage);
}

TEST(ExitStatus, ErrorsAreOneAndOtherExceptionsInternal) {
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(run_reporting_errors([] { return kExitOk; }), kExitOk);
  EXPECT_EQ(run_reporting_errors([]() -> int { fail("bad {}", "input"); }), kExitFailure);
  EXPECT_EQ(run_reporting_errors([]() -> int { fail("cannot check"); }, kExitUsage), 2);
  EXPECT_EQ(run_reporting_errors([]() -> int { throw std::logic_error("bug"); }), kExitInternal);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("pybcast: error: bad input\n"), std::string::npos) << err;
  EXPECT_NE(err.find("pybcast: error: internal error: bug\n"), std::string::npos) << err;
}

}  // namespace
}  // namespace pybcast
