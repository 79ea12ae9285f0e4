#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "doctor/checkup.h"
#include "doctor/doctor_report.h"
#include "doctor/logind.h"
#include "doctor/metadata_ops.h"
#include "doctor/package_dirs.h"
#include "launch/python_env.h"
#include "test_dir.h"
#include "util/fs_probe.h"

namespace pybcast {
namespace {

constexpr int64_t kLustre = 0x0BD00BD0, kTmpfs = 0x01021994, kExt4 = 0xEF53, kNfs = 0x6969, kFuse = 0x65735546;

/// Replaces statfs: a path is on the file system of its longest listed
/// prefix, and missing when it is (under) one of `missing`.
class FakeFilesystems {
 public:
  FakeFilesystems(std::map<std::string, int64_t> prefixes, std::set<std::string> missing = {})
      : saved_(statfs_seam), prefixes_(std::move(prefixes)), missing_(std::move(missing)) {
    statfs_seam = [this](const std::string& path, int64_t& magic) {
      for (const auto& m : missing_)
        if (path == m || path.starts_with(m + "/")) return false;
      size_t best = 0;
      bool found = false;
      for (const auto& [prefix, value] : prefixes_)
        if ((prefix == "/" || path == prefix || path.starts_with(prefix + "/")) && prefix.size() >= best)
          best = prefix.size(), magic = value, found = true;
      return found;
    };
  }
  ~FakeFilesystems() { statfs_seam = saved_; }

