#include "archive/zstd_trailer.h"

#include <cstring>

#include "util/error.h"

namespace pybcast {

namespace {

constexpr uint32_t kTrailerMagic = 0x184D2A5B;  // a skippable frame (0x184D2A5?)
constexpr char kTag[8] = {'p', 'y', 'b', 'c', 'a', 's', 't', '\0'};
constexpr uint32_t kVersion = 1;
constexpr size_t kPayloadBytes = 32;  // tag, version, reserved, frames, content bytes

void put(std::vector<std::byte>& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::byte>((value >> (8 * i)) & 0xff));
}

uint64_t get(std::span<const std::byte> in, size_t at, int bytes) {
  uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i)
    value = (value << 8) | std::to_integer<uint64_t>(in[at + static_cast<size_t>(i)]);
  return value;
}

}  // namespace

std::vector<std::byte> encode_zstd_trailer(const ZstdTrailer& trailer) {
  std::vector<std::byte> out;
  put(out, kTrailerMagic, 4);
  put(out, kPayloadBytes, 4);
  for (char c : kTag) out.push_back(static_cast<std::byte>(c));
  put(out, kVersion, 4);
  put(out, 0, 4);
  put(out, trailer.frames, 8);
  put(out, trailer.content_bytes, 8);
  return out;
}

std::optional<ZstdTrailer> parse_zstd_trailer(uint32_t magic, std::span<const std::byte> payload) {
  if (magic != kTrailerMagic || payload.size() != kPayloadBytes || std::memcmp(payload.data(), kTag, sizeof kTag) != 0)
    return std::nullopt;
  if (get(payload, 8, 4) != kVersion) return std::nullopt;  // a later layout: not checked here
  return ZstdTrailer{get(payload, 16, 8), get(payload, 24, 8)};
}

void ZstdFrameTally::data_frame(uint64_t content_bytes) {
  if (ended_) fail("corrupt zstd data (a frame after the end of the bundle pack wrote)");
  ++frames_;
  content_bytes_ += content_bytes;
}

void ZstdFrameTally::skippable_frame(uint32_t magic, std::span<const std::byte> payload) {
  std::optional<ZstdTrailer> trailer = parse_zstd_trailer(magic, payload);
  if (!trailer) return;
  if (ended_) fail("corrupt zstd data (its end-of-bundle frame appears twice)");
  ended_ = true;
  if (frames_ < trailer->frames)
    fail("corrupt zstd data ({} of the {} frames pack wrote: {} lost)", frames_, trailer->frames,
         trailer->frames - frames_);
  if (frames_ > trailer->frames)
    fail("corrupt zstd data ({} frames where pack wrote {}: repeated or added)", frames_, trailer->frames);
  if (content_bytes_ != trailer->content_bytes)
    fail("corrupt zstd data (its frames decode to {} bytes, pack wrote {}: frames replaced)", content_bytes_,
         trailer->content_bytes);
}

}  // namespace pybcast
