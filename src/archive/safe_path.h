#pragma once
// The path policy for archive members: relative, no "..", no empty or
// over-long names. Pure functions, so they are cheap to test and to fuzz.
#include <string>
#include <string_view>
#include <vector>

namespace pybcast {

using PathParts = std::vector<std::string>;

/// Splits a member name into components, dropping "." and empty components
/// ("./a//b/" -> {"a","b"}). Throws Error for absolute paths, ".." components,
/// NUL bytes, components longer than NAME_MAX and names longer than PATH_MAX.
/// Returns an empty vector for the archive's root entry ("./").
PathParts split_member_path(std::string_view name);

std::string join_parts(const PathParts& parts, size_t count);
inline std::string join_parts(const PathParts& parts) { return join_parts(parts, parts.size()); }

/// A member name fit for a one-line message: long names are shortened to
/// their start and end, with the full length given.
std::string shown_name(std::string_view name);

/// True when a symlink placed at `link` with this target points outside the
/// prefix: an absolute target, or ".." climbing above the root (lexically).
bool symlink_escapes(const PathParts& link, std::string_view target);

}  // namespace pybcast