 private:
  std::function<bool(const std::string&, int64_t&)> saved_;
  std::map<std::string, int64_t> prefixes_;
  std::set<std::string> missing_;
};

const std::vector<Mount> kMounts{{"/", "ext4"}, {"/lustre", "lustre"}, {"/dev/shm", "tmpfs"}, {"/slow", "fuse.slowfs"}};
const std::map<std::string, int64_t> kFakeTypes{
    {"/", kExt4}, {"/lustre", kLustre}, {"/dev/shm", kTmpfs}, {"/slow", kFuse}};

std::function<const char*(const char*)> fake_env(std::map<std::string, std::string> vars) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [shared](const char* name) -> const char* {
    auto it = shared->find(name);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
}

TEST(FsProbe, ClassifiesKnownMagics) {
  struct Case {
    int64_t magic;
    const char* name;
    bool shared;
  };
  const Case cases[] = {{kLustre, "lustre", true},  {0x47504653, "gpfs", true},      {kNfs, "nfs", true},
                        {0xFF534D42, "cifs", true}, {0x19830326, "beegfs", true},    {kFuse, "fuse", true},
                        {0x00C36400, "ceph", true}, {kTmpfs, "tmpfs", false},        {kExt4, "ext4", false},
                        {0x58465342, "xfs", false}, {0x794C7630, "overlayfs", false}};
  for (const auto& c : cases) {
    FsKind kind = classify_fs_magic(c.magic);
    EXPECT_EQ(kind.name, c.name) << std::hex << c.magic;
    EXPECT_EQ(kind.shared, c.shared) << c.name;
    EXPECT_EQ(kind.magic, static_cast<uint32_t>(c.magic));
  }
  // A sign-extended f_type (32-bit statfs ABIs) is the same file system.
  EXPECT_EQ(classify_fs_magic(static_cast<int32_t>(0xFF534D42)).name, "cifs");
  FsKind unknown = classify_fs_magic(0x12345678);
  EXPECT_EQ(unknown.name, "unknown (0x12345678)");
  EXPECT_FALSE(unknown.shared);
}

TEST(FsProbe, MissingPathTakesItsNearestExistingParent) {
  FakeFilesystems fake(kFakeTypes, {"/lustre/proj/gone"});
  FsKind kind = probe_fs("/lustre/proj/gone/lib");
  EXPECT_EQ(kind.name, "lustre");
  EXPECT_TRUE(kind.shared);
  EXPECT_FALSE(kind.exists);
  EXPECT_TRUE(probe_fs("/lustre/proj").exists);
  EXPECT_EQ(probe_fs("/dev/shm/x").name, "tmpfs");
}

TEST(FsProbe, ParsesMountinfoAndFindsTheLongestMountPrefix) {
  std::string text =
      "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
      "27 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
      "40 27 0:50 / /lustre rw shared:5 master:2 - lustre 10.0.0.1@o2ib:/fs rw,flock\n"
      "41 27 0:51 / /lustre2 rw - nfs4 srv:/x rw\n"
      "42 27 0:52 / /tmp/my\\040mnt rw,nosuid - fuse.slowfs slowfs rw,user_id=0\n"
      "garbage line\n";
  std::vector<Mount> mounts = parse_mountinfo(text);
  ASSERT_EQ(mounts.size(), 5u);
  EXPECT_EQ(mounts[2].point, "/lustre");
  EXPECT_EQ(mounts[2].type, "lustre");
  EXPECT_EQ(mounts[4].point, "/tmp/my mnt");
  EXPECT_EQ(mounts[4].type, "fuse.slowfs");
  EXPECT_EQ(find_mount(mounts, "/lustre/home/u")->point, "/lustre");
  EXPECT_EQ(find_mount(mounts, "/lustre2/x")->type, "nfs4");
  EXPECT_EQ(find_mount(mounts, "/lustrefoo")->point, "/");
  EXPECT_EQ(find_mount(mounts, "/tmp/my mnt/lib")->type, "fuse.slowfs");
  EXPECT_EQ(find_mount({}, "/x"), nullptr);
  EXPECT_FALSE(read_mounts().empty());
  EXPECT_EQ(absolute_lexical("../lib/./x/", "/a/b"), "/a/lib/x");
  EXPECT_EQ(absolute_lexical("/", "/a"), "/");
}

PythonFacts debian_python() {
  PythonFacts py;
  py.command = "python3";
  py.executable = "/usr/bin/python3";
  py.version = "3.11.2";
  py.prefix = py.base_prefix = "/usr";
  py.user_site = "/lustre/home/u/.local/lib/python3.11/site-packages";
  py.path = {"",           "/lustre/proj/lib",  "/dev/shm/lib", "/usr/lib/python311.zip", "/usr/lib/python3.11",
             py.user_site, "/lustre/apps/extra"};
  return py;
}

TEST(Checkup, FlagsSharedLocationsAndSaysWhatToChange) {
  FakeFilesystems fake(kFakeTypes, {"/usr/lib/python311.zip"});
  PythonFacts py = debian_python();
  CheckupInputs in{fake_env({{"PATH", "/usr/bin:/lustre/sw/bin"},
                             {"PYTHONPATH", "/lustre/proj/lib:/dev/shm/lib"},
                             {"PYTHONUSERBASE", "/lustre/home/u/.local"}}),
                   "/lustre/scratch/run", "job.py", &py, kMounts};
  std::vector<Location> got = check_locations(in);
  std::vector<std::string> where;
  for (const auto& l : got) where.push_back(std::string(source_name(l.source)) + "[" + std::to_string(l.index) + "]");
  // sys.path's '' (the working directory) and the entries already listed under
  // PYTHONPATH (1 and 2) are not repeated; the others keep their index in sys.path.
  EXPECT_EQ(where, (std::vector<std::string>{"PATH[0]", "PATH[1]", "PYTHONPATH[0]", "PYTHONPATH[1]",
                                             "PYTHONUSERBASE[0]", "python[0]", "sys.path[3]", "sys.path[4]",
                                             "sys.path[5]", "sys.path[6]", "cwd[0]", "script[0]"}));
  auto at = [&](const std::string& w) { return got[std::find(where.begin(), where.end(), w) - where.begin()]; };
  EXPECT_FALSE(at("PATH[0]").fs.shared);
  EXPECT_TRUE(at("PATH[0]").advice.empty());
  EXPECT_EQ(at("PATH[1]").fs.name, "lustre");
  EXPECT_EQ(at("PATH[1]").advice, advice_for(Source::kPath));

  Location on_lustre = at("PYTHONPATH[0]"), on_tmpfs = at("PYTHONPATH[1]");
  EXPECT_EQ(on_lustre.fs.name, "lustre");
  EXPECT_TRUE(on_lustre.fs.shared);
  EXPECT_EQ(on_lustre.mount, "/lustre");
  EXPECT_EQ(on_lustre.mount_type, "lustre");
  EXPECT_NE(on_lustre.advice.find("every import searches it first"), std::string::npos);
  EXPECT_NE(on_lustre.advice.find("pybcast pack"), std::string::npos);
  EXPECT_EQ(on_tmpfs.fs.name, "tmpfs");
  EXPECT_FALSE(on_tmpfs.fs.shared);
  EXPECT_TRUE(on_tmpfs.advice.empty());
  EXPECT_EQ(on_tmpfs.mount, "/dev/shm");

  EXPECT_NE(at("PYTHONUSERBASE[0]").advice.find("scratch or node-local"), std::string::npos);
  EXPECT_FALSE(at("python[0]").fs.shared);
  Location zip = at("sys.path[3]");
  EXPECT_FALSE(zip.fs.exists);
  EXPECT_EQ(zip.fs.name, "ext4");
  EXPECT_NE(at("sys.path[5]").advice.find("PYTHONNOUSERSITE=1"), std::string::npos);  // ~/.local
  EXPECT_EQ(at("sys.path[6]").advice, advice_for(Source::kSysPath));                  // added by a .pth
  EXPECT_NE(at("cwd[0]").advice.find("run from scratch or node-local"), std::string::npos);
  EXPECT_EQ(at("script[0]").path, "/lustre/scratch/run/job.py");
  EXPECT_NE(at("script[0]").advice.find("script's directory"), std::string::npos);
}

TEST(Checkup, AdvisesByWhatASysPathEntryBelongsTo) {
  FakeFilesystems fake(kFakeTypes);
  PythonFacts venv = debian_python();
  venv.prefix = "/lustre/venv";
  EXPECT_NE(sys_path_advice("/lustre/venv/lib/python3.11/site-packages", venv).find("pack env"), std::string::npos);
  PythonFacts site = debian_python();
  site.base_prefix = site.prefix = "/lustre/sw/python";
  EXPECT_NE(sys_path_advice("/lustre/sw/python/lib/python3.11", site).find("pack python"), std::string::npos);
  EXPECT_NE(sys_path_advice(site.user_site + "/x", site).find("~/.local"), std::string::npos);
}

TEST(Checkup, SkipsSysPathWhenThePythonCouldNotBeAsked) {
  FakeFilesystems fake(kFakeTypes);
  PythonFacts failed;
  failed.command = "python3";
  failed.error = "cannot run 'python3': No such file or directory";
  std::vector<Location> got = check_locations({fake_env({}), "/dev/shm/run", "", &failed, kMounts});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].source, Source::kCwd);
  EXPECT_EQ(got[0].fs.name, "tmpfs");
}

