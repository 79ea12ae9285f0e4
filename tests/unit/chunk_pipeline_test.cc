#include "bcast/chunk_pipeline.h"

#include <gtest/gtest.h>

#include <thread>

#include "fake_transport.h"
#include "util/error.h"

namespace pybcast {
namespace {

constexpr uint64_t kChunk = 4096;

/// Bundles of pseudo-random bytes held in memory; can fail at a chosen chunk.
class MemorySource : public ChunkSource {
 public:
  explicit MemorySource(std::vector<std::vector<std::byte>> bundles) : bundles_(std::move(bundles)) {}
  void read(const ChunkSpec& spec, std::span<std::byte> out) override {
    if (fail_at_offset_ && spec.bundle == fail_bundle_ && spec.offset >= *fail_at_offset_)
      fail("bundle 'b{}' was truncated while being read", spec.bundle);
    // An empty bundle's vector has no data(): memcpy from nullptr is undefined even for 0 bytes.
    if (!out.empty()) std::memcpy(out.data(), bundles_[spec.bundle].data() + spec.offset, out.size());
  }
  std::vector<uint64_t> sizes() const {
    std::vector<uint64_t> s;
    for (const auto& b : bundles_) s.push_back(b.size());
    return s;
  }
  std::optional<uint64_t> fail_at_offset_;
  size_t fail_bundle_ = 0;

 private:
  std::vector<std::vector<std::byte>> bundles_;
};

std::vector<std::byte> random_bytes(size_t n, unsigned seed) {
  std::vector<std::byte> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((i * 2654435761u + seed) >> 11);
  return v;
}

struct MemberResult {
  std::vector<std::vector<std::byte>> received;
  PipelineStats stats;
  bool failed = false;
  std::string message;
};

/// Runs one pipeline per member on its own thread. `fail_member` sets a
/// local failure on that member after it received `fail_after` chunks.
std::vector<MemberResult> run_group(int members, MemorySource& source, testing::FakeGroup& group, int fail_member = -1,
                                    size_t fail_after = 0) {
  std::vector<MemberResult> results(static_cast<size_t>(members));
  std::vector<std::thread> threads;
  for (int rank = 0; rank < members; ++rank) {
    threads.emplace_back([&, rank] {
      MemberResult& r = results[static_cast<size_t>(rank)];
      testing::FakeTransport transport(group, rank);
      BufferPool pool(8, ChunkPipeline::buffer_bytes(kChunk));
      LocalStatus status;
      std::vector<std::string> names{"b0", "b1", "b2"};
      ChunkPipeline pipeline(transport, plan_chunks(source.sizes(), kChunk), pool, status, names,
                             "member " + std::to_string(rank), {3, 2});
      r.received.resize(source.sizes().size());
      size_t seen = 0;
      auto sink = [&](const ChunkSpec& spec, std::byte* buffer, std::span<const std::byte> payload) {
        auto& out = r.received[spec.bundle];
        out.insert(out.end(), payload.begin(), payload.end());
        pool.release(buffer);
        if (rank == fail_member && ++seen == fail_after) status.fail("member " + std::to_string(rank) + " failed");
      };
      r.stats = pipeline.run(rank == 0 ? &source : nullptr, sink);
      r.failed = status.failed();
      r.message = status.message();
    });
  }
  for (auto& t : threads) t.join();
  return results;
}

TEST(ChunkPipeline, EveryMemberReceivesEveryByteInOrder) {
  MemorySource source({random_bytes(50000, 1), {}, random_bytes(kChunk * 3, 2)});
  testing::FakeGroup group(4);
  auto results = run_group(4, source, group);
  for (int rank = 0; rank < 4; ++rank) {
    const auto& r = results[static_cast<size_t>(rank)];
    EXPECT_FALSE(r.failed) << r.message;
    EXPECT_EQ(r.received[0], random_bytes(50000, 1)) << "member " << rank;
    EXPECT_TRUE(r.received[1].empty());
    EXPECT_EQ(r.received[2], random_bytes(kChunk * 3, 2));
    EXPECT_FALSE(r.stats.stopped_early);
  }
}

TEST(ChunkPipeline, MemberFailureStopsEveryoneAtTheSameChunk) {
  MemorySource source({random_bytes(kChunk * 40, 3)});
  testing::FakeGroup group(4);
  auto results = run_group(4, source, group, /*fail_member=*/2, /*fail_after=*/5);
  EXPECT_TRUE(results[2].failed);
  size_t chunks = results[0].stats.chunks;
  EXPECT_LT(chunks, 40u);
  for (const auto& r : results) {
    EXPECT_TRUE(r.stats.stopped_early);
    EXPECT_EQ(r.stats.chunks, chunks);
  }
}

TEST(ChunkPipeline, ReadFailureOnRootStopsEveryoneAndDeliversNoBadData) {
  MemorySource source({random_bytes(kChunk * 30, 4)});
  source.fail_at_offset_ = kChunk * 7;
  testing::FakeGroup group(3);
  auto results = run_group(3, source, group);
  EXPECT_TRUE(results[0].failed);
  EXPECT_NE(results[0].message.find("truncated while being read"), std::string::npos);
  for (const auto& r : results) {
    EXPECT_TRUE(r.stats.stopped_early);
    EXPECT_LE(r.received[0].size(), kChunk * 7);  // nothing after the failure reached a sink
  }
}

TEST(ChunkPipeline, CorruptedBytesAreDetectedByTheReceiver) {
  MemorySource source({random_bytes(kChunk * 5 + 17, 5)});
  testing::FakeGroup group(3);
  group.tamper = [](int rank, size_t, void* data, size_t bytes) {
    if (rank == 2 && bytes > 100) static_cast<char*>(data)[bytes - 1] ^= 1;
  };
  auto results = run_group(3, source, group);
  EXPECT_FALSE(results[1].failed);
  EXPECT_TRUE(results[2].failed);
  EXPECT_NE(results[2].message.find("differ from the bytes rank 0 read"), std::string::npos) << results[2].message;
}

TEST(ChunkPipeline, SingleMemberRunsWithoutPeers) {
  MemorySource source({random_bytes(123456, 6)});
  testing::FakeGroup group(1);
  auto results = run_group(1, source, group);
  EXPECT_EQ(results[0].received[0], random_bytes(123456, 6));
}

}  // namespace
}  // namespace pybcast
