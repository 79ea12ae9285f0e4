#include "tree/file_set.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "util/error.h"
#include "util/io.h"

namespace pybcast {

namespace {

constexpr int kMaxDepth = 256;

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    i += n;
  }
  return true;
}

std::string read_link(const std::string& path) {
  std::string target(256, '\0');
  while (true) {
    ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n < 0) throw_errno(path, errno);
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

PackEntry make_entry(const std::string& member, EntryType type, const std::string& source = "",
                     const std::string& link = "", bool executable = false, uint64_t size = 0) {
  PackEntry e;
  e.member = member;
  e.type = type;
  e.source = source;
  e.link = link;
  e.executable = executable;
  e.size = size;
  return e;
}

std::string child(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "/" + name;
}

}  // namespace

namespace {
int64_t ns(const timespec& t) { return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec; }
}  // namespace

PackEntry with_identity(PackEntry e, const struct stat& st) {
  e.mtime_ns = ns(st.st_mtim);
  e.ctime_ns = ns(st.st_ctim);
  e.inode = st.st_ino;
  return e;
}

bool same_as_walk(const PackEntry& e, const struct stat& st) {
  return S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) == e.size && ns(st.st_mtim) == e.mtime_ns &&
         ns(st.st_ctim) == e.ctime_ns && (e.inode == 0 || st.st_ino == e.inode);
}

std::optional<std::string> normalize_member(std::string_view path) {
  if (!path.empty() && path.front() == '/') return std::nullopt;
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string joined;
  for (auto p : parts) {
    if (!joined.empty()) joined += '/';
    joined += p;
  }
  return joined;
}

std::string parent_path(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? "" : path.substr(0, slash));
}

std::string file_name(std::string_view path) { return std::string(path.substr(path.rfind('/') + 1)); }

std::optional<std::string> join_member(std::string_view dir, std::string_view relative) {
  if (!relative.empty() && relative.front() == '/') return std::nullopt;
  return normalize_member(std::string(dir) + "/" + std::string(relative));
}

void FileSet::add(const std::string& source, const std::string& member, bool follow) {
  auto normal = normalize_member(member);
  if (!normal) fail("cannot place {} at '{}': not a path inside the bundle", source, member);
  if (!normal->empty() && filter_.excluded(*normal)) return;
  walk(source, *normal, 0, follow);
}

void FileSet::walk(const std::string& source, const std::string& member, int depth, bool follow) {
  if (depth > kMaxDepth) fail("{}: directories nested more than {} deep", source, kMaxDepth);
  if (!valid_utf8(member)) fail("{}: file name is not valid UTF-8", source);
  struct stat st {};
  ++metadata_calls_;
  if ((follow ? ::stat(source.c_str(), &st) : ::lstat(source.c_str(), &st)) != 0) {
    if (errno == ELOOP) fail("symlink loop: {}", source);
    throw_errno(source, errno);
  }
  if (S_ISLNK(st.st_mode)) {
    struct stat target {};
    metadata_calls_ += 2;
    if (::stat(source.c_str(), &target) != 0 && errno == ELOOP)
      fail("symlink loop: {} -> {}", source, read_link(source));
    insert(with_identity(make_entry(member, EntryType::symlink, source, read_link(source)), st));
  } else if (S_ISREG(st.st_mode)) {
    insert(with_identity(
        make_entry(member, EntryType::file, source, "", (st.st_mode & 0111) != 0, static_cast<uint64_t>(st.st_size)),
        st));
  } else if (S_ISDIR(st.st_mode)) {
    if (!member.empty()) insert(with_identity(make_entry(member, EntryType::directory, source), st));
    ++metadata_calls_;
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(source.c_str()), ::closedir);
    if (!dir) throw_errno(source, errno);
    std::vector<std::string> names;
    errno = 0;
    while (dirent* e = ::readdir(dir.get())) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    if (errno != 0) throw_errno(source, errno);
    dir.reset();
    std::sort(names.begin(), names.end());  // the same first error on every run
    for (const auto& name : names) {
      std::string m = child(member, name);
      if (!filter_.excluded(m)) walk(source + "/" + name, m, depth + 1, false);
    }
  } else {
    warnings_.push_back(fmt::format("left out {}: not a regular file, directory or symlink", source));
  }
}

