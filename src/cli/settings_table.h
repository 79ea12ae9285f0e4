#pragma once
// The one table of the settings of `pybcast stage`, `pybcast run` and
// python-mpi. Each row names a setting once: its flag, its environment
// variables in precedence order (PYBCAST_* before the seed's PYTHON_MPI_*), its
// default, how its value is parsed into the LaunchRequest, whether every rank
// uses rank 0's value, its help, and the commands it applies to. The flags and
// their --help (cli/stage_settings), the resolution flags > PYBCAST_* >
// PYTHON_MPI_* > default, the agreement across ranks (cli/agreed_settings) and
// the option tables of the README and the man pages (cli/settings_doc) all
// read it, so none of them can name a setting the others do not.
#include <array>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "launch/python_launcher.h"

namespace pybcast {

/// Where a setting applies (bits of Setting::applies).
enum SettingScope : unsigned { kForStage = 1, kForRun = 2, kForPythonMpi = 4 };

/// The rows, in the table's order (settings_table()[i].id == i).
enum class SettingId : size_t {
  kPackages,
  kChroot,
  kPkgroot,
  kReport,
  kTrace,
  kVirtualNodes,
  kChunkSize,
  kExtractThreads,
  kVerifyCache,
  kCacheMax,
  kLockTimeout,
  kGzipInflater,
  kNoAbort,
  kCleanup,
  kKeepPythonhome,
  kAudit,
  kAuditJson,
  kStageScriptDir,
  kScriptDirMaxEntries,
  kScriptDirMaxBytes,
  kCaches,
  kSaveCaches,
  kCount
};
inline constexpr size_t kSettingCount = static_cast<size_t>(SettingId::kCount);

struct Setting {
  enum class Kind {
    kSwitch,  ///< on or off: a flag without a value, a variable read as 1/yes/true/on
    kValue,   ///< a flag with a value (value_name)
    kNumber,  ///< a value the flag parser itself checks is a number (a usage error otherwise)
  };
  SettingId id;
  const char* what;  ///< a few words, for the documented tables
  const char* flag;  ///< "--chunk-size"; "" when only the environment sets it
  Kind kind;
  const char* value_name;        ///< "SIZE", for the flag and the tables ("" for a switch)
  std::vector<const char*> env;  ///< first set (and non-empty) wins: PYBCAST_* before PYTHON_MPI_*
  std::string fallback;          ///< parsed when neither the flag nor a variable gives a value
  std::string shown_default;     ///< the default in the user's words
  const char* help;              ///< a sentence for --help and the man pages
  unsigned applies;              ///< SettingScope bits
  bool agreed;                   ///< every rank uses rank 0's value (a difference could hang a collective)
  bool python_mpi_flag = false;  ///< python-mpi takes the flag too, as a leading argument (cli/python_mpi_flags)
  const char* also = "";         ///< who else reads it, for pybcast(1) and the README ("stage --print-env")
  /// Parses a value into the request; throws Error naming it if invalid.
  std::function<void(const std::string& value, LaunchRequest& request)> parse = {};
  /// The resolved value as agreement carries it, and back (rows that are agreed).
  std::function<nlohmann::json(const LaunchRequest& request)> encode = {};
  std::function<void(const nlohmann::json& value, LaunchRequest& request)> decode = {};

  /// How users name it: the seed's variable if there is one, else ours, else
  /// the flag (agreement's warning speaks these).
  std::string name() const;
  /// "--chunk-size SIZE", "--report", or "".
  std::string flag_usage() const;
  bool applies_to(unsigned scope) const { return (applies & scope) != 0; }
};

/// Every row, in SettingId order.
std::span<const Setting> settings_table();
const Setting& setting_row(SettingId id);

/// What the command line said: a value per row (switches as bools, for CLI11's add_flag).
struct SettingFlags {
  std::vector<std::string> bundles;  ///< `pybcast stage`'s positional bundles (replace --packages)
  std::array<std::optional<std::string>, kSettingCount> values;
  std::array<bool, kSettingCount> switches{};

  /// The flag's value ("1" for a switch that was given), or nullopt.
  std::optional<std::string> given(SettingId id) const;
  void set(SettingId id, std::string value) { values[static_cast<size_t>(id)] = std::move(value); }
  void set_switch(SettingId id, bool on) { switches[static_cast<size_t>(id)] = on; }
};

/// The row's value: the flag, else its first set variable, else its fallback.
std::string setting_value(SettingId id, const std::optional<std::string>& flag = std::nullopt);

/// Every row that applies to `scope`, parsed into `request` in table order,
/// then what follows from them (want_report, --audit-json implying --audit,
/// the script directory's limits). Throws Error on an invalid value.
void resolve_settings(const SettingFlags& flags, unsigned scope, LaunchRequest& request);

/// The agreed rows of `scope`, keyed by name() (plus the pipeline's fixed
/// options, which decide collectives too).
nlohmann::json encode_agreed(const LaunchRequest& request, unsigned scope);
/// The inverse of encode_agreed, over `request`.
void decode_agreed(const nlohmann::json& agreed, unsigned scope, LaunchRequest& request);
/// The names whose values differ between two encodings, for the warning.
std::vector<std::string> differing_settings(const nlohmann::json& mine, const nlohmann::json& theirs);

}  // namespace pybcast
