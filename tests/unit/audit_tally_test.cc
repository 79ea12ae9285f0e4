#include "audit/audit_tally.h"

#include <gtest/gtest.h>

namespace pybcast {
namespace {

/// /nfs/... is on nfs, /lustre/... on lustre, everything else node-local.
std::optional<OffNode> fake_classify(const std::string& path) {
  if (path.starts_with("/nfs/")) return OffNode{"nfs", "/nfs", "nfs4"};
  if (path.starts_with("/lustre/")) return OffNode{"lustre", "/lustre", "lustre"};
  return std::nullopt;
}

PathOps ops(const std::string& path, int op, uint64_t n, uint64_t failed = 0) {
  PathOps p;
  p.path = path;
  p.ops[op] = n;
  p.failed = failed;
  return p;
}

TEST(AuditTally, OneRankKeepsOffNodePathsOutsideTheStagedTree) {
  std::vector<PathOps> record{
      ops("/nfs/home/data.txt", PYBCAST_AUDIT_OPEN, 3), ops("/nfs/home/./lib/../lib/m.py", PYBCAST_AUDIT_STAT, 2, 2),
      ops("/nfs/stage/lib/os.py", PYBCAST_AUDIT_OPEN, 5), ops("/dev/shm/x/lib/os.py", PYBCAST_AUDIT_OPEN, 9)};
  AuditTally t = tally_rank(record, 1, "/nfs/stage", fake_classify);
  EXPECT_EQ(t.ranks, 1);
  EXPECT_EQ(t.audited_ranks, 1);
  EXPECT_EQ(t.dropped, 1u);
  ASSERT_EQ(t.paths.size(), 2u);
  EXPECT_EQ(t.paths.at("/nfs/home/data.txt").ops[PYBCAST_AUDIT_OPEN], 3u);
  EXPECT_EQ(t.paths.at("/nfs/home/lib/m.py").failed, 2u);
  EXPECT_EQ(t.total_ops(), 5u);
  EXPECT_EQ(t.filesystems.at("/nfs").max_per_rank, 5u);
}

TEST(AuditTally, MergingSumsCountsAndKeepsTheBusiestRank) {
  AuditTally a = tally_rank(std::vector{ops("/nfs/f", PYBCAST_AUDIT_OPEN, 3)}, 0, "", fake_classify);
  AuditTally b =
      tally_rank(std::vector{ops("/nfs/f", PYBCAST_AUDIT_OPEN, 5), ops("/lustre/g", PYBCAST_AUDIT_STAT, 1, 1)}, 0, "",
                 fake_classify);
  AuditTally unaudited = tally_rank(std::nullopt, 0, "", fake_classify);
  merge_tally(a, b);
  merge_tally(a, unaudited);
  EXPECT_EQ(a.ranks, 3);
  EXPECT_EQ(a.audited_ranks, 2);
  EXPECT_EQ(a.paths.at("/nfs/f").total(), 8u);
  EXPECT_EQ(a.filesystems.at("/nfs").ops, 8u);
  EXPECT_EQ(a.filesystems.at("/nfs").max_per_rank, 5u);
  EXPECT_EQ(a.total_failed(), 1u);
}

TEST(AuditTally, TheTransportFormRoundTrips) {
  AuditTally a = tally_rank(std::vector{ops("/nfs/f", PYBCAST_AUDIT_SEARCH, 4, 4)}, 2, "", fake_classify);
  AuditTally back = tally_from_json(tally_to_json(a));
  EXPECT_EQ(back.ranks, 1);
  EXPECT_EQ(back.dropped, 2u);
  EXPECT_EQ(back.paths.at("/nfs/f").ops[PYBCAST_AUDIT_SEARCH], 4u);
  EXPECT_EQ(back.paths.at("/nfs/f").where.mount_type, "nfs4");
  EXPECT_EQ(back.filesystems.at("/nfs").max_per_rank, 4u);
  EXPECT_EQ(tally_to_json(back), tally_to_json(a));
}

TEST(AuditTally, FixesNameThePlaceTheOperationsAreUnder) {
  AuditTally t = tally_rank(std::vector{ops("/nfs/pp/numpy.py", PYBCAST_AUDIT_STAT, 10, 10),
                                        ops("/lustre/rpath/libz.so", PYBCAST_AUDIT_SEARCH, 1, 1)},
                            0, "", fake_classify);
  auto getenv = [](const char* name) -> const char* {
    return std::string(name) == "PYTHONPATH" ? "/nfs/pp:/nfs/unused" : nullptr;
  };
  std::vector<AuditFix> fixes = audit_fixes(t, audit_places(getenv, "/home/u"));
  ASSERT_EQ(fixes.size(), 2u);
  EXPECT_EQ(fixes[0].what, "PYTHONPATH entry");
  EXPECT_EQ(fixes[0].path, "/nfs/pp");
  EXPECT_EQ(fixes[0].fs, "nfs (nfs4)");
  EXPECT_EQ(fixes[0].failed, 10u);
  EXPECT_NE(fixes[0].advice.find("every import searches it first"), std::string::npos);
  EXPECT_EQ(fixes[1].what, "library search directory");
  EXPECT_EQ(fixes[1].path, "/lustre/rpath");
}

TEST(AuditTally, TheReportCarriesTheDocumentedKeys) {
  AuditTally t = tally_rank(std::vector{ops("/nfs/d/f", PYBCAST_AUDIT_OPEN, 2)}, 0, "", fake_classify);
  nlohmann::json j = audit_report_json(t, {});
  EXPECT_EQ(j.at("ranks"), 1);
  EXPECT_EQ(j.at("total_off_node_ops"), 2);
  ASSERT_EQ(j.at("entries").size(), 1u);
  for (const char* key : {"path", "fs", "ops", "failed"}) EXPECT_TRUE(j["entries"][0].contains(key)) << key;
  EXPECT_EQ(j.at("directories")[0].at("path"), "/nfs/d");
}

TEST(AuditTally, TheScreenIsOneLineWhenNothingIsOffTheNode) {
  AuditTally t = tally_rank(std::vector{ops("/dev/shm/x", PYBCAST_AUDIT_OPEN, 2)}, 0, "", fake_classify);
  EXPECT_EQ(format_audit_screen(t, {}), "audit: 1 of 1 ranks audited: 0 file-system operations off the node\n");
  t = tally_rank(std::vector{ops("/nfs/d/f", PYBCAST_AUDIT_OPEN, 12)}, 0, "", fake_classify);
  std::string screen = format_audit_screen(t, {});
  EXPECT_NE(screen.find("          12  /nfs/d/f  [nfs]\n"), std::string::npos) << screen;
  EXPECT_NE(screen.find("  nfs (nfs4) "), std::string::npos) << screen;
}

}  // namespace
}  // namespace pybcast
