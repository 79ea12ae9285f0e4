// The record and the preload library together: the library, dlopen()ed here
// with a record's fd in its environment, counts into the table this process
// reads, returns what libc returns with libc's errno, and leaves the staged tree
// out.
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "audit/audit_record.h"
#include "test_dir.h"

namespace pybcast {
namespace {

struct Shim {
  void* handle = nullptr;
  int (*open)(const char*, int, ...) = nullptr;
  int (*stat)(const char*, struct stat*) = nullptr;
  int (*access)(const char*, int) = nullptr;
  ssize_t (*readlink)(const char*, char*, size_t) = nullptr;
  char* (*objsearch)(const char*, uintptr_t*, unsigned int) = nullptr;
};

/// The library, loaded once per test binary: its constructor maps the record
/// named in the environment at that moment, so every test shares one record.
AuditRecord& shared_record() {
  static AuditRecord record = AuditRecord::create();
  return record;
}

Shim& shim() {
  static Shim s = [] {
    setenv(PYBCAST_AUDIT_FD_ENV, std::to_string(shared_record().fd()).c_str(), 1);
    Shim loaded;
    loaded.handle = dlopen(PYBCAST_AUDIT_SHIM, RTLD_NOW | RTLD_LOCAL);
    unsetenv(PYBCAST_AUDIT_FD_ENV);
    if (loaded.handle == nullptr) return loaded;
    loaded.open = reinterpret_cast<int (*)(const char*, int, ...)>(dlsym(loaded.handle, "open"));
    loaded.stat = reinterpret_cast<int (*)(const char*, struct stat*)>(dlsym(loaded.handle, "stat"));
    loaded.access = reinterpret_cast<int (*)(const char*, int)>(dlsym(loaded.handle, "access"));
    loaded.readlink = reinterpret_cast<ssize_t (*)(const char*, char*, size_t)>(dlsym(loaded.handle, "readlink"));
    loaded.objsearch =
        reinterpret_cast<char* (*)(const char*, uintptr_t*, unsigned int)>(dlsym(loaded.handle, "la_objsearch"));
    return loaded;
  }();
  return s;
}

const PathOps* find(const std::vector<PathOps>& ops, const std::string& path) {
  for (const auto& p : ops)
    if (p.path == path) return &p;
  return nullptr;
}

TEST(AuditRecord, TheLibraryCountsOpensAndFailedStatsAndKeepsResultsAndErrno) {
  Shim& s = shim();
  ASSERT_NE(s.handle, nullptr) << dlerror();
  ASSERT_NE(s.open, nullptr);
  testing::TestDir dir;
  std::string file = dir.path() + "/data.txt";
  std::ofstream(file) << "x";
  for (int i = 0; i < 3; ++i) {
    int fd = s.open(file.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    close(fd);
  }
  struct stat st {};
  std::string missing = dir.path() + "/missing.py";
  errno = 0;
  EXPECT_EQ(s.stat(missing.c_str(), &st), -1);
  EXPECT_EQ(errno, ENOENT);
  errno = 1234;  // a success leaves errno alone, as libc does
  EXPECT_EQ(s.access(file.c_str(), R_OK), 0);
  EXPECT_EQ(errno, 1234);

  std::vector<PathOps> ops = shared_record().snapshot();
  const PathOps* data = find(ops, file);
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->ops[PYBCAST_AUDIT_OPEN], 3u);
  EXPECT_EQ(data->ops[PYBCAST_AUDIT_ACCESS], 1u);
  EXPECT_EQ(data->failed, 0u);
  const PathOps* lookup = find(ops, missing);
  ASSERT_NE(lookup, nullptr);
  EXPECT_EQ(lookup->ops[PYBCAST_AUDIT_STAT], 1u);
  EXPECT_EQ(lookup->failed, 1u);
}

TEST(AuditRecord, RelativePathsAreRecordedAgainstTheWorkingDirectory) {
  Shim& s = shim();
  ASSERT_NE(s.handle, nullptr);
  testing::TestDir dir;
  std::string cwd = std::filesystem::current_path().string();
  std::filesystem::current_path(dir.path());
  struct stat st {};
  s.stat("relative-missing", &st);
  std::filesystem::current_path(cwd);
  std::string expected = std::filesystem::canonical(dir.path()).string() + "/relative-missing";
  EXPECT_NE(find(shared_record().snapshot(), expected), nullptr);
}

TEST(AuditRecord, TheStagedTreeAndPseudoFileSystemsAreNotRecorded) {
  Shim& s = shim();
  ASSERT_NE(s.handle, nullptr);
  testing::TestDir dir;
  std::string staged = dir.path() + "/stage";
  shared_record().skip_under(staged + "/");
  struct stat st {};
  s.stat((staged + "/lib/os.py").c_str(), &st);
  s.stat((staged + "-sibling/x").c_str(), &st);
  s.stat("/proc/self/status", &st);
  std::vector<PathOps> ops = shared_record().snapshot();
  EXPECT_EQ(find(ops, staged + "/lib/os.py"), nullptr);
  EXPECT_NE(find(ops, staged + "-sibling/x"), nullptr);
  EXPECT_EQ(find(ops, "/proc/self/status"), nullptr);
}

TEST(AuditRecord, LoaderSearchesCountAsFailedUntilTheLibraryIsFound) {
  Shim& s = shim();
  ASSERT_NE(s.objsearch, nullptr);
  uintptr_t cookie = 0;
  EXPECT_STREQ(s.objsearch("/nfs/lib/libfoo.so", &cookie, LA_SER_RUNPATH), "/nfs/lib/libfoo.so");
  s.objsearch("libfoo.so", &cookie, LA_SER_ORIG);         // a bare name is not a path
  std::vector<PathOps> ops = shared_record().snapshot();  // find() points into it
  const PathOps* p = find(ops, "/nfs/lib/libfoo.so");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->ops[PYBCAST_AUDIT_SEARCH], 1u);
  EXPECT_EQ(p->failed, 1u);
  EXPECT_EQ(find(shared_record().snapshot(), "libfoo.so"), nullptr);
}

// readlink of a path that exists but is no symlink fails with EINVAL: the file
// was found, so that is a metadata operation, not a failed lookup.
TEST(AuditRecord, ReadlinkOfAFileThatIsNoSymlinkIsNotAFailedLookup) {
  Shim& s = shim();
  ASSERT_NE(s.readlink, nullptr);
  testing::TestDir dir;
  std::string file = dir.path() + "/plain.py";
  std::ofstream(file) << "x";
  std::string missing = dir.path() + "/missing.py";
  char buffer[64];
  errno = 0;
  EXPECT_EQ(s.readlink(file.c_str(), buffer, sizeof buffer), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(s.readlink(missing.c_str(), buffer, sizeof buffer), -1);
  EXPECT_EQ(errno, ENOENT);
  std::vector<PathOps> ops = shared_record().snapshot();
  const PathOps* plain = find(ops, file);
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->ops[PYBCAST_AUDIT_READLINK], 1u);
  EXPECT_EQ(plain->failed, 0u);
  const PathOps* lookup = find(ops, missing);
  ASSERT_NE(lookup, nullptr);
  EXPECT_EQ(lookup->failed, 1u);
}

TEST(AuditRecord, NothingIsRecordedOnceStopped) {
  Shim& s = shim();
  ASSERT_NE(s.handle, nullptr);
  AuditRecord& record = shared_record();
  record.stop();
  struct stat st {};
  s.stat("/after/stop", &st);
  EXPECT_EQ(find(record.snapshot(), "/after/stop"), nullptr);
  EXPECT_EQ(record.dropped(), 0u);
}

}  // namespace
}  // namespace pybcast
