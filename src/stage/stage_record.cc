#include "stage/stage_record.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "bundle/metadata_layout.h"
#include "util/error.h"
#include "util/io.h"

namespace pybcast {

namespace {
constexpr const char* kRecordDir = kMetadataDir;
constexpr const char* kRecordName = kStageRecordName;
}  // namespace

std::string stage_record_to_json(const StageRecord& record) {
  nlohmann::json bundles = nlohmann::json::array();
  for (size_t i = 0; i < record.plan.names.size(); ++i)
    bundles.push_back({{"name", record.plan.names[i]}, {"size", record.plan.sizes[i]}});
  const ExtractStats& s = record.stats;
  nlohmann::json j = {
      {"format", 1},
      {"key", record.plan.key},
      {"bundles", bundles},
      {"files", s.files},
      {"dirs", s.dirs},
      {"symlinks", s.symlinks},
      {"hardlinks", s.hardlinks},
      {"bytes", s.bytes},
      {"tar_bytes", record.tar_bytes},
      {"bytecode_linked", record.bytecode_linked},
      {"bytecode_mirror_inode", record.bytecode_mirror_inode},
      {"decoders", record.decoders},
      {"conflicts", s.conflicts},
      {"outside_symlink_count", s.outside_symlink_count},
      {"outside_symlinks", s.outside_symlinks},
  };
  return j.dump(1) + "\n";
}

StageRecord stage_record_from_json(const std::string& text) {
  StageRecord record;
  try {
    nlohmann::json j = nlohmann::json::parse(text);
    record.plan.key = j.at("key").get<std::string>();
    for (const auto& b : j.at("bundles")) {
      record.plan.names.push_back(b.at("name").get<std::string>());
      record.plan.sizes.push_back(b.at("size").get<uint64_t>());
    }
    ExtractStats& s = record.stats;
    s.files = j.at("files").get<uint64_t>();
    s.dirs = j.at("dirs").get<uint64_t>();
    s.symlinks = j.at("symlinks").get<uint64_t>();
    s.hardlinks = j.at("hardlinks").get<uint64_t>();
    s.bytes = j.at("bytes").get<uint64_t>();
    s.conflicts = j.at("conflicts").get<uint64_t>();
    s.outside_symlink_count = j.at("outside_symlink_count").get<uint64_t>();
    s.outside_symlinks = j.at("outside_symlinks").get<std::vector<std::string>>();
    record.tar_bytes = j.at("tar_bytes").get<uint64_t>();
    record.bytecode_linked = j.value("bytecode_linked", uint64_t{0});
    record.bytecode_mirror_inode = j.value("bytecode_mirror_inode", uint64_t{0});
    record.decoders = j.value("decoders", std::vector<std::string>{});  // absent in entries of earlier versions
  } catch (const nlohmann::json::exception& e) {
    fail("malformed stage record: {}", e.what());
  }
  return record;
}

void write_stage_record(int entry_fd, const StageRecord& record) {
  // The directory may already hold bundle manifests; it must not be a symlink.
  // Extraction left it read-only, like every directory of the entry: open up, write, close again.
  io::mkdirat(entry_fd, kRecordDir, 0755, kRecordDir);
  io::Fd dir = io::openat(entry_fd, kRecordDir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, kRecordDir);
  if (::fchmod(dir.get(), 0755) != 0) throw_errno(std::string("chmod ") + kRecordDir, errno);
  io::Fd file = io::openat(dir.get(), kRecordName, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0444,
                           std::string(kRecordDir) + "/" + kRecordName);
  std::string text = stage_record_to_json(record);
  io::write_all(file.get(), std::as_bytes(std::span(text.data(), text.size())), kRecordName);
  if (::fchmod(dir.get(), 0555) != 0) throw_errno(std::string("chmod ") + kRecordDir, errno);
}

StageRecord read_stage_record(int entry_fd, const std::string& shown) {
  std::string path = std::string(kRecordDir) + "/" + kRecordName;
  int fd = io::openat_raw(entry_fd, kRecordDir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd < 0) throw_errno(shown + "/" + kRecordDir, -fd);
  io::Fd dir(fd);
  io::Fd file = io::openat(dir.get(), kRecordName, O_RDONLY | O_NOFOLLOW, 0, shown + "/" + path);
  std::string text;
  char buffer[65536];
  ssize_t n;
  while ((n = ::read(file.get(), buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  if (n < 0) throw_errno(shown + "/" + path, errno);
  try {
    return stage_record_from_json(text);
  } catch (const Error& e) {
    throw e.with_context(shown + "/" + path);
  }
}

}  // namespace pybcast
