#pragma once
// A private scratch directory (pip's install prefix, compiled bytecode),
// removed with everything in it when pack is done, whatever happened.
#include <string>

namespace pybcast {

class TempDir {
 public:
  /// mkdtemp under $TMPDIR (or /tmp) named "<stem>XXXXXX".
  explicit TempDir(const std::string& stem);
  /// mkdtemp under `parent` ("" : as above).
  TempDir(const std::string& parent, const std::string& stem);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace pybcast
