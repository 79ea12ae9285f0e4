#include "util/temp_dir.h"

#include <fcntl.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdlib>

#include "util/error.h"
#include "util/io.h"

namespace pybcast {

TempDir::TempDir(const std::string& stem) : TempDir("", stem) {}

TempDir::TempDir(const std::string& parent, const std::string& stem) {
  const char* tmp = std::getenv("TMPDIR");
  std::string path = (parent.empty() ? std::string(tmp && *tmp ? tmp : "/tmp") : parent) + "/" + stem + "XXXXXX";
  if (::mkdtemp(path.data()) == nullptr) throw_errno("cannot create a scratch directory " + path, errno);
  path_ = path;
}

TempDir::~TempDir() {
  try {
    io::remove_tree_at(AT_FDCWD, path_, path_);
  } catch (const Error&) {
    // Leaving scratch files behind is not worth failing a finished pack for.
  }
}

}  // namespace pybcast
