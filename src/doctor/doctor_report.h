#pragma once
// What `pybcast doctor` prints: an aligned table for people, or JSON with
// the stable schema documented in docs/doctor.md (schema version kSchema).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "doctor/checkup.h"
#include "doctor/metadata_ops.h"

namespace pybcast {

/// One published entry of this node's cache, re-hashed against the staged
/// manifests (examination.cc fills it in with stage/entry_check).
struct CacheEntryCheck {
  std::string path;
  uint64_t files = 0;                     ///< compared with a manifest
  uint64_t differing = 0;                 ///< changed after staging
  std::vector<std::string> problems;      ///< "member: why", the first few
  std::vector<std::string> unverifiable;  ///< bundles without a manifest
  std::string error;                      ///< could not be checked
};

struct DoctorReport {
  PythonFacts python;
  std::vector<Location> locations;
  std::optional<Measurement> measure;
  std::string chroot;  ///< whose cache entries were checked
  std::vector<CacheEntryCheck> cache_entries;
  std::vector<std::string> notes;  ///< about the node (doctor/logind), not a verdict
};

/// Bumped only when a key changes meaning or type or goes away; new keys may be added.
constexpr int kDoctorSchema = 1;

/// How many locations are on a shared file system.
size_t shared_locations(const DoctorReport& report);
/// True when a location, or a measured operation, is on a shared file system.
bool anything_shared(const DoctorReport& report);
/// True when a cache entry was changed after staging (one that cannot be checked is listed, not counted).
bool any_cache_damage(const DoctorReport& report);

nlohmann::ordered_json doctor_json(const DoctorReport& report);
std::string format_doctor_table(const DoctorReport& report);

}  // namespace pybcast
