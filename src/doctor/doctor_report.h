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

struct DoctorReport {
  PythonFacts python;
  std::vector<Location> locations;
  std::optional<Measurement> measure;
};

/// Bumped only when a key changes meaning or type or goes away; new keys may be added.
constexpr int kDoctorSchema = 1;

/// How many locations are on a shared file system.
size_t shared_locations(const DoctorReport& report);
/// True when a location, or a measured operation, is on a shared file system.
bool anything_shared(const DoctorReport& report);

nlohmann::ordered_json doctor_json(const DoctorReport& report);
std::string format_doctor_table(const DoctorReport& report);

}  // namespace pybcast
