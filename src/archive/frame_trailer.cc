#include "archive/frame_trailer.h"

#include <cstring>

#include "util/error.h"

namespace pybcast {

namespace {

constexpr uint32_t kZstdTrailerMagic = 0x184D2A5B;  // a skippable frame (0x184D2A5?)
constexpr char kTag[8] = {'p', 'y', 'b', 'c', 'a', 's', 't', '\0'};
constexpr uint32_t kVersion = 2;
constexpr size_t kPayloadBytes = 40;  // tag, version, reserved, frames, content bytes, checksums

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

std::vector<std::byte> encode_trailer_payload(const FrameTrailer& trailer) {
  std::vector<std::byte> out;
  for (char c : kTag) out.push_back(static_cast<std::byte>(c));
  put(out, kVersion, 4);
  put(out, 0, 4);
  put(out, trailer.frames, 8);
  put(out, trailer.content_bytes, 8);
  put(out, trailer.checksums, 8);
  return out;
}

std::optional<FrameTrailer> parse_trailer_payload(std::span<const std::byte> payload) {
  if (payload.size() != kPayloadBytes || std::memcmp(payload.data(), kTag, sizeof kTag) != 0) return std::nullopt;
  if (get(payload, 8, 4) != kVersion) return std::nullopt;  // another layout: not ours to check
  return FrameTrailer{get(payload, 16, 8), get(payload, 24, 8), get(payload, 32, 8)};
}

std::vector<std::byte> encode_zstd_trailer(const FrameTrailer& trailer) {
  std::vector<std::byte> out;
  put(out, kZstdTrailerMagic, 4);
  put(out, kPayloadBytes, 4);
  std::vector<std::byte> payload = encode_trailer_payload(trailer);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

std::optional<FrameTrailer> parse_zstd_trailer(uint32_t magic, std::span<const std::byte> payload) {
  if (magic != kZstdTrailerMagic) return std::nullopt;
  return parse_trailer_payload(payload);
}

std::optional<FrameTrailer> parse_gzip_trailer(std::span<const std::byte> extra) {
  // Subfields (RFC 1952, 2.3.1.1): two id bytes, a 2-byte length, the data.
  for (size_t at = 0; at + 4 <= extra.size();) {
    size_t length = get(extra, at + 2, 2);
    if (at + 4 + length > extra.size()) return std::nullopt;
    if (std::to_integer<char>(extra[at]) == kGzipTrailerId[0] &&
        std::to_integer<char>(extra[at + 1]) == kGzipTrailerId[1])
      return parse_trailer_payload(extra.subspan(at + 4, length));
    at += 4 + length;
  }
  return std::nullopt;
}

void FrameTally::data_frame(uint64_t content_bytes, uint32_t checksum) {
  if (ended_) fail("corrupt {} data (a {} after the end of the bundle pack wrote)", format_, unit_);
  ++frames_;
  content_bytes_ += content_bytes;
  std::byte bytes[4];
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<std::byte>((checksum >> (8 * i)) & 0xff);
  checksums_.update(bytes);
}

void FrameTally::trailer(const FrameTrailer& trailer) {
  if (ended_) fail("corrupt {} data (its end-of-bundle {} appears twice)", format_, unit_);
  ended_ = true;
  if (frames_ < trailer.frames)
    fail("corrupt {} data ({} of the {} {}s pack wrote: {} lost)", format_, frames_, trailer.frames, unit_,
         trailer.frames - frames_);
  if (frames_ > trailer.frames)
    fail("corrupt {} data ({} {}s where pack wrote {}: repeated or added)", format_, frames_, unit_, trailer.frames);
  if (content_bytes_ != trailer.content_bytes)
    fail("corrupt {} data (its {}s decode to {} bytes, pack wrote {}: {}s replaced)", format_, unit_, content_bytes_,
         trailer.content_bytes, unit_);
  if (checksums_.digest() != trailer.checksums)
    fail("corrupt {} data (its {}s are not those pack wrote, in its order: {}s replaced or reordered)", format_, unit_,
         unit_);
}

}  // namespace pybcast