TEST(Checkup, AsksARealPython) {
  PythonFacts py = ask_python("/usr/bin/python3");
  if (!py.error.empty()) GTEST_SKIP() << py.error;
  EXPECT_FALSE(py.version.empty());
  ASSERT_FALSE(py.path.empty());
  EXPECT_EQ(py.path[0], "");  // `python -c`: the working directory first
  EXPECT_FALSE(ask_python("/nonexistent/python3").error.empty());
  EXPECT_FALSE(ask_python("/bin/false").error.empty());
}

TEST(Checkup, LauncherWarnsWithTheSameAdvice) {
  FakeFilesystems fake(kFakeTypes);
  EXPECT_EQ(shared_warning(Source::kPythonPath, "/dev/shm/lib"), "");
  EXPECT_EQ(shared_warning(Source::kPythonPath, "/lustre/lib"),
            "PYTHONPATH entry /lustre/lib is on lustre (shared): " + advice_for(Source::kPythonPath));
  EnvironmentInputs in{{"/dev/shm/p", "3.11", "/dev/shm/p/lib/libpython3.11.so", "/dev/shm/p/bin/python3.11", ""},
                       "/dev/shm/pycache",
                       "1",
                       "/lustre/run/job.py",
                       fake_env({{"PYTHONPATH", "/lustre/lib:/dev/shm/lib"}, {"PYTHONUSERBASE", "/slow/base"}})};
  LaunchEnvironment env = python_environment(in);
  ASSERT_EQ(env.warnings.size(), 3u);
  EXPECT_EQ(env.warnings[0], shared_warning(Source::kPythonPath, "/lustre/lib"));
  EXPECT_EQ(env.warnings[1], "PYTHONUSERBASE /slow/base is on fuse (shared): " + advice_for(Source::kPythonUserBase));
  EXPECT_EQ(env.warnings[2],
            "the script's directory /lustre/run is on lustre (shared): " + advice_for(Source::kScript));
}

