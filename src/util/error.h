#pragma once
// One error type for the whole tool. Layers add context as the error travels
// up; the top level prints it once. Across ranks, errors are agreed before
// printing (see bcast/agreement.h).
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace pybcast {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}

  /// Returns a copy whose message is "context: <this message>".
  Error with_context(const std::string& context) const { return Error(context + ": " + what()); }
};

/// Throws Error("<what>: <strerror(err)>").
[[noreturn]] void throw_errno(const std::string& what, int err);

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace pybcast
