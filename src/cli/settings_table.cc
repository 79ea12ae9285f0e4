#include "cli/settings_table.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "launch/script_dir.h"
#include "util/error.h"
#include "util/settings.h"
#include "util/units.h"

namespace pybcast {

namespace {

using nlohmann::json;
using Kind = Setting::Kind;

constexpr unsigned kEverywhere = kForStage | kForRun | kForPythonMpi;
constexpr unsigned kLaunchers = kForRun | kForPythonMpi;

/// "4M" for 4 MiB: a size as parse_size reads it, in the largest exact unit.
std::string size_text(uint64_t bytes) {
  for (auto [shift, unit] : {std::pair{30, 'G'}, {20, 'M'}, {10, 'K'}})
    if (bytes != 0 && bytes % (uint64_t{1} << shift) == 0) return fmt::format("{}{}", bytes >> shift, unit);
  return std::to_string(bytes);
}

/// An encode/decode pair for a field that JSON carries as it is; `field` is
/// generic (auto&), so it gives the const field to encode and the mutable one to decode.
template <typename Field>
void carry(Setting& row, Field field) {
  row.encode = [field](const LaunchRequest& r) { return json(field(r)); };
  row.decode = [field](const json& j, LaunchRequest& r) {
    using T = std::remove_cvref_t<decltype(field(r))>;
    field(r) = j.get<T>();
  };
}

std::vector<Setting> make_table() {
  std::vector<Setting> t;
  // Each row: who, how it is given, its default, its words; then its parser and how agreement carries it.
  t.push_back({.id = SettingId::kPackages,
               .what = "bundles, in merge order",
               .flag = "--packages",
               .kind = Kind::kValue,
               .value_name = "A:B",
               .env = {"PYBCAST_PACKAGES", "PYTHON_MPI_PACKAGES"},
               .fallback = "",
               .shown_default = "none",
               .help = "colon-separated bundles in merge order, a later one winning on a conflicting path: "
                       "files, or directories staged as they are (a venv brings its base interpreter); stage also "
                       "takes them as arguments",
               .applies = kEverywhere,
               .agreed = true,
               .parse = [](const std::string& v, LaunchRequest& r) { r.stage.bundles = split_list(v); }});
  carry(
      t.back(), [](auto& r) -> auto& { return r.stage.bundles; });

  t.push_back({.id = SettingId::kChroot,
               .what = "node-local root",
               .flag = "--chroot",
               .kind = Kind::kValue,
               .value_name = "DIR",
               .env = {"PYBCAST_CHROOT", "PYTHON_MPI_CHROOT"},
               .fallback = layout::kDefaultChroot,
               .shown_default = layout::kDefaultChroot,
               .help = "node-local root; a .. in it is resolved lexically, as cd does (a/../b is b)",
               .applies = kEverywhere,
               .agreed = true,
               .parse = [](const std::string& v, LaunchRequest& r) {
                 // Lexically normal, as the user root's path is (cache/trusted_dir).
                 r.stage.chroot = v.empty() ? v : std::filesystem::path(v).lexically_normal().string();
               }});
  carry(
      t.back(), [](auto& r) -> auto& { return r.stage.chroot; });

  t.push_back({.id = SettingId::kPkgroot,
               .what = "where bundles live",
               .flag = "--pkgroot",
               .kind = Kind::kValue,
               .value_name = "DIR",
               .env = {"PYBCAST_PKGROOT", "PYTHON_MPI_PKGROOT"},
               .fallback = ".",
               .shown_default = "the current directory",
               .help = "where bundles live: the directory they are named relative to",
               .applies = kEverywhere,
               .agreed = true,
               .parse = [](const std::string& v, LaunchRequest& r) { r.stage.pkgroot = v; }});
  carry(
      t.back(), [](auto& r) -> auto& { return r.stage.pkgroot; });

  t.push_back({.id = SettingId::kReport,
               .what = "timing report",
               .flag = "--report",
               .kind = Kind::kSwitch,
               .value_name = "",
               .env = {"PYBCAST_REPORT"},
               .fallback = "0",
               .shown_default = "off",
               .help = "print a timing report on rank 0 (stderr)",
               .applies = kEverywhere,
               .agreed = true,
               .parse = [](const std::string& v, LaunchRequest& r) { r.outputs.report = truthy(v); }});
  carry(
      t.back(), [](auto& r) -> auto& { return r.outputs.report; });

  t.push_back({.id = SettingId::kTrace,
               .what = "trace of the phases",
               .flag = "--trace",
               .kind = Kind::kValue,
               .value_name = "FILE",
               .env = {"PYBCAST_TRACE"},
               .fallback = "",
               .shown_default = "none",
               .help = "write a Chrome trace JSON of the phases",
               .applies = kEverywhere,
               .agreed = true,
               .parse = [](const std::string& v, LaunchRequest& r) { r.outputs.trace = v; }});
  carry(
      t.back(), [](auto& r) -> auto& { return r.outputs.trace; });

  t.push_back({.id = SettingId::kVirtualNodes,
               .what = "virtual nodes (testing)",
               .flag = "--virtual-nodes",
               .kind = Kind::kValue,
               .value_name = "K",
               .env = {"PYBCAST_VIRTUAL_NODES"},
               .fallback = "0",
               .shown_default = "0: real nodes",
               .help = "split ranks into K pretend nodes, each with its own user root $CHROOT/pybcast-<uid>/vnode-<g> "
                       "(testing on one machine)",
               .applies = kEverywhere,
               .agreed = true,
               .parse = [](const std::string& v, LaunchRequest& r) {
                 std::optional<uint64_t> nodes = parse_count(v);
                 if (!nodes || *nodes > static_cast<uint64_t>(INT_MAX)) fail("invalid number of virtual nodes '{}'", v);
                 r.stage.virtual_nodes = static_cast<int>(*nodes);
               }});
  carry(
      t.back(), [](auto& r) -> auto& { return r.stage.virtual_nodes; });

  t.push_back({.id = SettingId::kChunkSize,
               .what = "broadcast chunk size",
               .flag = "--chunk-size",
               .kind = Kind::kValue,
               .value_name = "SIZE",
               .env = {"PYBCAST_CHUNK_SIZE"},
               .fallback = size_text(kDefaultChunkSize),
               .shown_default = size_text(kDefaultChunkSize),
               .help = "broadcast chunk size, e.g. 8M",
               .applies = kEverywhere,
               .agreed = true,
               .parse = [](const std::string& v, LaunchRequest& r) { r.stage.chunk_size = parse_size(v); }});
  carry(
      t.back(), [](auto& r) -> auto& { return r.stage.chunk_size; });

  t.push_back({.id = SettingId::kExtractThreads,
               .what = "file-writing and zstd frame-decoding threads per node leader",
               .flag = "--extract-threads",
               .kind = Kind::kValue,
               .value_name = "N",
               .env = {"PYBCAST_EXTRACT_THREADS"},
               .fallback = "0",
               .shown_default = "0: the cores available (at most 16)",
               .help = "threads writing files, and decoding zstd frames, on each node leader; 1: the tar parser "
                       "writes them itself, one decoder streams",
               .applies = kEverywhere,
               .agreed = true,
               .parse = [](const std::string& v, LaunchRequest& r) {
                 std::optional<uint64_t> n = parse_count(v);
                 if (!n || *n > static_cast<uint64_t>(kMaxExtractThreads))
                   fail("invalid number of extract threads '{}' (1 to {}, or 0 for the cores available)", v,
                        kMaxExtractThreads);
                 r.stage.extract_threads = static_cast<unsigned>(*n);
               }});
  carry(
      t.back(), [](auto& r) -> auto& { return r.stage.extract_threads; });

  t.push_back({.id = SettingId::kVerifyCache,
               .what = "re-hash a cache hit against the manifests",
               .flag = "--verify-cache",
               .kind = Kind::kSwitch,
               .value_name = "",
               .env = {"PYBCAST_VERIFY_CACHE"},
               .fallback = "0",
               .shown_default = "off",
               .help = "on a cache hit, re-hash the staged files against the bundles' manifests, check the bytecode "
                       "mirror is the entry's own, and stage again if anything changed",
               .applies = kEverywhere,
               .agreed = true,
               .parse = [](const std::string& v, LaunchRequest& r) { r.stage.verify_cache = truthy(v); }});
  carry(
      t.back(), [](auto& r) -> auto& { return r.stage.verify_cache; });

  t.push_back({.id = SettingId::kCacheMax,
               .what = "size cap of the node's cache (LRU, after an extraction)",
               .flag = "--cache-max",
               .kind = Kind::kValue,
               .value_name = "SIZE",
               .env = {"PYBCAST_CACHE_MAX"},
               .fallback = "",
               .shown_default = "none",
               .help = "after staging, remove idle entries of this node's cache, least recently used first, until it "
                       "fits in SIZE (e.g. 8G; entries in use are kept)",
               .applies = kEverywhere,
               .agreed = true,
               .parse =
                   [](const std::string& v, LaunchRequest& r) {
                     r.stage.cache_max.reset();
                     if (!v.empty()) r.stage.cache_max = parse_size(v);
                   },
               .encode = [](const LaunchRequest& r) { return r.stage.cache_max ? json(*r.stage.cache_max) : json(); },
               .decode =
                   [](const json& j, LaunchRequest& r) {
                     r.stage.cache_max.reset();
                     if (!j.is_null()) r.stage.cache_max = j.get<uint64_t>();
                   }});

  t.push_back({.id = SettingId::kLockTimeout,
               .what = "wait for another job's extraction",
               .flag = "--lock-timeout",
               .kind = Kind::kNumber,
               .value_name = "S",
               .env = {},
               .fallback = fmt::format("{}", kDefaultLockTimeoutSeconds),
               .shown_default = fmt::format("{} s", kDefaultLockTimeoutSeconds),
               .help = "seconds to wait for another job extracting the same bundles",
               .applies = kEverywhere,
               .agreed = true,
               .parse = [](const std::string& v, LaunchRequest& r) {
                 // The flag parser has checked it is a number; the fallback is one.
                 char* end = nullptr;
                 errno = 0;
                 double seconds = std::strtod(v.c_str(), &end);
                 if (v.empty() || *end != '\0' || errno != 0) fail("invalid lock timeout '{}' (seconds)", v);
                 r.stage.lock_timeout = seconds;
               }});
  carry(
      t.back(), [](auto& r) -> auto& { return r.stage.lock_timeout; });

  t.push_back(
      {.id = SettingId::kGzipInflater,
       .what = "gzip inflater",
       .flag = "",
       .kind = Kind::kValue,
       .value_name = "isal|zlib",
       .env = {"PYBCAST_GZIP_INFLATER"},
       .fallback = "isal",
       .shown_default = "ISA-L where built in",
       .help = "inflate gzip bundles with zlib, or with ISA-L where pybcast was built with libisal (and "
               "zlib where not); the report names the decoder of each bundle",
       .applies = kEverywhere,
       .agreed = true,
       .parse =
           [](const std::string& v, LaunchRequest& r) {
             r.stage.gzip_inflater = v == "zlib" ? GzipInflater::kZlib : GzipInflater::kIsal;
           },
       .encode =
           [](const LaunchRequest& r) { return json(r.stage.gzip_inflater == GzipInflater::kZlib ? "zlib" : "isal"); },
       .decode =
           [](const json& j, LaunchRequest& r) {
             r.stage.gzip_inflater = j.get<std::string>() == "zlib" ? GzipInflater::kZlib : GzipInflater::kIsal;
           }});

  t.push_back({.id = SettingId::kNoAbort,
               .what = "no MPI_Abort when a rank's Python fails",
               .flag = "--no-abort-on-error",
               .kind = Kind::kSwitch,
               .value_name = "",
               .env = {"PYBCAST_NO_ABORT"},
               .fallback = "0",
               .shown_default = "off (abort)",
               .help = "do not MPI_Abort when a rank's Python fails",
               .applies = kLaunchers,
               .agreed = true,
               .parse = [](const std::string& v, LaunchRequest& r) { r.abort_on_error = !truthy(v); },
               .encode = [](const LaunchRequest& r) { return json(!r.abort_on_error); },
               .decode = [](const json& j, LaunchRequest& r) { r.abort_on_error = !j.get<bool>(); }});

  t.push_back({.id = SettingId::kCleanup,
               .what = "remove the cache entries at exit",
               .flag = "--cleanup",
               .kind = Kind::kSwitch,
               .value_name = "",
               .env = {"PYBCAST_CLEANUP"},
               .fallback = "0",
               .shown_default = "off (keep)",
               .help = "remove the node-local cache entries when the job ends (the environment's and, with "
                       "--stage-script-dir, the script directory's)",
               .applies = kLaunchers,
               .agreed = true,
               .python_mpi_flag = true,
               .parse = [](const std::string& v, LaunchRequest& r) { r.cleanup = truthy(v); }});
  carry(
      t.back(), [](auto& r) -> auto& { return r.cleanup; });

  t.push_back({.id = SettingId::kKeepPythonhome,
               .what = "keep a PYTHONHOME outside the stage",
               .flag = "--keep-pythonhome",
               .kind = Kind::kSwitch,
               .value_name = "",
               .env = {"PYBCAST_KEEP_PYTHONHOME"},
               .fallback = "0",
               .shown_default = "off (map or replace it)",
               .help = "keep a PYTHONHOME (and PYTHONPATH) that points outside the staged copy, with a warning, "
                       "instead of mapping or replacing it",
               .applies = kLaunchers,
               .agreed = true,
               .also = "stage --print-env",
               .parse = [](const std::string& v, LaunchRequest& r) { r.keep_pythonhome = truthy(v); }});
  carry(
      t.back(), [](auto& r) -> auto& { return r.keep_pythonhome; });

  t.push_back({.id = SettingId::kAudit,
               .what = "count file-system operations off the node",
               .flag = "--audit",
               .kind = Kind::kSwitch,
               .value_name = "",
               .env = {"PYBCAST_AUDIT"},
               .fallback = "0",
               .shown_default = "off",
               .help = "count every rank's file-system operations off the node; rank 0 prints them at exit",
               .applies = kLaunchers,
               .agreed = true,  // chooses the reduction at exit
               .python_mpi_flag = true,
               .parse = [](const std::string& v, LaunchRequest& r) { r.audit = truthy(v); }});
  carry(
      t.back(), [](auto& r) -> auto& { return r.audit; });

  t.push_back({.id = SettingId::kAuditJson,
               .what = "write the audit as JSON",
               .flag = "--audit-json",
               .kind = Kind::kValue,
               .value_name = "FILE",
               .env = {"PYBCAST_AUDIT_JSON"},
               .fallback = "",
               .shown_default = "none",
               .help = "also write them as JSON (docs/audit.md); implies --audit",
               .applies = kLaunchers,
               .agreed = true,
               .python_mpi_flag = true,
               .parse = [](const std::string& v, LaunchRequest& r) {
                 r.audit_json = v.empty() ? v : std::filesystem::absolute(v).lexically_normal().string();
               }});
  carry(
      t.back(), [](auto& r) -> auto& { return r.audit_json; });

  t.push_back({.id = SettingId::kStageScriptDir,
               .what = "run the script from a node-local copy of its directory",
               .flag = "--stage-script-dir",
               .kind = Kind::kSwitch,
               .value_name = "",
               .env = {"PYBCAST_STAGE_SCRIPT_DIR"},
               .fallback = "0",
               .shown_default = "off",
               .help = "stage the script's own directory too and run the script from its node-local copy",
               .applies = kLaunchers,
               .agreed = true,  // a second staging: every rank or none
               .python_mpi_flag = true,
               .parse = [](const std::string& v, LaunchRequest& r) { r.stage_script_dir = truthy(v); }});
  carry(
      t.back(), [](auto& r) -> auto& { return r.stage_script_dir; });

  // The script directory's limits: not agreed, as before this table (each rank's own).
  t.push_back({.id = SettingId::kScriptDirMaxEntries,
               .what = "most entries of a staged script directory",
               .flag = "",
               .kind = Kind::kValue,
               .value_name = "N",
               .env = {"PYBCAST_STAGE_SCRIPT_DIR_MAX_ENTRIES"},
               .fallback = std::to_string(kScriptDirMaxEntries),
               .shown_default = std::to_string(kScriptDirMaxEntries),
               .help = "the most entries a script directory --stage-script-dir stages may have",
               .applies = kLaunchers,
               .agreed = false,
               .parse = [](const std::string& v, LaunchRequest& r) {
                 std::optional<uint64_t> n = parse_count(v);
                 if (!n) fail("PYBCAST_STAGE_SCRIPT_DIR_MAX_ENTRIES='{}' is not a number of entries", v);
                 r.script_dir.max_entries = *n;
               }});

  t.push_back({.id = SettingId::kScriptDirMaxBytes,
               .what = "most bytes of a staged script directory",
               .flag = "",
               .kind = Kind::kValue,
               .value_name = "SIZE",
               .env = {"PYBCAST_STAGE_SCRIPT_DIR_MAX_BYTES"},
               .fallback = kScriptDirMaxBytes,
               .shown_default = kScriptDirMaxBytes,
               .help = "the most bytes of files it may hold",
               .applies = kLaunchers,
               .agreed = false,
               .parse = [](const std::string& v, LaunchRequest& r) {
                 try {
                   r.script_dir.max_bytes = parse_size(v);
                 } catch (const Error& e) {
                   throw e.with_context("PYBCAST_STAGE_SCRIPT_DIR_MAX_BYTES");
                 }
               }});

  t.push_back({.id = SettingId::kCaches,
               .what = "caches bundles to stage into the node's runtime caches",
               .flag = "--caches",
               .kind = Kind::kValue,
               .value_name = "A:B",
               .env = {"PYBCAST_CACHES"},
               .fallback = "",
               .shown_default = "none",
               .help = "colon-separated caches bundles (what --save-caches wrote), staged into the node's writable "
                       "runtime caches (NUMBA_CACHE_DIR, MPLCONFIGDIR, ...); one that does not exist yet is skipped "
                       "(the caches start cold), one made for another Python or machine is skipped with a warning",
               .applies = kLaunchers,
               .agreed = true,  // a second staging: every rank or none
               .python_mpi_flag = true,
               .parse = [](const std::string& v, LaunchRequest& r) {
                 r.warm.caches.clear();
                 for (const std::string& file : split_list(v))
                   r.warm.caches.push_back(std::filesystem::absolute(file).lexically_normal().string());
               }});
  carry(
      t.back(), [](auto& r) -> auto& { return r.warm.caches; });

  t.push_back({.id = SettingId::kSaveCaches,
               .what = "save the runtime caches the job gained",
               .flag = "--save-caches",
               .kind = Kind::kValue,
               .value_name = "FILE",
               .env = {"PYBCAST_SAVE_CACHES"},
               .fallback = "",
               .shown_default = "none",
               .help = "when every rank succeeded, gather what the node-local runtime caches gained during the job "
                       "from every node and write them to FILE as one caches bundle (rank 0 writes it, whole or not "
                       "at all); give it to the next job with --caches",
               .applies = kLaunchers,
               .agreed = true,  // a collective at exit
               .python_mpi_flag = true,
               .parse = [](const std::string& v, LaunchRequest& r) {
                 r.warm.save = v.empty() ? v : std::filesystem::absolute(v).lexically_normal().string();
               }});
  carry(
      t.back(), [](auto& r) -> auto& { return r.warm.save; });

  for (size_t i = 0; i < t.size(); ++i)
    if (static_cast<size_t>(t[i].id) != i) fail("internal: settings table row {} is out of order", i);
  if (t.size() != kSettingCount) fail("internal: settings table has {} rows, not {}", t.size(), kSettingCount);
  return t;
}

}  // namespace

std::string Setting::name() const {
  if (!env.empty()) return env.back();
  return flag;
}

std::string Setting::flag_usage() const {
  if (*flag == '\0') return "";
  return kind == Kind::kSwitch ? flag : fmt::format("{} {}", flag, value_name);
}

std::span<const Setting> settings_table() {
  static const std::vector<Setting> table = make_table();
  return table;
}

const Setting& setting_row(SettingId id) { return settings_table()[static_cast<size_t>(id)]; }

std::optional<std::string> SettingFlags::given(SettingId id) const {
  size_t i = static_cast<size_t>(id);
  if (setting_row(id).kind == Setting::Kind::kSwitch) return switches[i] ? std::optional<std::string>("1") : values[i];
  return values[i];
}

std::string setting_value(SettingId id, const std::optional<std::string>& flag) {
  const Setting& row = setting_row(id);
  if (flag) return *flag;
  for (const char* name : row.env)
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
  return row.fallback;
}

void resolve_settings(const SettingFlags& flags, unsigned scope, LaunchRequest& request) {
  for (const Setting& row : settings_table())
    if (row.applies_to(scope)) row.parse(setting_value(row.id, flags.given(row.id)), request);
  if (!flags.bundles.empty()) request.stage.bundles = flags.bundles;
  request.stage.want_report = request.outputs.report || !request.outputs.trace.empty();
  if ((scope & kLaunchers) != 0) {
    request.audit = request.audit || !request.audit_json.empty();
    request.script_dir = script_dir_options(request.script_dir.max_entries, request.script_dir.max_bytes);
  }
}

json encode_agreed(const LaunchRequest& request, unsigned scope) {
  json j = json::object();
  for (const Setting& row : settings_table())
    if (row.agreed && row.applies_to(scope)) j[row.name()] = row.encode(request);
  j["pipeline window"] = request.stage.pipeline.window;
  j["pipeline checks"] = request.stage.pipeline.check_every;
  return j;
}

void decode_agreed(const json& agreed, unsigned scope, LaunchRequest& request) {
  for (const Setting& row : settings_table())
    if (row.agreed && row.applies_to(scope)) row.decode(agreed.at(row.name()), request);
  request.stage.pipeline.window = agreed.at("pipeline window").get<size_t>();
  request.stage.pipeline.check_every = agreed.at("pipeline checks").get<size_t>();
  request.stage.want_report = request.outputs.report || !request.outputs.trace.empty();
}

std::vector<std::string> differing_settings(const json& mine, const json& theirs) {
  std::vector<std::string> names;
  for (const auto& [key, value] : mine.items())
    if (!theirs.contains(key) || theirs.at(key) != value) names.push_back(key);
  return names;
}

}  // namespace pybcast
