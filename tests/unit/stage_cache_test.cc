#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "cache/cache_key.h"
#include "cache/stage_cache.h"
#include "test_dir.h"
#include "util/error.h"

namespace pybcast {
namespace {

using testing::TestDir;

std::string uid_dir(const TestDir& dir) { return dir / ("pybcast-" + std::to_string(geteuid())); }

// Every field but the device number, which is the client's: another node, or
// a new mount of the same Lustre/GPFS/NFS file system, sees another one.
TEST(CacheKey, StableAndSensitiveToEveryField) {
  BundleIdentity a{"/shared/numpy.tar.gz", 1000, 1700000000123456789, 42, 0, ""};
  std::string key = derive_cache_key({a});
  EXPECT_EQ(key.size(), 32u);
  EXPECT_EQ(key, derive_cache_key({a}));
  auto changed = [&](auto mutate) {
    BundleIdentity b = a;
    mutate(b);
    return derive_cache_key({b}) != key;
  };
  EXPECT_TRUE(changed([](auto& b) { b.path += "x"; }));
  EXPECT_TRUE(changed([](auto& b) { b.size += 1; }));
  EXPECT_TRUE(changed([](auto& b) { b.mtime_ns += 1; }));
  EXPECT_TRUE(changed([](auto& b) { b.inode += 1; }));
  EXPECT_TRUE(changed([](auto& b) { b.ctime_ns += 1; }));  // rewritten in place, mtime restored
  EXPECT_TRUE(changed([](auto& b) { b.tree = "0123"; }));  // a directory's walk
  BundleIdentity c{"/shared/python.tar.zst", 5, 6, 7, 0, ""};
  EXPECT_NE(derive_cache_key({a, c}), derive_cache_key({c, a}));  // order matters: later bundles win
}

TEST(UserRoot, CreatedPrivate) {
  TestDir dir;
  UserRoot root = open_user_root({dir.path()});
  struct stat st {};
  ASSERT_EQ(lstat(uid_dir(dir).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(root.path, uid_dir(dir));
}

TEST(UserRoot, CreatesMissingNodeRoot) {
  TestDir dir;
  EXPECT_NO_THROW(open_user_root({dir / "a/b/vnode-3"}));
}

TEST(UserRoot, RefusesSymlink) {
  TestDir dir;
  mkdir((dir / "elsewhere").c_str(), 0700);
  symlink((dir / "elsewhere").c_str(), uid_dir(dir).c_str());
  try {
    open_user_root({dir.path()});
    FAIL() << "accepted a symlink";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is a symlink"), std::string::npos) << e.what();
  }
}

TEST(UserRoot, RefusesGroupOrWorldAccess) {
  for (mode_t mode : {0777, 0755, 0750}) {
    TestDir dir;
    mkdir(uid_dir(dir).c_str(), 0700);
    chmod(uid_dir(dir).c_str(), mode);
    try {
      open_user_root({dir.path()});
      FAIL() << "accepted mode " << std::oct << mode;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("group/other may access it"), std::string::npos) << e.what();
    }
  }
}

TEST(UserRoot, RefusesFile) {
  TestDir dir;
  close(open(uid_dir(dir).c_str(), O_CREAT | O_WRONLY, 0600));
  EXPECT_THROW(open_user_root({dir.path()}), Error);
}

TEST(UserRoot, RefusesAnotherOwner) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  TestDir dir;
  mkdir(uid_dir(dir).c_str(), 0700);
  ASSERT_EQ(chown(uid_dir(dir).c_str(), 12345, 12345), 0);
  try {
    open_user_root({dir.path()});
    FAIL() << "accepted a directory owned by someone else";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is owned by uid 12345"), std::string::npos) << e.what();
  }
}

TEST(StageCache, TmpIsRemovedUnlessPublished) {
  TestDir dir;
  StageCache cache(open_user_root({dir.path()}));
  std::string name;
  {
    ExtractionDir tmp = cache.make_tmp("k0");
    name = tmp.name();
    close(openat(tmp.fd(), "file", O_CREAT | O_WRONLY, 0600));
    EXPECT_TRUE(testing::exists_nofollow(uid_dir(dir) + "/" + name + "/file"));
  }
  EXPECT_FALSE(testing::exists_nofollow(uid_dir(dir) + "/" + name));
  EXPECT_FALSE(cache.has("k1"));
  ExtractionDir tmp = cache.make_tmp("k0");
  cache.publish(tmp, "k1");
  EXPECT_TRUE(cache.has("k1"));
}

TEST(StageCache, PlantedSymlinkAtEntryIsRefusedNotFollowed) {
  TestDir dir;
  StageCache cache(open_user_root({dir.path()}));
  mkdir((dir / "target").c_str(), 0700);
  symlink((dir / "target").c_str(), (uid_dir(dir) + "/cache/k2").c_str());
  EXPECT_THROW(cache.has("k2"), Error);
  ExtractionDir tmp = cache.make_tmp("k0");
  EXPECT_THROW(cache.publish(tmp, "k2"), Error);
  EXPECT_TRUE(std::filesystem::is_empty(dir / "target"));
}

TEST(StageCache, StaleTmpOfAKeyIsRemovedOthersKept) {
  TestDir dir;
  StageCache cache(open_user_root({dir.path()}));
  ExtractionDir a = cache.make_tmp("aaaa");
  ExtractionDir b = cache.make_tmp("bbbb");
  a.forget();  // as if its job was killed
  b.forget();
  cache.fresh_bytecode_mirror("aaaa");  // ... after it had linked some bytecode
  cache.fresh_bytecode_mirror("bbbb");
  std::string pycache = layout::pycache_path(cache.root_path());
  EXPECT_EQ(cache.remove_stale_tmp("aaaa"), 1u);
  EXPECT_FALSE(testing::exists_nofollow(uid_dir(dir) + "/" + a.name()));
  EXPECT_TRUE(testing::exists_nofollow(uid_dir(dir) + "/" + b.name()));
  EXPECT_FALSE(testing::exists_nofollow(pycache + cache.entry_path("aaaa")))
      << "the killed job's bytecode mirror stayed";
  EXPECT_TRUE(testing::exists_nofollow(pycache + cache.entry_path("bbbb")));
}

TEST(StageCache, RemoveEntryUnpublishesThenDeletes) {
  TestDir dir;
  StageCache cache(open_user_root({dir.path()}));
  ExtractionDir tmp = cache.make_tmp("k");
  mkdirat(tmp.fd(), "sub", 0500);  // read-only content must not stop removal
  io::Fd mirror = cache.fresh_bytecode_mirror("k");
  mkdirat(mirror.get(), "lib", 0700);
  cache.publish(tmp, "k");
  ASSERT_TRUE(cache.has("k"));
  std::string mirror_path = layout::pycache_path(cache.root_path()) + cache.entry_path("k");
  ASSERT_TRUE(std::filesystem::is_directory(mirror_path + "/lib"));
  cache.remove_entry("k");
  EXPECT_FALSE(cache.has("k"));
  EXPECT_FALSE(std::filesystem::exists(mirror_path)) << "the entry's bytecode mirror outlived it";
  EXPECT_EQ(cache.list_root(), (std::vector<std::string>{"cache", "images", "locks", "pycache"}));
}

TEST(StageCache, AnImageEntryIsPublishedAndGoesWithItsEntry) {
  TestDir dir;
  StageCache cache(open_user_root({dir.path()}));
  ExtractionDir tmp = cache.make_tmp("k");
  io::Fd image(openat(tmp.fd(), layout::kImageFile, O_WRONLY | O_CREAT | O_EXCL, 0400));
  ASSERT_TRUE(image.valid());
  cache.publish_image(tmp, "k");
  ASSERT_TRUE(cache.open_image_entry("k").valid());
  EXPECT_TRUE(testing::exists_nofollow(cache.image_entry_path("k") + "/" + layout::kImageFile));
  cache.remove_entry("k");
  EXPECT_FALSE(cache.open_image_entry("k").valid());
  EXPECT_EQ(cache.list_root(), (std::vector<std::string>{"cache", "images", "locks", "pycache"}));
}

TEST(StageCache, LocksExcludeEachOther) {
  TestDir dir;
  StageCache cache(open_user_root({dir.path()}));
  CacheLock first = cache.lock_file("k");
  CacheLock second = cache.lock_file("k");
  ASSERT_TRUE(first.try_exclusive());
  EXPECT_FALSE(second.try_shared());
  EXPECT_THROW(second.shared_within(0.1, "k.lock"), Error);  // first is extracting
  ASSERT_TRUE(first.try_shared());                           // downgrade
  EXPECT_NO_THROW(second.shared_within(0.1, "k.lock"));      // a user, not an extractor: no wait
  EXPECT_FALSE(second.try_exclusive());
}

}  // namespace
}  // namespace pybcast