TEST(Checkup, FlagsRuntimeCachesOnASharedFileSystem) {
  FakeFilesystems fake(kFakeTypes);
  // Set: listed wherever it is. Unset: listed only when its default under $HOME is shared.
  CheckupInputs in{fake_env({{"HOME", "/lustre/home/u"},
                             {"TRITON_CACHE_DIR", "/slow/triton"},
                             {"NUMBA_CACHE_DIR", "/dev/shm/numba"},
                             {"XDG_CACHE_HOME", "/dev/shm/xdg"}}),
                   "/dev/shm/run", "", nullptr, kMounts};
  std::map<std::string, Location> caches;
  for (const auto& l : check_locations(in))
    if (l.source >= Source::kTritonCache) caches[source_name(l.source)] = l;
  std::vector<std::string> names;
  for (const auto& [name, l] : caches) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"CUPY_CACHE_DIR", "MPLCONFIGDIR", "NUMBA_CACHE_DIR", "TRITON_CACHE_DIR",
                                             "XDG_CACHE_HOME"}));
  EXPECT_EQ(caches["TRITON_CACHE_DIR"].path, "/slow/triton");
  EXPECT_TRUE(caches["TRITON_CACHE_DIR"].fs.shared);
  EXPECT_NE(caches["TRITON_CACHE_DIR"].advice.find("python-mpi points it at node-local storage"), std::string::npos);
  EXPECT_FALSE(caches["NUMBA_CACHE_DIR"].fs.shared);
  EXPECT_TRUE(caches["NUMBA_CACHE_DIR"].advice.empty());
  EXPECT_EQ(caches["CUPY_CACHE_DIR"].path, "/lustre/home/u/.cupy/kernel_cache");
  EXPECT_TRUE(caches["CUPY_CACHE_DIR"].fs.shared);
  EXPECT_EQ(caches["MPLCONFIGDIR"].path, "/lustre/home/u/.config/matplotlib");
  EXPECT_FALSE(caches["XDG_CACHE_HOME"].fs.shared);  // set: listed, though local

  // A local $HOME with nothing set: no cache is listed.
  CheckupInputs local{fake_env({{"HOME", "/root"}}), "/dev/shm/run", "", nullptr, kMounts};
  for (const auto& l : check_locations(local)) EXPECT_LT(l.source, Source::kTritonCache) << source_name(l.source);
}

TEST(Checkup, TheLauncherWarnsAboutACacheTheUserPutOnASharedFileSystem) {
  FakeFilesystems fake(kFakeTypes);
  EnvironmentInputs in{{"/dev/shm/p", "3.11", "/dev/shm/p/lib/libpython3.11.so", "/dev/shm/p/bin/python3.11", ""},
                       "/dev/shm/pycache",
                       "1",
                       "",
                       fake_env({{"TRITON_CACHE_DIR", "/lustre/home/u/.triton"}}),
                       "/dev/shm/pybcast-0/caches"};
  LaunchEnvironment env = python_environment(in);
  ASSERT_EQ(env.warnings.size(), 1u);
  EXPECT_EQ(env.warnings[0],
            "TRITON_CACHE_DIR /lustre/home/u/.triton is on lustre (shared): " + advice_for(Source::kTritonCache));
  ASSERT_EQ(env.caches.size(), 5u);  // the others point at the node
  for (const auto& c : env.caches) EXPECT_TRUE(c.path.starts_with("/dev/shm/pybcast-0/caches/")) << c.variable;
}

