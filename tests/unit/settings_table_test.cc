#include "cli/settings_table.h"

#include <cstdlib>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/settings_doc.h"
#include "cli/stage_settings.h"
#include "util/error.h"

namespace pybcast {
namespace {

using nlohmann::json;
constexpr unsigned kAll = kForStage | kForRun | kForPythonMpi;

/// Three valid values of each row that differ from each other and from its default.
const std::map<SettingId, std::vector<std::string>>& samples() {
  static const std::map<SettingId, std::vector<std::string>> values = {
      {SettingId::kPackages, {"a.tar:b.tar", "c.tar", "d.tar::e"}},
      {SettingId::kChroot, {"/seed/../seed2", "/ours", "/flag"}},
      {SettingId::kPkgroot, {"/p1", "/p2", "/p3"}},
      {SettingId::kReport, {"1", "yes", "on"}},
      {SettingId::kTrace, {"t1.json", "t2.json", "t3.json"}},
      {SettingId::kVirtualNodes, {"1", "2", "3"}},
      {SettingId::kChunkSize, {"1M", "2M", "8M"}},
      {SettingId::kExtractThreads, {"1", "2", "3"}},
      {SettingId::kVerifyCache, {"1", "true", "on"}},
      {SettingId::kCacheMax, {"1G", "2G", "3G"}},
      {SettingId::kLockTimeout, {"1", "2.5", "30"}},
      {SettingId::kGzipInflater, {"zlib", "zlib", "zlib"}},
      {SettingId::kNoAbort, {"1", "yes", "on"}},
      {SettingId::kCleanup, {"1", "yes", "on"}},
      {SettingId::kKeepPythonhome, {"1", "yes", "on"}},
      {SettingId::kAudit, {"1", "yes", "on"}},
      {SettingId::kAuditJson, {"/tmp/j1.json", "/tmp/j2.json", "/tmp/j3.json"}},
      {SettingId::kStageScriptDir, {"1", "yes", "on"}},
      {SettingId::kScriptDirMaxEntries, {"5", "6", "7"}},
      {SettingId::kScriptDirMaxBytes, {"1M", "2M", "3M"}},
      {SettingId::kCaches, {"/c/a.tar.zst:/c/b.tar.zst", "/c/c.tar.zst", "/c/x/../d.tar.zst"}},
      {SettingId::kSaveCaches, {"/c/s1.tar.zst", "/c/s2.tar.zst", "/c/x/../s3.tar.zst"}},
  };
  return values;
}

/// What a row put into the request: its agreed form, or (the script
/// directory's limits, which are not agreed) the limits.
json observe(const Setting& row, const LaunchRequest& r) {
  if (row.encode) return row.encode(r);
  return row.id == SettingId::kScriptDirMaxEntries ? json(r.script_dir.max_entries) : json(r.script_dir.max_bytes);
}

/// The row's value parsed on its own, from a default request.
json parsed(const Setting& row, const std::string& value) {
  LaunchRequest r;
  row.parse(value, r);
  return observe(row, r);
}

json resolved(const Setting& row, const SettingFlags& flags) {
  LaunchRequest r;
  resolve_settings(flags, kAll, r);
  return observe(row, r);
}

void clear_environment() {
  for (const Setting& row : settings_table())
    for (const char* name : row.env) ::unsetenv(name);
}

TEST(SettingsTable, HasOneRowPerSettingInOrderEachWithHelpAndSamples) {
  ASSERT_EQ(settings_table().size(), kSettingCount);
  for (size_t i = 0; i < kSettingCount; ++i) {
    const Setting& row = settings_table()[i];
    EXPECT_EQ(static_cast<size_t>(row.id), i);
    EXPECT_FALSE(row.env.empty() && *row.flag == '\0') << row.what << ": neither a flag nor a variable sets it";
    EXPECT_NE(*row.help, '\0') << row.what;
    EXPECT_NE(row.applies, 0u) << row.what;
    EXPECT_TRUE(row.parse) << row.what;
    EXPECT_EQ(row.agreed, static_cast<bool>(row.encode) && static_cast<bool>(row.decode)) << row.what;
    EXPECT_TRUE(samples().contains(row.id)) << row.what << " has no sample values in this test";
  }
}

TEST(SettingsTable, EachRowResolvesTheFlagThenPybcastThenTheSeedThenTheDefault) {
  clear_environment();
  for (const Setting& row : settings_table()) {
    SCOPED_TRACE(row.name());
    const std::vector<std::string>& v = samples().at(row.id);
    SettingFlags none;
    EXPECT_EQ(resolved(row, none), parsed(row, row.fallback)) << "the default";
    if (!row.env.empty()) {
      ::setenv(row.env.back(), v[0].c_str(), 1);  // the seed's name where there is one
      EXPECT_EQ(resolved(row, none), parsed(row, v[0])) << row.env.back();
      EXPECT_NE(parsed(row, v[0]), parsed(row, row.fallback));
    }
    if (row.env.size() > 1) {
      ::setenv(row.env.front(), v[1].c_str(), 1);
      EXPECT_EQ(resolved(row, none), parsed(row, v[1])) << row.env.front() << " before " << row.env.back();
      ::setenv(row.env.front(), "", 1);  // set but empty: as if unset
      EXPECT_EQ(resolved(row, none), parsed(row, v[0]));
    }
    if (*row.flag != '\0') {
      SettingFlags flags;
      if (row.kind == Setting::Kind::kSwitch) {
        for (const char* name : row.env) ::setenv(name, "0", 1);
        flags.set_switch(row.id, true);
      } else {
        flags.set(row.id, v[2]);
      }
      EXPECT_EQ(resolved(row, flags), parsed(row, v[2])) << row.flag << " before the environment";
    }
    clear_environment();
  }
}

TEST(SettingsTable, EveryAgreedSettingRoundTripsUnderTheNameUsersSet) {
  clear_environment();
  LaunchRequest mine;
  for (const Setting& row : settings_table()) row.parse(samples().at(row.id)[1], mine);
  json agreed = encode_agreed(mine, kAll);
  LaunchRequest theirs;
  decode_agreed(agreed, kAll, theirs);
  EXPECT_EQ(encode_agreed(theirs, kAll), agreed);
  for (const Setting& row : settings_table()) {
    EXPECT_EQ(agreed.contains(row.name()), row.agreed) << row.name();
    if (row.agreed) {
      EXPECT_EQ(observe(row, theirs), observe(row, mine)) << row.name();
      EXPECT_NE(observe(row, theirs), observe(row, LaunchRequest{})) << row.name() << ": the sample is the default";
    }
  }
  EXPECT_TRUE(theirs.stage.want_report);
  EXPECT_EQ(theirs.stage.gzip_inflater, GzipInflater::kZlib);
  // The names users set: the seed's variable, ours, or the flag.
  for (const char* name : {"PYTHON_MPI_CHROOT", "PYTHON_MPI_PACKAGES", "PYBCAST_CHUNK_SIZE", "PYBCAST_GZIP_INFLATER",
                           "PYBCAST_NO_ABORT", "--lock-timeout"})
    EXPECT_TRUE(agreed.contains(name)) << name;
}

TEST(SettingsTable, StageAgreesOnItsOwnSettingsOnly) {
  json stage = encode_agreed(LaunchRequest{}, kForStage);
  EXPECT_TRUE(stage.contains("PYBCAST_CHUNK_SIZE"));
  EXPECT_TRUE(stage.contains("PYBCAST_GZIP_INFLATER"));
  EXPECT_FALSE(stage.contains("PYBCAST_CLEANUP"));
  EXPECT_FALSE(stage.contains("PYBCAST_AUDIT"));
}

TEST(SettingsTable, ADifferingSettingIsNamedInTheUsersTerms) {
  LaunchRequest a, b;
  b.stage.chunk_size = a.stage.chunk_size * 2;
  b.stage.chroot = "/elsewhere";
  b.stage.gzip_inflater = GzipInflater::kZlib;
  EXPECT_EQ(differing_settings(encode_agreed(a, kAll), encode_agreed(b, kAll)),
            (std::vector<std::string>{"PYBCAST_CHUNK_SIZE", "PYBCAST_GZIP_INFLATER", "PYTHON_MPI_CHROOT"}));
  EXPECT_TRUE(differing_settings(encode_agreed(a, kAll), encode_agreed(a, kAll)).empty());
}

TEST(SettingsTable, InvalidValuesAreRefusedNamingThem) {
  clear_environment();
  auto message = [](SettingId id, const char* value) {
    try {
      LaunchRequest r;
      setting_row(id).parse(value, r);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message(SettingId::kVirtualNodes, "-1"), "invalid number of virtual nodes '-1'");
  EXPECT_EQ(message(SettingId::kExtractThreads, "257"),
            "invalid number of extract threads '257' (1 to 256, or 0 for the cores available)");
  EXPECT_NE(message(SettingId::kChunkSize, "lots").find("invalid size 'lots'"), std::string::npos);
  EXPECT_NE(message(SettingId::kScriptDirMaxBytes, "lots").find("PYBCAST_STAGE_SCRIPT_DIR_MAX_BYTES"),
            std::string::npos);
  EXPECT_EQ(message(SettingId::kScriptDirMaxEntries, "x"),
            "PYBCAST_STAGE_SCRIPT_DIR_MAX_ENTRIES='x' is not a number of entries");
}

TEST(SettingsTable, StageArgumentsReplaceThePackagesAndAJsonFileImpliesTheAudit) {
  clear_environment();
  ::setenv("PYTHON_MPI_PACKAGES", "a.tar:b.tar", 1);
  SettingFlags flags;
  flags.bundles = {"c.tar"};
  EXPECT_EQ(resolve_stage_settings(flags).request.bundles, (std::vector<std::string>{"c.tar"}));
  flags.bundles.clear();
  EXPECT_EQ(resolve_stage_settings(flags).request.bundles, (std::vector<std::string>{"a.tar", "b.tar"}));
  flags.set(SettingId::kAuditJson, "/tmp/x/../a.json");
  LaunchRequest r;
  resolve_settings(flags, kForRun, r);
  EXPECT_TRUE(r.audit);
  EXPECT_EQ(r.audit_json, "/tmp/a.json");
  clear_environment();
}

TEST(SettingsTable, HelpAndDocumentsNameEachFlagVariableAndDefault) {
  EXPECT_EQ(flag_help(setting_row(SettingId::kChunkSize)),
            "broadcast chunk size, e.g. 8M [env PYBCAST_CHUNK_SIZE, default 4M]");
  EXPECT_EQ(flag_help(setting_row(SettingId::kReport)),
            "print a timing report on rank 0 (stderr) [env PYBCAST_REPORT=1]");
  std::string markdown = settings_markdown(), table = settings_man_table(), env = settings_man_environment(false),
              python_mpi = settings_man_environment(true);
  for (const Setting& row : settings_table()) {
    if (*row.flag != '\0') {
      EXPECT_NE(markdown.find(row.flag), std::string::npos) << row.flag;
    }
    for (const char* name : row.env) {
      EXPECT_NE(markdown.find(name), std::string::npos) << name;
      EXPECT_NE(table.find(name), std::string::npos) << name;
      EXPECT_NE(env.find(name), std::string::npos) << name;
      if (row.applies_to(kForPythonMpi)) {
        EXPECT_NE(python_mpi.find(name), std::string::npos) << name;
      }
    }
  }
  // python-mpi(1) names only the flags python-mpi takes (a test runs python-mpi with each).
  EXPECT_EQ(python_mpi.find("no\\-abort"), std::string::npos);
  EXPECT_NE(python_mpi.find("\\-\\-cleanup"), std::string::npos);
}

}  // namespace
}  // namespace pybcast
