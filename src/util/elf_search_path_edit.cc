#include "util/elf_search_path_edit.h"

#include <elf.h>
#include <fcntl.h>

#include <span>
#include <vector>

#include "util/error.h"
#include "util/io.h"

namespace pybcast {

namespace {

/// patchelf's removeRPath: every DT_RPATH/DT_RUNPATH before DT_NULL is
/// dropped, the later entries move down, the freed slots become DT_NULL.
template <typename Dyn>
void remove_tags(int fd, const ElfDynamic& dyn, const std::string& path) {
  std::vector<Dyn> entries(dyn.dynamic_entries);
  auto bytes = std::as_writable_bytes(std::span(entries));
  if (io::pread_full(fd, bytes, static_cast<off_t>(dyn.dynamic_offset), path) != bytes.size())
    throw Error(path + ": the dynamic section ends early");
  size_t last = 0, i = 0;
  for (; i < entries.size() && entries[i].d_tag != DT_NULL; ++i)
    if (entries[i].d_tag != DT_RPATH && entries[i].d_tag != DT_RUNPATH) entries[last++] = entries[i];
  for (size_t j = last; j < i; ++j) entries[j] = Dyn{};
  io::pwrite_all(fd, bytes, static_cast<off_t>(dyn.dynamic_offset), path);
}

}  // namespace

bool edit_search_path_in_place(const std::string& path, const ElfDynamic& dyn, const std::string& value) {
  if (dyn.has_rpath == dyn.has_runpath) return false;
  const std::string& old = dyn.has_runpath ? dyn.runpath_text : dyn.rpath_text;
  uint64_t offset = dyn.has_runpath ? dyn.runpath_offset : dyn.rpath_offset;
  if (!value.empty() && (value.size() > old.size() || offset == 0)) return false;
  io::Fd fd = io::open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (value.empty()) {
    if (dyn.elf64) remove_tags<Elf64_Dyn>(fd.get(), dyn, path);
    else remove_tags<Elf32_Dyn>(fd.get(), dyn, path);
    return true;
  }
  std::string text(old.size(), 'X');
  text.push_back('\0');  // the old text's own NUL stays
  text.replace(0, value.size() + 1, value.c_str(), value.size() + 1);
  io::pwrite_all(fd.get(), std::as_bytes(std::span(text)), static_cast<off_t>(offset), path);
  return true;
}

}  // namespace pybcast