TEST(MetadataOps, ParsesAnStraceLog) {
  std::string log =
      "100 execve(\"/usr/bin/python3\", [\"python3\", \"-c\", \"import x\"], 0x7ffd /* 3 vars */) = 0\n"
      "100 openat(AT_FDCWD</lustre/run>, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>\n"
      "100 newfstatat(3</etc/ld.so.cache>, \"\", {st_mode=S_IFREG|0644, ...}, AT_EMPTY_PATH) = 0\n"
      "100 newfstatat(AT_FDCWD</lustre/run>, \"mod.py\", 0x7ffc, 0) = -1 ENOENT (No such file or directory)\n"
      "100 getcwd(\"/lustre/run\", 1024) = 12\n"
      "101 openat(AT_FDCWD</lustre/run>, \"/lustre/proj/lib/a \\\"q\\\".py\", O_RDONLY <unfinished ...>\n"
      "100 --- SIGCHLD {si_signo=SIGCHLD} ---\n"
      "101 <... openat resumed>) = 4</lustre/proj/lib/a \"q\".py>\n"
      "100 fstat(4</lustre/proj/lib/x.so>, {st_mode=S_IFREG|0755, ...}) = 0\n"
      "100 fstat(5<socket:[1234]>, {st_mode=S_IFSOCK, ...}) = 0\n"
      "100 stat(\"rel/../y\", 0x7ffc) = -1 ENOENT (No such file or directory)\n"
      "100 readlink(\"/proc/self/exe\", \"/usr/bin/python3.11\", 4096) = 19\n"
      "100 +++ exited with 0 +++\n";
  std::vector<OpRecord> r = parse_strace_log(log, "/home/u");
  std::vector<std::string> got;
  for (const auto& op : r) got.push_back(op.call + " " + op.path + (op.enoent ? " ENOENT" : ""));
  EXPECT_EQ(got, (std::vector<std::string>{"execve /usr/bin/python3", "openat /etc/ld.so.cache",
                                           "newfstatat /etc/ld.so.cache", "newfstatat /lustre/run/mod.py ENOENT",
                                           "openat /lustre/proj/lib/a \"q\".py", "fstat /lustre/proj/lib/x.so",
                                           "stat /home/u/y ENOENT", "readlink /proc/self/exe"}));
}

TEST(MetadataOps, AttributesOperationsToMounts) {
  FakeFilesystems fake(kFakeTypes);
  std::vector<OpRecord> records{{"/lustre/proj/lib/a.py", "newfstatat", 1, true},
                                {"/lustre/proj/lib/b.py", "newfstatat", 1, false},
                                {"/lustre/proj/lib/b.py", "openat", 1, false},
                                {"/usr/lib/python3.11/os.py", "stat", 2, false},
                                {"/dev/shm/x", "listdir", 1, true}};
  std::vector<FsOps> by_fs = attribute_ops(records, kMounts);
  ASSERT_EQ(by_fs.size(), 3u);
  EXPECT_EQ(by_fs[0].mount, "/lustre");  // most operations first
  EXPECT_EQ(by_fs[0].fs.name, "lustre");
  EXPECT_TRUE(by_fs[0].fs.shared);
  EXPECT_EQ(by_fs[0].ops, 3u);
  EXPECT_EQ(by_fs[0].enoent, 1u);
  EXPECT_EQ(by_fs[0].calls, (std::map<std::string, uint64_t>{{"newfstatat", 2}, {"openat", 1}}));
  EXPECT_EQ(by_fs[1].mount, "/");
  EXPECT_EQ(by_fs[1].ops, 2u);
  EXPECT_EQ(by_fs[2].mount, "/dev/shm");
  EXPECT_EQ(by_fs[2].mount_type, "tmpfs");
  EXPECT_FALSE(by_fs[2].fs.shared);
}

// --- the JSON schema: docs/doctor.md's table is the contract ---

/// "key" -> "type" rows of the schema table in docs/doctor.md.
std::map<std::string, std::string> documented_schema() {
  std::ifstream in(std::string(PYBCAST_DOCS_DIR) + "/doctor.md");
  std::map<std::string, std::string> schema;
  std::regex row(R"(^\| `([a-z_.\[\]<>]+)` \| ([a-z ]+) \|)");
  bool in_json_section = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("## ")) in_json_section = line.starts_with("## JSON");
    std::smatch m;
    if (in_json_section && std::regex_search(line, m, row)) schema[m[1]] = m[2];
  }
  return schema;
}

std::string json_type(const nlohmann::json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer()) return "integer";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

