#include "util/fs_probe.h"

#include <sys/vfs.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace pybcast {

namespace {

struct Known {
  uint32_t magic;
  const char* name;
  bool shared;
};

// From linux/magic.h and the file systems' own sources (Lustre, GPFS, BeeGFS,
// PanFS are out of tree). FUSE counts as shared: sshfs, CVMFS, GlusterFS,
// Weka and friends answer metadata from a daemon, often over the network.
constexpr Known kKnown[] = {
    {0x0BD00BD0, "lustre", true},    {0x47504653, "gpfs", true},       {0x6969, "nfs", true},
    {0xFF534D42, "cifs", true},      {0xFE534D42, "smb2", true},       {0x517B, "smb", true},
    {0x19830326, "beegfs", true},    {0xAAD7AAEA, "panfs", true},      {0x00C36400, "ceph", true},
    {0x20030528, "pvfs2", true},     {0x5346414F, "afs", true},        {0x65735546, "fuse", true},
    {0x01021997, "9p", true},        {0x01161970, "gfs2", true},       {0x7461636F, "ocfs2", true},
    {0x01021994, "tmpfs", false},    {0xEF53, "ext4", false},          {0x58465342, "xfs", false},
    {0x9123683E, "btrfs", false},    {0x794C7630, "overlayfs", false}, {0x2FC12FC1, "zfs", false},
    {0x858458F6, "ramfs", false},    {0x9FA0, "proc", false},          {0x62656572, "sysfs", false},
    {0x73717368, "squashfs", false}, {0x4D44, "vfat", false},          {0x5346544E, "ntfs", false},
    {0xF2F52010, "f2fs", false},
};

bool real_statfs(const std::string& path, int64_t& magic) {
  struct statfs st {};
  if (::statfs(path.c_str(), &st) != 0) return false;
  magic = static_cast<int64_t>(st.f_type);
  return true;
}

/// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_octal(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    bool octal = i + 3 < field.size();
    for (size_t j = i + 1; octal && j <= i + 3; ++j) octal = field[j] >= '0' && field[j] <= '7';
    if (field[i] == '\\' && octal) {
      out += static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

}  // namespace

std::function<bool(const std::string& path, int64_t& magic)> statfs_seam = real_statfs;

FsKind classify_fs_magic(int64_t magic) {
  auto value = static_cast<uint32_t>(magic & 0xFFFFFFFF);
  for (const auto& k : kKnown)
    if (k.magic == value) return FsKind{k.name, k.shared, true, value};
  return FsKind{fmt::format("unknown (0x{:x})", value), false, true, value};
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
    if (!p.has_relative_path()) return FsKind{"missing", false, false, 0};
    p = p.parent_path();
  }
}

std::vector<Mount> parse_mountinfo(const std::string& text) {
  // id parent major:minor root MOUNTPOINT options [optional...] - TYPE source super-options
  std::vector<Mount> mounts;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string id, parent, device, root, point, field;
    if (!(fields >> id >> parent >> device >> root >> point)) continue;
    while (fields >> field && field != "-") {
    }
    std::string type;
    if (field == "-" && fields >> type) mounts.push_back({unescape_octal(point), unescape_octal(type)});
  }
  return mounts;
}

std::vector<Mount> read_mounts() {
  std::ifstream in("/proc/self/mountinfo");
  std::stringstream text;
  text << in.rdbuf();
  return parse_mountinfo(text.str());
}

const Mount* find_mount(const std::vector<Mount>& mounts, const std::string& path) {
  const Mount* best = nullptr;
  for (const auto& m : mounts) {
    bool under = m.point == "/" || path == m.point || path.starts_with(m.point + "/");
    if (under && (best == nullptr || m.point.size() >= best->point.size())) best = &m;
  }
  return best;
}

std::string absolute_lexical(const std::string& path, const std::string& cwd) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = std::filesystem::path(cwd) / p;
  std::string normal = p.lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

}  // namespace pybcast
