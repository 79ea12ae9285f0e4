#include "archive/frame_compressor.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <random>

#include <gtest/gtest.h>

#include "archive/frame_trailer.h"
#include "test_dir.h"
#include "util/error.h"
#include "util/io.h"

namespace pybcast {
namespace {

using testing::TestDir;

/// Compressible but not trivial: words from a small vocabulary.
std::vector<std::byte> sample(size_t size) {
  static const char* words[] = {"import ", "numpy ", "def ", "return ", "self", ".", "\n", "    ", "class ", "x"};
  std::mt19937 rng(7);
  std::vector<std::byte> out;
  while (out.size() < size) {
    const char* w = words[rng() % 10];
    for (const char* p = w; *p && out.size() < size; ++p) out.push_back(static_cast<std::byte>(*p));
  }
  return out;
}

std::vector<std::byte> compress(const std::vector<std::byte>& input, Compression kind, int threads, size_t frame) {
  TestDir d;
  std::string path = d / "out";
  {
    io::Fd fd = io::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    FrameCompressor c({kind, 0, threads, frame}, fd.get(), path);
    // Odd write sizes: frames must not depend on how the caller slices its writes.
    size_t step = 12345;
    for (size_t at = 0; at < input.size(); at += step)
      c.write(std::span(input).subspan(at, std::min(step, input.size() - at)));
    c.finish();
    EXPECT_EQ(c.bytes_in(), input.size());
  }
  std::string text = testing::read_file(path);
  auto bytes = std::as_bytes(std::span(text));
  return {bytes.begin(), bytes.end()};
}

TEST(FrameCompressor, ZstdFramesAreIndependentAndThreadCountDoesNotMatter) {
  auto input = sample(5 * 100000 + 17);
  auto one = compress(input, Compression::kZstd, 1, 100000);
  auto three = compress(input, Compression::kZstd, 3, 100000);
  EXPECT_EQ(one, three);

  // Six frames (five full, one short), each decodable on its own, then the trailer that counts them.
  size_t at = 0, frames = 0;
  std::vector<std::byte> all;
  std::optional<FrameTrailer> trailer;
  while (at < one.size()) {
    size_t size = ZSTD_findFrameCompressedSize(one.data() + at, one.size() - at);
    ASSERT_FALSE(ZSTD_isError(size));
    uint32_t magic = 0;
    for (int i = 3; i >= 0; --i) magic = (magic << 8) | std::to_integer<uint32_t>(one[at + static_cast<size_t>(i)]);
    if ((magic & 0xFFFFFFF0u) == 0x184D2A50u) {
      trailer = parse_zstd_trailer(magic, std::span(one).subspan(at + 8, size - 8));
      at += size;
      EXPECT_EQ(at, one.size()) << "the trailer is last";
      continue;
    }
    unsigned long long content = ZSTD_getFrameContentSize(one.data() + at, size);
    ASSERT_EQ(content, frames < 5 ? 100000u : 17u);
    std::vector<std::byte> out(content);
    ASSERT_EQ(ZSTD_decompress(out.data(), out.size(), one.data() + at, size), content);
    all.insert(all.end(), out.begin(), out.end());
    at += size;
    ++frames;
  }
  EXPECT_EQ(frames, 6u);
  EXPECT_EQ(all, input);
  ASSERT_TRUE(trailer);
  EXPECT_EQ(trailer->frames, 6u);
  EXPECT_EQ(trailer->content_bytes, input.size());
}

TEST(FrameCompressor, GzipMembersHaveNoTimestampAndDecodeAlone) {
  auto input = sample(3 * 65536);
  auto one = compress(input, Compression::kGzip, 1, 65536);
  EXPECT_EQ(one, compress(input, Compression::kGzip, 2, 65536));
  size_t at = 0, members = 0;
  std::vector<std::byte> all;
  std::optional<FrameTrailer> trailer;
  while (at < one.size()) {
    ASSERT_EQ(static_cast<unsigned>(one[at]), 0x1fu);
    for (int i = 4; i < 8; ++i) EXPECT_EQ(static_cast<unsigned>(one[at + i]), 0u) << "MTIME byte " << i;
    z_stream z{};
    ASSERT_EQ(inflateInit2(&z, 16 + 15), Z_OK);
    unsigned char extra[256];
    gz_header header{};
    header.extra = extra;
    header.extra_max = sizeof extra;
    inflateGetHeader(&z, &header);
    std::vector<std::byte> out(65536 + 1);
    z.next_in = reinterpret_cast<Bytef*>(one.data() + at);
    z.avail_in = static_cast<uInt>(one.size() - at);
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    ASSERT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);  // ends at the member's end
    out.resize(out.size() - z.avail_out);
    at = one.size() - z.avail_in;
    inflateEnd(&z);
    if (header.extra_len > 0) {  // the trailer: an empty last member, its extra field counting the others
      trailer = parse_gzip_trailer(std::as_bytes(std::span(extra, header.extra_len)));
      EXPECT_TRUE(out.empty());
      EXPECT_EQ(at, one.size()) << "the trailer is last";
      continue;
    }
    EXPECT_EQ(out.size(), 65536u);
    all.insert(all.end(), out.begin(), out.end());
    ++members;
  }
  EXPECT_EQ(members, 3u);
  EXPECT_EQ(all, input);
  ASSERT_TRUE(trailer);
  EXPECT_EQ(trailer->frames, 3u);
  EXPECT_EQ(trailer->content_bytes, input.size());
}

TEST(FrameCompressor, PlainTarIsCopied) {
  auto input = sample(250000);
  EXPECT_EQ(compress(input, Compression::kNone, 4, 100000), input);
}

/// pack's gzip bundles end with an empty member whose extra field counts the
/// members before it: members lost, repeated, reordered, or data after it,
/// are refused by both inflaters in the same words; without the trailer (a
/// cut where a member ends) the stream decodes, and other tools read it all.
TEST(FrameCompressor, GzipTrailerRefusesMembersLostRepeatedOrReordered) {
  auto input = sample(4 * 65536 + 100);
  auto whole = compress(input, Compression::kGzip, 1, 65536);
  std::vector<std::vector<std::byte>> members;  // five data members, then the trailer
  for (size_t at = 0; at < whole.size();) {
    z_stream z{};
    ASSERT_EQ(inflateInit2(&z, 16 + 15), Z_OK);
    std::vector<std::byte> out(65536 + 1);
    z.next_in = reinterpret_cast<Bytef*>(whole.data() + at);
    z.avail_in = static_cast<uInt>(whole.size() - at);
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    ASSERT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
    size_t end = whole.size() - z.avail_in;
    inflateEnd(&z);
    members.emplace_back(whole.begin() + static_cast<ptrdiff_t>(at), whole.begin() + static_cast<ptrdiff_t>(end));
    at = end;
  }
  ASSERT_EQ(members.size(), 6u);
  auto join = [&](std::vector<size_t> order) {
    std::vector<std::byte> out;
    for (size_t i : order) out.insert(out.end(), members[i].begin(), members[i].end());
    return out;
  };
  struct Case {
    const char* what;
    std::vector<std::byte> bytes;
    const char* expected;
  };
  std::vector<Case> cases = {
      {"intact", whole, ""},
      {"cut before the trailer", join({0, 1, 2, 3, 4}), ""},
      {"first member lost", join({1, 2, 3, 4, 5}), "corrupt gzip data (4 of the 5 members pack wrote: 1 lost)"},
      {"member repeated", join({0, 1, 1, 2, 3, 4, 5}),
       "corrupt gzip data (6 members where pack wrote 5: repeated or added)"},
      {"members swapped", join({0, 2, 1, 3, 4, 5}),
       "corrupt gzip data (its members are not those pack wrote, in its order: members replaced or reordered)"},
      {"a member after the trailer", join({0, 1, 2, 3, 4, 5, 4}),
       "corrupt gzip data (a member after the end of the bundle pack wrote)"},
  };
  for (GzipInflater inflater : {GzipInflater::kIsal, GzipInflater::kZlib}) {
    for (const auto& c : cases) {
      for (size_t piece : {size_t{5}, size_t{1} << 20}) {
        auto d = make_decoder(Compression::kGzip, inflater);
        std::vector<std::byte> out, buffer(1 << 16);
        std::string message;
        try {
          auto run = [&](std::span<const std::byte> rest) {
            for (;;) {
              Decoder::Step step = d->decode(rest, buffer);
              rest = rest.subspan(step.consumed);
              out.insert(out.end(), buffer.begin(), buffer.begin() + static_cast<ptrdiff_t>(step.produced));
              if (rest.empty() && step.produced < buffer.size()) break;
            }
          };
          for (size_t at = 0; at < c.bytes.size(); at += piece)
            run(std::span<const std::byte>(c.bytes).subspan(at, std::min(piece, c.bytes.size() - at)));
          d->end_input();
          run({});
          d->finish();
        } catch (const Error& e) {
          message = e.what();
        }
        EXPECT_EQ(message, c.expected) << c.what << ", " << (inflater == GzipInflater::kZlib ? "zlib" : "isal")
                                       << ", pieces of " << piece;
        if (message.empty()) {
          EXPECT_EQ(out, input) << c.what;
        }
      }
    }
  }
}

}  // namespace
}  // namespace pybcast