/// Every key path in `v` ("measure.filesystems[].calls.openat") with its JSON
/// type; array elements are described by their keys ("locations[].path").
void flatten(const nlohmann::json& v, const std::string& path, std::multimap<std::string, std::string>& out) {
  if (!path.empty() && !path.ends_with("[]")) out.emplace(path, json_type(v));
  if (v.is_object())
    for (const auto& [key, child] : v.items()) flatten(child, path.empty() ? key : path + "." + key, out);
  if (v.is_array())
    for (const auto& child : v) flatten(child, path + "[]", out);
}

/// The documented key a concrete path falls under ("...calls.openat" -> "...calls.<call>").
std::string documented_key(const std::string& path, const std::map<std::string, std::string>& schema) {
  if (schema.contains(path)) return path;
  size_t dot = path.rfind('.');
  if (dot == std::string::npos) return "";
  for (const auto& [key, type] : schema)
    if (key.starts_with(path.substr(0, dot + 1) + "<") && key.find('.', dot + 1) == std::string::npos) return key;
  return "";
}

DoctorReport sample_report(bool with_measure) {
  DoctorReport report;
  report.python = debian_python();
  Location shared{Source::kPythonPath,
                  0,
                  "/lustre/proj/lib",
                  classify_fs_magic(kLustre),
                  "/lustre",
                  "lustre",
                  advice_for(Source::kPythonPath)};
  Location local{Source::kCwd, 0, "/dev/shm/run", classify_fs_magic(kTmpfs), "", "", ""};
  report.locations = {shared, local};
  report.chroot = "/dev/shm";
  const char* differs = "lib/os.py: 9 bytes, the manifest says 8";  // as bundle/manifest_check words it
  CacheEntryCheck changed{"/dev/shm/pybcast-0/cache/k", 2, 1, {differs}, {"plain.tar"}, ""};
  CacheEntryCheck broken{"/dev/shm/pybcast-0/cache/j", 0, 0, {}, {}, "no stage record"};
  report.cache_entries = {changed, broken};
  report.notes = {"systemd-logind has RemoveIPC=yes"};
  if (with_measure) {
    Measurement m;
    m.code = "import numpy";
    m.method = "strace";
    m.exit_status = 1;
    m.error = "ModuleNotFoundError: No module named 'numpy'";
    FsOps fuse{"/slow", "fuse.slowfs", classify_fs_magic(kFuse), 10, 7, {{"newfstatat", 8}, {"openat", 2}}};
    FsOps root{"/", "ext4", classify_fs_magic(kExt4), 5, 0, {{"openat", 5}}};
    m.filesystems = {fuse, root};
    m.total_ops = 15;
    m.shared_ops = 10;
    report.measure = m;
  }
  return report;
}

TEST(Logind, RemoveIpcDefaultsToYesAndTheLastSettingWins) {
  EXPECT_TRUE(remove_ipc_effective({}));
  EXPECT_TRUE(remove_ipc_effective({"[Login]\n#RemoveIPC=no\n"}));
  EXPECT_FALSE(remove_ipc_effective({"[Login]\nRemoveIPC=no\n"}));
  EXPECT_TRUE(remove_ipc_effective({"[Login]\nRemoveIPC=no\n", "[Login]\nRemoveIPC=yes\n"}));
  EXPECT_FALSE(remove_ipc_effective({"[Login]\nRemoveIPC=yes\n", "[Login]\nRemoveIPC=false\n"}));
}

TEST(DoctorJson, MatchesTheDocumentedSchema) {
  std::map<std::string, std::string> schema = documented_schema();
  ASSERT_GT(schema.size(), 30u) << "the schema table in docs/doctor.md was not found";
  std::set<std::string> seen;
  for (bool with_measure : {true, false}) {
    DoctorReport report = sample_report(with_measure);
    nlohmann::json j = nlohmann::json::parse(doctor_json(report).dump());
    std::multimap<std::string, std::string> flat;
    flatten(j, "", flat);
    for (const auto& [path, type] : flat) {
      std::string key = documented_key(path, schema);
      ASSERT_FALSE(key.empty()) << path << " is not documented in docs/doctor.md";
      const std::string& doc = schema.at(key);
      bool ok = doc == type || (type == "null" && doc.ends_with(" or null")) || doc.starts_with(type + " or null");
      EXPECT_TRUE(ok) << path << " is " << type << ", documented as " << doc;
      seen.insert(key);
    }
    EXPECT_EQ(j["schema"], kDoctorSchema);
    EXPECT_EQ(j["status"], "shared");
    EXPECT_EQ(j["shared_locations"], 1);
    EXPECT_EQ(j["locations"][0]["source"], "PYTHONPATH");
    EXPECT_EQ(j["locations"][0]["magic"], "0xbd00bd0");
    EXPECT_TRUE(j["locations"][1]["advice"].is_null());
    EXPECT_TRUE(j["locations"][1]["mount"].is_null());
    EXPECT_EQ(j["measure"].is_null(), !with_measure);
  }
  for (const auto& [key, type] : schema) EXPECT_TRUE(seen.contains(key)) << key << " is documented but never output";
}

