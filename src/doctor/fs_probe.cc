#include "doctor/fs_probe.h"

#include <sys/vfs.h>

#include <filesystem>

#include <fmt/format.h>

namespace pybcast {

namespace {

struct Known {
  int64_t magic;
  const char* name;
  bool shared;
};

// From linux/magic.h and the file systems' own sources (Lustre, GPFS, BeeGFS,
// PanFS are out of tree).
constexpr Known kKnown[] = {
    {0x0BD00BD0, "lustre", true},   {0x47504653, "gpfs", true},    {0x6969, "nfs", true},
    {0xFF534D42, "cifs", true},     {0xFE534D42, "smb2", true},    {0x517B, "smb", true},
    {0x19830326, "beegfs", true},   {0xAAD7AAEA, "panfs", true},   {0x00C36400, "ceph", true},
    {0x20030528, "pvfs2", true},    {0x5346414F, "afs", true},     {0x65735546, "fuse", true},
    {0x01021997, "9p", true},       {0x01021994, "tmpfs", false},  {0xEF53, "ext4", false},
    {0x58465342, "xfs", false},     {0x9123683E, "btrfs", false},  {0x794C7630, "overlayfs", false},
    {0x2FC12FC1, "zfs", false},     {0x858458F6, "ramfs", false},  {0x9FA0, "proc", false},
    {0x62656572, "sysfs", false},   {0x73717368, "squashfs", false}, {0x4D44, "vfat", false},
    {0x5346544E, "ntfs", false},    {0xF2F52010, "f2fs", false},
};

bool real_statfs(const std::string& path, int64_t& magic) {
  struct statfs st {};
  if (::statfs(path.c_str(), &st) != 0) return false;
  magic = static_cast<int64_t>(st.f_type);
  return true;
}

}  // namespace

std::function<bool(const std::string& path, int64_t& magic)> statfs_seam = real_statfs;

FsKind classify_fs_magic(int64_t magic) {
  for (const auto& k : kKnown)
    if (k.magic == (magic & 0xFFFFFFFF)) return FsKind{k.name, k.shared, true};
  return FsKind{fmt::format("unknown (0x{:x})", magic), false, true};
}

FsKind probe_fs(const std::string& path) {
  std::filesystem::path p = std::filesystem::absolute(path);
  for (;;) {
    int64_t magic = 0;
    if (statfs_seam(p.string(), magic)) {
      FsKind kind = classify_fs_magic(magic);
      kind.exists = p == std::filesystem::absolute(path);
      return kind;
    }
    if (!p.has_relative_path()) return FsKind{"missing", false, false};
    p = p.parent_path();
  }
}

}  // namespace pybcast
