#include "archive/decoded_file.h"

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "archive_builder.h"
#include "test_dir.h"
#include "util/error.h"

namespace pybcast {
namespace {

using testing::ArchiveBuilder;
using testing::Filter;
using testing::TestDir;
using Bytes = std::vector<std::byte>;

std::string write(const TestDir& dir, const std::string& name, const Bytes& bytes) {
  std::string path = dir / name;
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

/// The whole stream read `room` bytes at a time, or "error: <what>".
std::string read_all(const std::string& path, unsigned threads, size_t room) {
  try {
    DecodedFile file(path, threads);
    std::string out;
    Bytes block(room);
    while (size_t n = file.read(block)) out.append(reinterpret_cast<const char*>(block.data()), n);
    return out;
  } catch (const Error& e) {
    return std::string("error: ") + e.what();
  }
}

ArchiveBuilder some_members() {
  std::string big(3 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i % 26);
  return ArchiveBuilder().file("a.py", "VALUE = 1\n").dir("d").file("d/big.bin", big).symlink("l", "a.py");
}

TEST(DecodedFile, GivesTheTarStreamOfEveryCompressionStagingReads) {
  TestDir dir;
  std::string tar = testing::to_string(some_members().build(Filter::kNone));
  for (Filter filter :
       {Filter::kNone, Filter::kGzip, Filter::kZstd, Filter::kZstdChecked, Filter::kXz, Filter::kBzip2}) {
    std::string path = write(dir, "b", some_members().build(filter));
    for (unsigned threads : {0u, 2u})
      for (size_t room : {size_t{7}, size_t{1} << 20})
        EXPECT_EQ(read_all(path, threads, room), tar)
            << "filter " << static_cast<int>(filter) << ", " << threads << " threads, room " << room;
  }
}

TEST(DecodedFile, RefusesDamageInTheDecodersWords) {
  TestDir dir;
  Bytes gzip = some_members().build(Filter::kGzip);
  Bytes trailing = gzip;
  for (char c : std::string("garbage")) trailing.push_back(static_cast<std::byte>(c));
  EXPECT_EQ(read_all(write(dir, "t.tar.gz", trailing), 0, 1 << 20).substr(0, 44),
            "error: trailing data after the gzip stream: ");
  Bytes padded = gzip;
  padded.resize(gzip.size() + 512);  // zero padding, as gzip -t and tar -xzf accept
  EXPECT_EQ(read_all(write(dir, "p.tar.gz", padded), 0, 1 << 20), testing::to_string(some_members().build()));

  Bytes zstd = some_members().build(Filter::kZstdChecked);
  Bytes cut(zstd.begin(), zstd.begin() + static_cast<std::ptrdiff_t>(zstd.size() / 2));
  for (unsigned threads : {0u, 2u})
    EXPECT_EQ(read_all(write(dir, "c.tar.zst", cut), threads, 1 << 20),
              "error: truncated zstd data (the last frame is incomplete)");

  EXPECT_EQ(read_all(write(dir, "empty", {}), 0, 1 << 20), "error: the file is empty");
  EXPECT_EQ(read_all(dir / "missing", 0, 1 << 20), "error: cannot open: No such file or directory");
}

TEST(DecodedFile, AfterARefusalEveryReadSaysTheSame) {
  TestDir dir;
  Bytes zstd = some_members().build(Filter::kZstd);
  Bytes cut(zstd.begin(), zstd.end() - 5);
  DecodedFile file(write(dir, "c.tar.zst", cut));
  std::string first, again;
  try {
    file.read_to_end();
  } catch (const Error& e) {
    first = e.what();
  }
  Bytes block(16);
  try {
    file.read(block);
  } catch (const Error& e) {
    again = e.what();
  }
  EXPECT_NE(first, "");
  EXPECT_EQ(again, first);
}

}  // namespace
}  // namespace pybcast
