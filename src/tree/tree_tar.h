#pragma once
// Entries of a tree as an uncompressed tar stream whose exact size is known
// before its first byte is read: how a directory staged as it is travels
// without a bundle file. Headers come from libarchive, made up front (the
// same bytes pack writes, with each entry's own mtime so that bytecode in
// the tree stays valid); file bodies are read from disk as the stream
// reaches them, each file opened once.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tree/file_set.h"
#include "util/io.h"

namespace pybcast {

class TreeTar {
 public:
  /// `manifest_json` is the first member (.pybcast/manifest.json), then the entries in order.
  TreeTar(const std::string& manifest_json, std::vector<PackEntry> entries);

  uint64_t size() const { return size_; }
  /// Fills `out` with the stream's bytes from `offset`, which must be where
  /// the previous read ended, or 0 (the stream again, from its start). Throws Error naming a file that cannot be read
  /// or that changed since the walk ("stage again once it is stable").
  void read(uint64_t offset, std::span<std::byte> out);
  /// Regular files opened so far (each exactly once).
  uint64_t files_opened() const { return files_opened_; }

 private:
  struct Member {
    std::string header;  ///< header bytes (pax extension included)
    uint64_t start = 0;  ///< stream offset of the header
    uint64_t size = 0;   ///< body bytes
    size_t entry = 0;    ///< index into entries_, or kInline
  };
  static constexpr size_t kInline = SIZE_MAX;

  uint64_t body_end(const Member& m) const { return m.start + m.header.size() + m.size; }
  uint64_t member_end(const Member& m) const;
  /// Copies part of member m's body at body offset `at`.
  void read_body(const Member& m, uint64_t at, std::span<std::byte> out);
  void open_body(const PackEntry& e);
  void close_body(const PackEntry& e);

  std::vector<PackEntry> entries_;
  std::string manifest_;
  std::vector<Member> members_;
  std::string trailer_;
  uint64_t size_ = 0;
  uint64_t position_ = 0;
  size_t current_ = 0;  ///< member the position is in
  io::Fd body_;         ///< the current member's file, while it is read
  size_t body_member_ = kInline;
  uint64_t files_opened_ = 0;
};

}  // namespace pybcast
