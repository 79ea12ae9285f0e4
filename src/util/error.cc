#include "util/error.h"

#include <cstring>

namespace pybcast {

void throw_errno(const std::string& what, int err) { throw Error(what + ": " + std::strerror(err)); }

}  // namespace pybcast
