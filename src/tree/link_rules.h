#pragma once
// What a staged tree may keep pointing at outside itself, as pure rules:
// which paths every node has, what a member symlink becomes, and what an ELF
// file's RUNPATH/RPATH becomes. relink.h applies them to a FileSet.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pybcast {

/// True for an absolute, lexically normal path in (or beneath) a directory
/// every node has from its own OS image: /lib, /usr/lib, /lib64, /usr/lib64
/// (and so their multiarch forms such as /usr/lib/x86_64-linux-gnu) and /etc.
bool is_system_path(std::string_view path);

/// The relative path from member directory `from_dir` to member `to`
/// ("a/b", "a/c/d" -> "../c/d"; "a", "a" -> ".").
std::string relative_member(std::string_view from_dir, std::string_view to);

enum class LinkKind {
  inside,    ///< lands inside the packed set: kept (made relative if it was absolute)
  system,    ///< lands in a system directory: an absolute symlink to that path
  replace,   ///< lands anywhere else: the target's content is packed in its place
  dangling,  ///< points at nothing: kept as it is, and named in a warning
};

struct LinkDecision {
  LinkKind kind = LinkKind::inside;
  std::string link;  ///< inside/system: the member's (new) target; replace: the path on disk to pack
};

/// What the facts about one symlink member say it becomes.
struct SymlinkFacts {
  std::string member;       ///< prefix-relative member path
  std::string link;         ///< its target as written
  std::string disk_target;  ///< the target resolved against the symlink's directory on disk, absolute and
                            ///< lexically normal; "" when the symlink has no place on disk (made up by pack)
  bool exists = true;       ///< the target exists on disk (following every link)
};

/// `is_member` says whether a member path is in the packed set (a file,
/// symlink or directory); `member_of` maps a path on disk to the member
/// packed from it, if any.
LinkDecision classify_symlink(const SymlinkFacts& facts, const std::function<bool(const std::string&)>& is_member,
                              const std::function<std::optional<std::string>(const std::string&)>& member_of);

struct SearchPathRewrite {
  std::vector<std::string> entries;  ///< the new list, in order
  std::vector<std::string> outside;  ///< absolute entries outside the prefix and the system directories
  bool changed = false;              ///< entries differ from the text
};

/// RUNPATH/RPATH `text` of the ELF member `member`, packed from the prefix
/// spelled as any of `prefixes` (absolute, lexically normal): entries inside
/// the prefix become $ORIGIN-relative, unless they name a system directory
/// (a /usr prefix) that is not in the packed set (`is_member`); empty and
/// relative entries (which the loader takes from the working directory) are
/// dropped; $ORIGIN, system and other entries are kept as they are.
SearchPathRewrite rewrite_search_path(const std::string& text, const std::string& member,
                                      const std::vector<std::string>& prefixes,
                                      const std::function<bool(const std::string&)>& is_member);

}  // namespace pybcast