void FileSet::insert(PackEntry entry) {
  changed();
  // Checked while walking, so that a huge tree is refused early, not walked whole.
  if (max_entries_ != 0 && entries_.size() >= max_entries_)
    fail("more than {} entries (stopped at {})", max_entries_, entry.source);
  auto [it, inserted] = entries_.try_emplace(entry.member, entry);
  if (inserted) return;
  PackEntry& old = it->second;
  bool same = old.type == entry.type && (old.source == entry.source || old.type == EntryType::directory);
  if (!same)
    warnings_.push_back(fmt::format("{}: found both at {} and at {}; keeping the first", entry.member,
                                    old.source.empty() ? "(generated)" : old.source, entry.source));
}

void FileSet::put_file(const std::string& source, const std::string& member, bool executable) {
  struct stat st {};
  ++metadata_calls_;
  if (::stat(source.c_str(), &st) != 0) throw_errno(source, errno);
  changed();
  entries_[member] =
      with_identity(make_entry(member, EntryType::file, source, "", executable, static_cast<uint64_t>(st.st_size)), st);
}

void FileSet::put_symlink(const std::string& member, const std::string& target) {
  changed();
  entries_[member] = make_entry(member, EntryType::symlink, "", target);
}

void FileSet::relocate(const std::string& from, const std::string& to) {
  if (from == to) return;
  changed();
  std::vector<PackEntry> moved;
  for (auto it = entries_.lower_bound(from); it != entries_.end() && it->first.starts_with(from);) {
    const std::string& m = it->first;
    if (m.size() != from.size() && m[from.size()] != '/') {
      ++it;
      continue;
    }
    PackEntry e = std::move(it->second);
    e.member = to + m.substr(from.size());
    moved.push_back(std::move(e));
    it = entries_.erase(it);
  }
  for (auto& e : moved) insert(std::move(e));
}

size_t FileSet::remove_if(const std::function<bool(const PackEntry&)>& drop) {
  changed();
  return std::erase_if(entries_, [&](const auto& item) { return drop(item.second); });
}

const PackEntry* FileSet::find(const std::string& member) const {
  auto it = entries_.find(member);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<PackEntry> FileSet::entries() const {
  if (listed_) return *listed_;
  // Parents nobody added (a made-up file's directories); the set is not
  // copied: trees have 10^5 entries and this is asked for often.
  std::map<std::string, PackEntry> missing;
  for (const auto& [member, entry] : entries_) {
    for (size_t slash = member.rfind('/'); slash != std::string::npos && slash > 0;
         slash = member.rfind('/', slash - 1)) {
      std::string parent = member.substr(0, slash);
      if (auto it = entries_.find(parent); it != entries_.end()) {
        // The extractor refuses any write through a symlink; refuse it here already.
        if (it->second.type != EntryType::directory)
          fail("{} would be packed below {}, which is not a directory", member, parent);
        break;
      }
      if (missing.contains(parent)) break;  // that parent's own parents are in already
      missing.emplace(parent, make_entry(parent, EntryType::directory));
    }
  }
  std::vector<PackEntry> out;
  out.reserve(entries_.size() + missing.size());
  auto a = entries_.cbegin();
  auto b = missing.cbegin();
  while (a != entries_.cend() || b != missing.cend()) {
    bool take_a = b == missing.cend() || (a != entries_.cend() && a->first < b->first);
    out.push_back(take_a ? (a++)->second : (b++)->second);
  }
  listed_ = out;
  return out;
}

void read_file_chunks(const std::string& path, const std::function<void(std::span<const std::byte>)>& chunk) {
  struct stat st {};
  io::Fd fd = io::open_without_blocking(path, O_RDONLY | O_NOFOLLOW, st);
  if (!S_ISREG(st.st_mode))
    fail("{} changed since it was listed: it is now {}, not a regular file", path, io::type_name(st.st_mode));
  std::vector<std::byte> buffer(kFileChunkBytes);
  off_t offset = 0;
  while (true) {
    size_t n = io::pread_full(fd.get(), buffer, offset, path);
    if (n > 0) chunk(std::span(buffer.data(), n));
    if (n < buffer.size()) return;
    offset += static_cast<off_t>(n);
  }
}

}  // namespace pybcast
