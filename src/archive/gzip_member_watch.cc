#include "archive/gzip_member_watch.h"

#include "util/error.h"

namespace pybcast {

void GzipMemberWatch::consumed(std::span<const std::byte> bytes) {
  for (std::byte b : bytes) {
    tail_ = (tail_ << 8) | std::to_integer<uint64_t>(b);
    if (stage_ != Stage::kData) header_byte(std::to_integer<unsigned>(b));
  }
}

size_t GzipMemberWatch::take_header(std::span<const std::byte> bytes) {
  static constexpr unsigned kStart[3] = {0x1f, 0x8b, 8};  // ID1, ID2, CM = deflate
  size_t taken = 0;
  for (; taken < bytes.size() && !header_done(); ++taken) {
    unsigned b = std::to_integer<unsigned>(bytes[taken]);
    if (stage_ == Stage::kFixed && seen_ < 3 && b != kStart[seen_]) fail("corrupt gzip data (invalid gzip header)");
    if (stage_ == Stage::kFixed && seen_ == 3 && (b & 0xe0) != 0) fail("corrupt gzip data (invalid gzip header)");
    consumed(bytes.subspan(taken, 1));
  }
  return taken;
}

uint32_t GzipMemberWatch::crc() const {
  uint32_t crc = 0;  // bytes -8..-5 of the member, little-endian
  for (int i = 0; i < 4; ++i) crc |= static_cast<uint32_t>((tail_ >> (8 * (7 - i))) & 0xff) << (8 * i);
  return crc;
}

void GzipMemberWatch::header_byte(unsigned b) {
  switch (stage_) {
    case Stage::kFixed:
      if (++seen_ == 4) flags_ = b;
      if (seen_ == 10) next_optional();
      return;
    case Stage::kExtraLength:
      extra_left_ |= b << (8 * seen_++);
      if (seen_ < 2) return;
      if (extra_left_ > 0) stage_ = Stage::kExtra;
      else next_optional();
      return;
    case Stage::kExtra:
      if (extra_.size() < kMaxExtraKept) extra_.push_back(static_cast<std::byte>(b));
      if (--extra_left_ == 0) next_optional();
      return;
    case Stage::kName:
    case Stage::kComment:
      if (b == 0) next_optional();
      return;
    case Stage::kHeaderCrc:
      if (++seen_ == 2) next_optional();
      return;
    case Stage::kData: return;
  }
}

void GzipMemberWatch::next_optional() {
  seen_ = 0;
  auto take = [&](unsigned flag) {
    bool present = flags_ & flag;
    flags_ &= ~flag;
    return present;
  };
  if (take(kExtraFlag)) stage_ = Stage::kExtraLength;
  else if (take(kNameFlag)) stage_ = Stage::kName;
  else if (take(kCommentFlag)) stage_ = Stage::kComment;
  else if (take(kHeaderCrcFlag)) stage_ = Stage::kHeaderCrc;
  else stage_ = Stage::kData;
}

}  // namespace pybcast
