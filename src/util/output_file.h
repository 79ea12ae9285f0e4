#pragma once
// The bundle being written: a temporary file next to the output, renamed
// over it once complete and removed otherwise, also when the user presses
// Ctrl-C. No reader ever sees half a bundle under the final name.
#include <string>

#include "util/io.h"

namespace pybcast {

class OutputFile {
 public:
  /// Creates the temporary file. Throws Error("cannot write <path>: ...").
  explicit OutputFile(const std::string& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_; }
  /// Closes and renames into place.
  void commit();

 private:
  std::string path_;
  std::string temp_;
  io::Fd fd_;
  bool committed_ = false;
};

}  // namespace pybcast
