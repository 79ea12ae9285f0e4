#include "archive/writer_pool.h"
#include "util/cores.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "test_dir.h"
#include "util/hash.h"
#include "util/io.h"

namespace pybcast {
namespace {

using testing::TestDir;

FileBody body_for(const TestDir& dir, const std::string& name, const std::string& text, size_t bundle = 0) {
  FileBody body;
  body.fd = io::open(dir / name, O_WRONLY | O_CREAT | O_EXCL, 0600);
  body.shown = name;
  body.bundle = bundle;
  body.size = static_cast<int64_t>(text.size());
  body.capacity = text.size();
  body.data = std::make_unique<std::byte[]>(text.size());
  body.append(0, text.data(), text.size());
  body.mode = 0444;
  body.mtime = {1600000000, 0};
  return body;
}

TEST(WriterPool, WritesEveryBodyWithModeAndMtimeAndCountsPerThread) {
  TestDir dir;
  std::vector<WriterThreadStats> stats;
  {
    WriterPool pool(
        4, 1 << 20, 64, [](const FileBody&, const Error& e) { return std::string(e.what()); }, [] { return false; });
    for (int i = 0; i < 500; ++i) pool.submit(body_for(dir, fmt::format("f{}", i), std::string(i, 'x')));
    stats = pool.finish();
  }
  ASSERT_EQ(stats.size(), 4u);
  uint64_t files = 0, bytes = 0;
  for (const auto& s : stats) files += s.files, bytes += s.bytes;
  EXPECT_EQ(files, 500u);
  EXPECT_EQ(bytes, 499u * 500u / 2);
  struct stat st {};
  ASSERT_EQ(lstat((dir / "f321").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 321);
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1600000000);
}

TEST(WriterPool, WaitForReturnsOnceThatBodyIsWrittenAndClosed) {
  TestDir dir;
  WriterPool pool(
      3, 1 << 20, 64, [](const FileBody&, const Error& e) { return std::string(e.what()); }, [] { return false; });
  for (int i = 0; i < 200; ++i) {
    uint64_t seq = pool.submit(body_for(dir, fmt::format("f{}", i), fmt::format("body {}", i)));
    pool.wait_for(seq);
    EXPECT_EQ(testing::read_file(dir / fmt::format("f{}", i)), fmt::format("body {}", i));
    EXPECT_GT(pool.done_below(), seq);
  }
}

TEST(WriterPool, SparseExtentsAndTailAreWritten) {
  TestDir dir;
  FileBody body;
  body.fd = io::open(dir / "sparse", O_WRONLY | O_CREAT | O_EXCL, 0600);
  body.shown = "sparse";
  body.size = 10000;
  body.append(100, "abc", 3);
  body.append(103, "de", 2);  // contiguous: one extent
  body.append(5000, "z", 1);
  body.mode = 0644;
  EXPECT_EQ(body.extents.size(), 2u);
  write_file_body(body);
  std::string text = testing::read_file(dir / "sparse");
  ASSERT_EQ(text.size(), 10000u);
  EXPECT_EQ(text.substr(100, 5), "abcde");
  EXPECT_EQ(text[5000], 'z');
  EXPECT_EQ(text[9999], '\0');
}

// At most max_files bodies are queued or being written: with the one writer
// held, a submitter gets no further than 2 bodies, whatever the timing.
TEST(WriterPool, AFullQueueBlocksTheSubmitter) {
  TestDir dir;
  std::mutex mutex;
  std::condition_variable cv;
  bool release = false;
  auto held = [&] {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return release; });
    return false;
  };
  WriterPool pool(
      1, 1 << 20, 2, [](const FileBody&, const Error& e) { return std::string(e.what()); }, held);
  std::atomic<int> submitted{0};
  std::thread parser([&] {
    for (int i = 0; i < 6; ++i) {
      pool.submit(body_for(dir, fmt::format("f{}", i), "x"));
      ++submitted;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_LE(submitted.load(), 2);
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  cv.notify_all();
  parser.join();
  pool.drain();
  EXPECT_EQ(submitted.load(), 6);
  EXPECT_GT(pool.blocked_seconds(), 0);
}

TEST(WriterPool, AfterAFailureTheRestIsDroppedAndThePoolStillDrains) {
  TestDir dir;
  std::atomic<int> errors{0};
  std::vector<WriterThreadStats> stats;
  {
    WriterPool pool(
        4, 1 << 20, 16,
        [&](const FileBody& body, const Error& e) {
          ++errors;
          return fmt::format("bundle {}: {}", body.bundle, e.what());
        },
        [] { return false; });
    FileBody bad = body_for(dir, "bad", "data", 7);
    bad.fd = io::open(dir / "bad", O_RDONLY);  // writing fails: EBADF
    pool.submit(std::move(bad));
    pool.drain();
    EXPECT_TRUE(pool.failed());
    for (int i = 0; i < 300; ++i) pool.submit(body_for(dir, fmt::format("f{}", i), "x"));
    pool.drain();
    stats = pool.finish();
    ASSERT_TRUE(pool.failure());
    EXPECT_NE(pool.failure()->find("bundle 7: entry 'bad'"), std::string::npos) << *pool.failure();
  }
  EXPECT_EQ(errors.load(), 1);
  uint64_t written = 0;
  for (const auto& s : stats) written += s.files;
  EXPECT_EQ(written, 0u);  // dropped (closed unwritten) once failed
  EXPECT_EQ(testing::read_file(dir / "f299"), "");
}

// The failure said is the first in the stream, whichever thread finds it
// first: bodies queued before a failure are still written and checked.
TEST(WriterPool, TheFailureEarliestInTheStreamWinsAndLaterBodiesAreDropped) {
  TestDir dir;
  std::mutex mutex;
  std::condition_variable cv;
  bool second_failed = false;
  // Where two threads take the two bodies, the first body's failure is
  // recorded after the second's (its thread waits); either way it wins.
  WriterPool pool(
      2, 1 << 20, 64,
      [&](const FileBody& body, const Error&) {
        std::unique_lock lock(mutex);
        if (body.shown == "first") cv.wait_for(lock, std::chrono::seconds(1), [&] { return second_failed; });
        else second_failed = true, cv.notify_all();
        return body.shown;
      },
      [] { return false; });
  FileBody first = body_for(dir, "first", "0123");
  first.xxh3 = 1;  // not its hash
  FileBody second = body_for(dir, "second", "abcd");
  second.xxh3 = 2;
  pool.submit(std::move(first));
  pool.submit(std::move(second));
  pool.fail_at_next("parser");  // the parser's failure comes after both
  pool.submit(body_for(dir, "third", "later"));
  pool.drain();
  EXPECT_EQ(pool.failure(), "first");
  EXPECT_EQ(testing::read_file(dir / "third"), "");  // after a failure: dropped
}

TEST(WriterPool, ABodyWhoseContentIsNotTheExpectedHashIsRefusedUnwritten) {
  TestDir dir;
  FileBody body = body_for(dir, "f", "content");
  body.xxh3 = hash64(std::as_bytes(std::span(std::string_view("content")))) + 1;
  try {
    write_file_body(body);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("entry 'f': content differs from the manifest"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(testing::read_file(dir / "f"), "");
  FileBody good = body_for(dir, "g", "content");
  good.xxh3 = hash64(std::as_bytes(std::span(std::string_view("content"))));
  write_file_body(good);
  EXPECT_EQ(testing::read_file(dir / "g"), "content");
}

// A sparse body hashes as the file it makes: holes and the tail are zeros.
TEST(WriterPool, ASparseBodyHashesAsTheFileItWrites) {
  TestDir dir;
  FileBody body;
  body.fd = io::open(dir / "sparse", O_WRONLY | O_CREAT | O_EXCL, 0600);
  body.shown = "sparse";
  body.size = 300;
  body.append(100, "abc", 3);
  body.mode = 0644;
  std::string whole(300, '\0');
  whole.replace(100, 3, "abc");
  body.xxh3 = hash64(std::as_bytes(std::span(whole)));
  write_file_body(body);
  EXPECT_EQ(testing::read_file(dir / "sparse"), whole);
}

TEST(WriterPool, DefaultThreadsAreTheAvailableCoresAtMost16) {
  EXPECT_GE(available_cores(), 1u);
  EXPECT_EQ(default_extract_threads(), std::min(available_cores(), 16u));
}

}  // namespace
}  // namespace pybcast
