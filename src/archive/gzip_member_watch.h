#pragma once
// Watches the bytes of one gzip member as the inflater consumes them
// (RFC 1952: the header with its optional fields, then the deflate data,
// then CRC32 and size): keeps its extra field, where pack's trailer is, and
// its last 8 bytes, whose first 4 are its CRC32. It only looks: the inflater
// (ISA-L or zlib) parses and checks everything itself.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace pybcast {

class GzipMemberWatch {
 public:
  void reset() { *this = GzipMemberWatch{}; }
  /// The member's next bytes, as the inflater consumed them.
  void consumed(std::span<const std::byte> bytes);
  /// The extra field (its first kMaxExtraKept bytes).
  std::span<const std::byte> extra() const { return extra_; }
  /// The CRC32 of a member that has ended.
  uint32_t crc() const;
  /// Whether the header has been seen whole.
  bool header_done() const { return stage_ == Stage::kData; }
  /// Takes bytes of the header (none past its end); returns how many. Throws
  /// Error("corrupt gzip data (invalid gzip header)") if it is not a gzip
  /// header of deflate data.
  size_t take_header(std::span<const std::byte> bytes);

 private:
  enum class Stage { kFixed, kExtraLength, kExtra, kName, kComment, kHeaderCrc, kData };
  static constexpr unsigned kExtraFlag = 4, kNameFlag = 8, kCommentFlag = 16, kHeaderCrcFlag = 2;
  static constexpr size_t kMaxExtraKept = 1024;

  void header_byte(unsigned b);
  /// The next optional field the flags announce, in their order, or the data.
  void next_optional();

  Stage stage_ = Stage::kFixed;
  unsigned flags_ = 0;
  size_t seen_ = 0;
  size_t extra_left_ = 0;
  std::vector<std::byte> extra_;
  uint64_t tail_ = 0;  ///< the last 8 bytes consumed, the latest lowest
};

}  // namespace pybcast
