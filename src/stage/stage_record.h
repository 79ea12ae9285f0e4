#pragma once
// .pybcast/stage.json inside every cache entry: what was extracted, so that a
// warm job step can report file counts and symlink warnings without
// walking the tree.
#include <string>
#include <vector>

#include "archive/safe_writer.h"
#include "stage/stage_plan.h"

namespace pybcast {

struct StageRecord {
  StagePlan plan;
  ExtractStats stats;
  uint64_t tar_bytes = 0;
  std::vector<std::string> decoders;   ///< per bundle, as the extractor reported them
  uint64_t bytecode_linked = 0;        ///< .pyc linked into the PYTHONPYCACHEPREFIX mirror (stage/bytecode_mirror)
  uint64_t bytecode_mirror_inode = 0;  ///< of the mirror's top directory: a hit checks it is the same one
};

/// Writes the record beneath an entry being built (through its dir fd).
void write_stage_record(int entry_fd, const StageRecord& record);
/// Reads it back from a published entry; throws Error if missing or malformed.
StageRecord read_stage_record(int entry_fd, const std::string& shown);

std::string stage_record_to_json(const StageRecord& record);
StageRecord stage_record_from_json(const std::string& text);

}  // namespace pybcast
