#include "archive/zstd_frames.h"

#include <zstd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "archive/frame_trailer.h"
#include "util/error.h"

namespace pybcast {
namespace {

using Bytes = std::vector<std::byte>;

Bytes data_of(size_t size, unsigned seed) {
  Bytes data(size);
  for (size_t i = 0; i < size; ++i)
    data[i] = static_cast<std::byte>(((i / 7) * 2654435761u + seed * 40503u) >> ((i % 3) * 5 + 9));
  return data;
}

/// One frame stating its content size and a checksum, as pack writes them.
Bytes sized_frame(const Bytes& data, bool checksum = true) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, checksum ? 1 : 0);
  Bytes out(ZSTD_compressBound(data.size()));
  size_t n = ZSTD_compress2(c, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(c);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

/// One frame of unknown size, as `tar --zstd` (a pipe) writes it.
Bytes streamed_frame(const Bytes& data) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  Bytes out(ZSTD_compressBound(data.size()) + 1024);
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  // Two flushes: the frame has several blocks before its end.
  in.size = data.size() / 2;
  ZSTD_compressStream2(c, &o, &in, ZSTD_e_flush);
  in.size = data.size();
  while (ZSTD_compressStream2(c, &o, &in, ZSTD_e_end) != 0) {
  }
  ZSTD_freeCCtx(c);
  out.resize(o.pos);
  return out;
}

Bytes skippable_frame(size_t size) {
  Bytes out(8 + size, std::byte{0x42});
  uint32_t magic = 0x184D2A5E, n = static_cast<uint32_t>(size);
  for (int i = 0; i < 4; ++i) {
    out[i] = static_cast<std::byte>(magic >> (8 * i));
    out[4 + i] = static_cast<std::byte>(n >> (8 * i));
  }
  return out;
}

void append(Bytes& to, const Bytes& more) { to.insert(to.end(), more.begin(), more.end()); }

/// Drives a decoder as the extractor does, `piece` input bytes and `room`
/// output bytes at a time; returns the output or the error's text.
std::string decode_all(Decoder& d, const Bytes& in, size_t piece, size_t room, Bytes& out) {
  try {
    Bytes buffer(room);
    auto run = [&](std::span<const std::byte> rest) {
      for (;;) {
        Decoder::Step step = d.decode(rest, buffer);
        rest = rest.subspan(step.consumed);
        out.insert(out.end(), buffer.begin(), buffer.begin() + static_cast<ptrdiff_t>(step.produced));
        if (rest.empty() && step.produced < buffer.size()) break;
      }
    };
    for (size_t at = 0; at < in.size(); at += piece)
      run(std::span<const std::byte>(in).subspan(at, std::min(piece, in.size() - at)));
    d.end_input();
    run({});
    d.finish();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

struct Stream {
  Bytes compressed, plain;
  void sized(size_t size, unsigned seed, bool checksum = true) {
    Bytes data = data_of(size, seed);
    append(compressed, sized_frame(data, checksum));
    append(plain, data);
  }
  void streamed(size_t size, unsigned seed) {
    Bytes data = data_of(size, seed);
    append(compressed, streamed_frame(data));
    append(plain, data);
  }
};

class ParallelZstd : public ::testing::TestWithParam<std::pair<size_t, size_t>> {};

TEST_P(ParallelZstd, DecodesEveryKindOfFrameInOrder) {
  auto [piece, room] = GetParam();
  Stream s;
  for (unsigned i = 0; i < 12; ++i) s.sized((i % 4 + 1) * 300000 + i, i, i % 3 != 0);
  s.sized(0, 99);                            // an empty frame
  append(s.compressed, skippable_frame(3));  // as pzstd writes in front of its frames
  s.streamed(700000, 7);                     // no stated size: streamed in order
  s.sized(5, 8);                             // a frame shorter than the longest header
  append(s.compressed, skippable_frame(0));
  s.sized((FrameDecodePool::kMaxFrameBytes) + 4096, 9);  // larger than a pooled frame
  for (unsigned i = 0; i < 5; ++i) s.sized(4u << 20, 20 + i);
  s.streamed(3, 30);

  FrameDecodePool pool(3);
  auto d = make_zstd_decoder(&pool);
  Bytes out;
  EXPECT_EQ(decode_all(*d, s.compressed, piece, room, out), "");
  ASSERT_EQ(out.size(), s.plain.size());
  EXPECT_TRUE(out == s.plain);
  EXPECT_EQ(d->name(), "zstd, 19 of 22 frames on 3 threads");
}

INSTANTIATE_TEST_SUITE_P(PiecesAndRoom, ParallelZstd,
                         ::testing::Values(std::pair<size_t, size_t>{4 << 20, 1 << 20},
                                           std::pair<size_t, size_t>{1 << 20, 1 << 20},
                                           std::pair<size_t, size_t>{65537, 4093},
                                           std::pair<size_t, size_t>{3, 1 << 20}));

TEST(ParallelZstd, NamesHowManyFramesWentToThePool) {
  FrameDecodePool pool(2);
  Stream all_sized, one_streamed;
  for (unsigned i = 0; i < 4; ++i) all_sized.sized(100000, i);
  one_streamed.streamed(100000, 1);
  auto a = make_zstd_decoder(&pool), b = make_zstd_decoder(&pool);
  Bytes out;
  EXPECT_EQ(decode_all(*a, all_sized.compressed, 4096, 1 << 20, out), "");
  EXPECT_EQ(a->name(), "zstd, 4 frames on 2 threads");
  EXPECT_EQ(decode_all(*b, one_streamed.compressed, 4096, 1 << 20, out), "");
  EXPECT_EQ(b->name(), "zstd");  // a single-frame bundle streams as before
}

/// Every refusal of the streaming decoder holds with frames on the pool, in
/// the same words, and a fault in an early frame is the one reported even
/// when later frames are broken too.
TEST(ParallelZstd, RefusesCorruptTruncatedAndTrailingBytes) {
  Stream s;
  for (unsigned i = 0; i < 6; ++i) s.sized(400000, i);
  struct Case {
    const char* what;
    Bytes bytes;
    const char* expected;
  };
  std::vector<Case> cases;
  Bytes flipped = s.compressed;
  flipped[flipped.size() - 100] ^= std::byte{0x5a};  // inside the last frame
  cases.push_back({"flip", flipped, "corrupt zstd data ("});
  Bytes bad_checksum = s.compressed;
  bad_checksum.back() ^= std::byte{1};
  cases.push_back({"checksum", bad_checksum, "corrupt zstd data (Restored data doesn't match checksum)"});
  Bytes early = Bytes(s.compressed.begin(), s.compressed.end() - 10);
  early[sized_frame(data_of(400000, 0)).size() - 1] ^= std::byte{1};  // the first frame's checksum
  cases.push_back({"early fault, truncated end", early, "corrupt zstd data (Restored data doesn't match checksum)"});
  cases.push_back({"truncated", Bytes(s.compressed.begin(), s.compressed.end() - 10),
                   "truncated zstd data (the last frame is incomplete)"});
  Bytes trailing = s.compressed;
  trailing.insert(trailing.end(), 3, std::byte{0});
  cases.push_back({"three bytes after", trailing, "corrupt zstd data (Unknown frame descriptor)"});
  Bytes tail = s.compressed;
  tail.insert(tail.end(), s.compressed.begin(), s.compressed.begin() + 3);  // the start of a frame's magic
  cases.push_back({"a magic number cut short", tail, "truncated zstd data (the last frame is incomplete)"});
  Bytes garbage = s.compressed;
  garbage.insert(garbage.end(), 64, std::byte{'g'});
  cases.push_back({"garbage after", garbage, "corrupt zstd data (Unknown frame descriptor)"});
  cases.push_back({"empty", Bytes{}, "truncated zstd data (the last frame is incomplete)"});
  for (const auto& c : cases) {
    for (size_t piece : {size_t{4096}, size_t{1} << 22}) {
      FrameDecodePool pool(4);
      auto d = make_zstd_decoder(&pool);
      Bytes out;
      std::string message = decode_all(*d, c.bytes, piece, 1 << 20, out);
      EXPECT_EQ(message.rfind(c.expected, 0), 0u) << c.what << ", pieces of " << piece << ": " << message;
      auto plain = make_decoder(Compression::kZstd);
      EXPECT_EQ(decode_all(*plain, c.bytes, piece, 1 << 20, out), message) << c.what << ", pieces of " << piece;
    }
  }
}

/// Frame ends on and off input piece and output buffer boundaries; after
/// end_input() a call without input must not reopen an ended frame (the
/// streaming decoder then reports the next frame's header size).
TEST(ParallelZstd, AFrameThatFillsTheOutputExactlyEnds) {
  FrameDecodePool pool(2);
  Stream sized, streamed;
  for (unsigned i = 0; i < 3; ++i) {
    sized.sized(1 << 20, i);
    streamed.streamed(1 << 20, i);
  }
  for (const Stream* s : {&sized, &streamed})
    for (size_t piece : {size_t{4} << 20, size_t{65536}})
      for (size_t room : {size_t{1} << 20, size_t{65536}, size_t{1000}})
        for (int parallel = 0; parallel < 2; ++parallel) {
          auto d = parallel ? make_zstd_decoder(&pool) : make_decoder(Compression::kZstd);
          Bytes out;
          EXPECT_EQ(decode_all(*d, s->compressed, piece, room, out), "")
              << (s == &sized ? "sized" : "streamed") << ", pieces " << piece << ", room " << room << ", parallel "
              << parallel;
          EXPECT_TRUE(out == s->plain);
        }
}

/// A frame whose header overstates its content: the pool refuses it.
TEST(ParallelZstd, RefusesAFrameShorterThanItsHeaderSays) {
  Bytes data = data_of(100000, 1);
  Bytes frame = sized_frame(data, false);
  // Frame header descriptor 0x.. with a 4-byte content size follows the magic; bump it.
  unsigned fcs_flag = std::to_integer<unsigned>(frame[4]) >> 6;
  ASSERT_EQ(fcs_flag, 2u);
  size_t at = 4 + 1 + ((std::to_integer<unsigned>(frame[4]) >> 5) & 1 ? 0 : 1);
  frame[at] = static_cast<std::byte>(std::to_integer<unsigned>(frame[at]) + 1);
  FrameDecodePool pool(2);
  auto d = make_zstd_decoder(&pool);
  Bytes out;
  EXPECT_NE(decode_all(*d, frame, 4096, 1 << 20, out).find("corrupt zstd data"), std::string::npos);
}

/// pack's trailer frame counts the frames before it: lost, repeated and
/// added frames, and frames after it, are refused by the pooled and the
/// streaming decoder alike, in the same words; an intact stream decodes
/// and a stream cut before its trailer decodes too (the manifest and the
/// tar end-of-archive marker are what refuse that cut).
TEST(FrameTrailer, FramesLostRepeatedOrAfterTheEndAreRefused) {
  std::vector<Bytes> frames, plains;
  uint64_t content = 0;
  for (unsigned i = 0; i < 5; ++i) {
    plains.push_back(data_of(i == 4 ? 1234 : 300000, i));
    frames.push_back(i == 2 ? streamed_frame(plains.back()) : sized_frame(plains.back()));
    content += plains.back().size();
  }
  FrameTally written("", "");
  for (const auto& f : frames) {
    uint32_t checksum = 0;  // the frames' own: the last 4 bytes of those that have one
    if ((std::to_integer<unsigned>(f[4]) >> 2) & 1)
      for (int i = 3; i >= 0; --i)
        checksum = (checksum << 8) | std::to_integer<uint32_t>(f[f.size() - 4 + static_cast<size_t>(i)]);
    written.data_frame(0, checksum);
  }
  Bytes trailer = encode_zstd_trailer({frames.size(), content, written.so_far().checksums});
  auto join = [&](std::vector<size_t> order, bool with_trailer) {
    Bytes out;
    for (size_t i : order) append(out, frames[i]);
    if (with_trailer) append(out, trailer);
    return out;
  };
  struct Case {
    const char* what;
    Bytes bytes;
    const char* expected;  ///< "" when it decodes
  };
  Bytes after = join({0, 1, 2, 3, 4}, true);
  append(after, frames[4]);
  Bytes twice = join({0, 1, 2, 3, 4}, true);
  append(twice, trailer);
  Bytes foreign = join({0, 1, 2, 3, 4}, false);
  append(foreign, skippable_frame(32));  // someone else's skippable frame
  append(foreign, trailer);
  Bytes replaced = join({0, 1, 2, 3}, false);
  append(replaced, sized_frame(data_of(1235, 4)));
  append(replaced, trailer);
  std::vector<Case> cases = {
      {"intact", join({0, 1, 2, 3, 4}, true), ""},
      {"cut before the trailer", join({0, 1, 2, 3, 4}, false), ""},
      {"another skippable frame", foreign, ""},
      {"first frame lost", join({1, 2, 3, 4}, true), "corrupt zstd data (4 of the 5 frames pack wrote: 1 lost)"},
      {"middle frame lost", join({0, 1, 3, 4}, true), "corrupt zstd data (4 of the 5 frames pack wrote: 1 lost)"},
      {"frame repeated", join({0, 1, 1, 2, 3, 4}, true),
       "corrupt zstd data (6 frames where pack wrote 5: repeated or added)"},
      {"frames swapped", join({0, 2, 1, 3, 4}, true),
       "corrupt zstd data (its frames are not those pack wrote, in its order: frames replaced or reordered)"},
      {"last frame replaced", replaced,
       "corrupt zstd data (its frames decode to 1201235 bytes, pack wrote 1201234: frames replaced)"},
      {"a frame after the trailer", after, "corrupt zstd data (a frame after the end of the bundle pack wrote)"},
      {"the trailer twice", twice, "corrupt zstd data (its end-of-bundle frame appears twice)"},
  };
  for (const auto& c : cases) {
    for (size_t piece : {size_t{7}, size_t{4096}, size_t{1} << 22}) {
      FrameDecodePool pool(2);
      Bytes pooled_out, streamed_out;
      auto pooled = make_zstd_decoder(&pool);
      std::string message = decode_all(*pooled, c.bytes, piece, 1 << 20, pooled_out);
      EXPECT_EQ(message, c.expected) << c.what << ", pieces of " << piece;
      auto streaming = make_zstd_decoder(nullptr);
      EXPECT_EQ(decode_all(*streaming, c.bytes, piece, 1 << 20, streamed_out), message)
          << c.what << ", pieces of " << piece;
      if (message.empty()) {
        EXPECT_TRUE(pooled_out == streamed_out) << c.what;
      }
    }
  }
}

TEST(FrameTrailer, OnlyOurTrailerIsRead) {
  Bytes trailer = encode_zstd_trailer({7, 123456789, 42});
  ASSERT_EQ(trailer.size(), 48u);
  uint32_t magic = 0;
  for (int i = 3; i >= 0; --i) magic = (magic << 8) | std::to_integer<uint32_t>(trailer[static_cast<size_t>(i)]);
  std::span<const std::byte> payload = std::span(trailer).subspan(8);
  auto parsed = parse_zstd_trailer(magic, payload);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->frames, 7u);
  EXPECT_EQ(parsed->content_bytes, 123456789u);
  EXPECT_EQ(parsed->checksums, 42u);
  EXPECT_FALSE(parse_zstd_trailer(magic ^ 1, payload));
  EXPECT_FALSE(parse_zstd_trailer(magic, payload.first(39)));
  Bytes other(payload.begin(), payload.end());
  other[0] = std::byte{'P'};
  EXPECT_FALSE(parse_zstd_trailer(magic, other));
}

}  // namespace
}  // namespace pybcast
