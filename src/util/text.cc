#include "util/text.h"

#include <fmt/format.h>

namespace pybcast {

std::string escape_control(std::string_view text) {
  std::string shown;
  shown.reserve(text.size());
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) shown += fmt::format("\\x{:02x}", c);
    else shown += static_cast<char>(c);
  }
  return shown;
}

}  // namespace pybcast
