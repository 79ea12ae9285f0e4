#pragma once
// Configuration precedence, as DESIGN.md fixes it:
//   flags > PYBCAST_* > the seed's PYTHON_MPI_* variables > defaults.
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace pybcast {

/// The flag's value if given, else the first set environment variable, else `fallback`.
std::string setting(const std::optional<std::string>& flag, std::initializer_list<const char*> env,
                    const std::string& fallback);
/// True for "1", "yes", "true", "on" (any case).
bool truthy(const std::string& value);
/// "a:b::c" -> {"a","b","c"}.
std::vector<std::string> split_list(const std::string& text, char separator = ':');

}  // namespace pybcast
