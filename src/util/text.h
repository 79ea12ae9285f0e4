#pragma once
// Text from other people (bundle member names, symlink targets) shown on a
// terminal: control characters are escaped, so that a name cannot move the
// cursor, recolour the screen or forge a line of output.
#include <string>
#include <string_view>

namespace pybcast {

/// Bytes below 0x20 and 0x7f as "\xNN"; everything else as it is.
std::string escape_control(std::string_view text);

}  // namespace pybcast
