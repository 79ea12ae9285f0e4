#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "cache/cache_gc.h"
#include "cache/node_layout.h"
#include "cache/stage_cache.h"
#include "test_dir.h"
#include "util/error.h"
#include "util/io.h"

namespace pybcast {
namespace {

using testing::TestDir;

constexpr double kNow = 1'800'000'000;  // a fixed "now": idle times are set relative to it

// Publishes cache/<key> holding `bytes` bytes, last used `idle` seconds before kNow.
void add_entry(const StageCache& cache, const std::string& key, size_t bytes, double idle) {
  ExtractionDir tmp = cache.make_tmp(key);
  int fd = openat(tmp.fd(), "data", O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  std::string content(bytes, 'x');
  ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(bytes));
  close(fd);
  cache.publish(tmp, key);
  CacheLock lock = cache.lock_file(key);  // creates locks/<key>.lock, whose mtime is the last use
  timespec times[2] = {{static_cast<time_t>(kNow - idle), 0}, {static_cast<time_t>(kNow - idle), 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, (cache.root_path() + "/locks/" + key + ".lock").c_str(), times, 0), 0);
}

std::map<std::string, GcEntry::Outcome> outcomes(const GcResult& result) {
  std::map<std::string, GcEntry::Outcome> out;
  for (const auto& e : result.entries) out[e.key] = e.outcome;
  return out;
}

TEST(CacheGc, OlderThanRemovesOnlyIdleEntries) {
  TestDir dir;
  StageCache cache(open_user_root({dir.path()}));
  add_entry(cache, "fresh", 10, 60);
  add_entry(cache, "stale", 10, 3 * 86400);
  GcPolicy policy;
  policy.older_than_seconds = parse_duration("1d");
  auto got = outcomes(collect_garbage(cache, policy, kNow));
  EXPECT_EQ(got["fresh"], GcEntry::Outcome::kKept);
  EXPECT_EQ(got["stale"], GcEntry::Outcome::kRemoved);
  EXPECT_TRUE(cache.has("fresh"));
  EXPECT_FALSE(cache.has("stale"));
}

TEST(CacheGc, MaxSizeKeepsTheMostRecentlyUsedWithinBudget) {
  TestDir dir;
  StageCache cache(open_user_root({dir.path()}));
  add_entry(cache, "newest", 4000, 10);
  add_entry(cache, "middle", 4000, 100);
  add_entry(cache, "oldest", 4000, 1000);
  GcPolicy policy;
  policy.max_bytes = 9000;
  auto got = outcomes(collect_garbage(cache, policy, kNow));
  EXPECT_EQ(got["newest"], GcEntry::Outcome::kKept);
  EXPECT_EQ(got["middle"], GcEntry::Outcome::kKept);
  EXPECT_EQ(got["oldest"], GcEntry::Outcome::kRemoved);
}

TEST(CacheGc, EntryInUseIsNeverRemovedAndDryRunRemovesNothing) {
  TestDir dir;
  StageCache cache(open_user_root({dir.path()}));
  add_entry(cache, "used", 10, 1000);
  add_entry(cache, "idle", 10, 1000);
  CacheLock job = cache.lock_file("used");
  ASSERT_TRUE(job.try_shared());  // a running job's usage lock
  GcPolicy policy;
  policy.all = true;
  policy.dry_run = true;
  auto dry = outcomes(collect_garbage(cache, policy, kNow));
  EXPECT_EQ(dry["used"], GcEntry::Outcome::kInUse);
  EXPECT_EQ(dry["idle"], GcEntry::Outcome::kRemoved);  // would be
  EXPECT_TRUE(cache.has("idle"));
  policy.dry_run = false;
  auto got = outcomes(collect_garbage(cache, policy, kNow));
  EXPECT_EQ(got["used"], GcEntry::Outcome::kInUse);
  EXPECT_TRUE(cache.has("used"));
  EXPECT_FALSE(cache.has("idle"));
  job.unlock();
  EXPECT_EQ(outcomes(collect_garbage(cache, policy, kNow))["used"], GcEntry::Outcome::kRemoved);
}

TEST(CacheGc, AnImageEntryCountsItsImageAndAnEndedStepsSlotGoes) {
  TestDir dir;
  StageCache cache(open_user_root({dir.path()}));
  const std::string key(32, 'a');
  ExtractionDir tmp = cache.make_tmp(key);
  io::Fd image(openat(tmp.fd(), layout::kImageFile, O_WRONLY | O_CREAT | O_EXCL, 0600));
  ASSERT_TRUE(image.valid());
  ASSERT_EQ(::ftruncate(image.get(), 5000), 0);
  cache.publish_image(tmp, key);  // images/<key> only: no mount point made yet
  // A further step's slot directory, left by a step that was killed.
  ASSERT_EQ(mkdirat(cache.cache_dir_fd(), (key + ".2").c_str(), 0700), 0);
  EXPECT_EQ(cache.list_extra_mounts(), (std::vector<std::string>{key + ".2"}));
  GcPolicy keep;
  keep.older_than_seconds = 1e12;
  GcResult result = collect_garbage(cache, keep, kNow);
  ASSERT_EQ(result.entries.size(), 1u);  // the slot is not an entry
  EXPECT_EQ(result.entries[0].key, key);
  EXPECT_EQ(result.entries[0].bytes, 5000u);
  EXPECT_EQ(result.entries[0].outcome, GcEntry::Outcome::kKept);
  EXPECT_EQ(result.stale_mounts_removed, 1u);
  EXPECT_TRUE(cache.list_extra_mounts().empty());
  GcPolicy all;
  all.all = true;
  EXPECT_EQ(outcomes(collect_garbage(cache, all, kNow))[key], GcEntry::Outcome::kRemoved);
  EXPECT_FALSE(cache.open_image_entry(key).valid());
}

TEST(CacheGc, DurationsAndTheirErrors) {
  EXPECT_EQ(parse_duration("90"), 90);
  EXPECT_EQ(parse_duration("30m"), 1800);
  EXPECT_EQ(parse_duration("12h"), 43200);
  EXPECT_EQ(parse_duration("7d"), 604800);
  EXPECT_THROW(parse_duration("soon"), Error);
  EXPECT_THROW(parse_duration("3w"), Error);
}

}  // namespace
}  // namespace pybcast