TEST(DoctorJson, StatusFollowsTheSharedLocationsAndOperations) {
  DoctorReport report = sample_report(false);
  report.locations.erase(report.locations.begin());
  EXPECT_FALSE(anything_shared(report));
  EXPECT_EQ(doctor_json(report)["status"], "ok");
  report.measure = sample_report(true).measure;  // operations on a shared mount count too
  EXPECT_TRUE(anything_shared(report));
  PythonFacts failed;
  failed.command = "python9";
  failed.error = "cannot run 'python9'";
  report.python = failed;
  nlohmann::json j = nlohmann::json::parse(doctor_json(report).dump());
  EXPECT_TRUE(j["python"]["executable"].is_null());
  EXPECT_EQ(j["python"]["error"], "cannot run 'python9'");
}

TEST(DoctorTable, AlignsOneLinePerLocationWithNumberedAdvice) {
  std::string text = format_doctor_table(sample_report(true));
  std::istringstream lines(text);
  std::vector<std::string> table;
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with("WHERE") || line.starts_with("PYTHONPATH[0]") || line.starts_with("cwd"))
      table.push_back(line);
  ASSERT_EQ(table.size(), 3u) << text;
  size_t path_column = table[0].find("PATH");
  EXPECT_EQ(table[1].find("/lustre/proj/lib"), path_column) << text;
  EXPECT_EQ(table[2].find("/dev/shm/run"), path_column) << text;
  EXPECT_NE(table[1].find("shared [1]"), std::string::npos);
  EXPECT_NE(table[2].find(" ok "), std::string::npos);
  EXPECT_NE(text.find("[1] PYTHONPATH: " + advice_for(Source::kPythonPath)), std::string::npos) << text;
  EXPECT_NE(text.find("fuse (fuse.slowfs)"), std::string::npos) << text;
  EXPECT_NE(text.find("newfstatat 8, openat 2"), std::string::npos) << text;
  EXPECT_NE(text.find("15 operations in total, 10 on shared file systems"), std::string::npos) << text;
  EXPECT_NE(text.find("1 of 2 locations are on a shared file system."), std::string::npos) << text;
}

}  // namespace
}  // namespace pybcast

namespace pybcast {
namespace {

TEST(PackageDirNotes, MeasuresDirectoriesAndSuggestsPackingBigOnes) {
  pybcast::testing::TestDir dir;
  std::filesystem::create_directories(dir / "env/lib");
  for (int i = 0; i < 5; ++i) std::ofstream(dir / ("env/lib/m" + std::to_string(i) + ".py")) << "x = 1\n";
  std::ofstream(dir / "bundle.tar.zst") << "not a directory";
  std::string packages = "env:bundle.tar.zst:missing";
  auto env = [&](const char* name) -> const char* {
    if (std::string(name) == "PYTHON_MPI_PACKAGES") return packages.c_str();
    if (std::string(name) == "PYTHON_MPI_PKGROOT") return dir.path().c_str();
    return nullptr;
  };
  std::vector<std::string> notes = package_dir_notes(env, 100);
  ASSERT_EQ(notes.size(), 1u);  // the file and the missing entry are not directories
  EXPECT_NE(notes[0].find("names the directory " + dir / "env" + ": 6 entries"), std::string::npos) << notes[0];
  EXPECT_EQ(notes[0].find("pack it once"), std::string::npos) << notes[0];
  notes = package_dir_notes(env, 5);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("more than 5 entries: pack it once"), std::string::npos) << notes[0];
}

}  // namespace
}  // namespace pybcast
