#include "util/elf_deps.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <bit>
#include <cstring>
#include <span>

#include "util/io.h"
#include "util/settings.h"

namespace pybcast {

namespace {

template <typename T>
bool read_at(int fd, T* out, size_t count, uint64_t offset, const std::string& path) {
  auto bytes = std::span(reinterpret_cast<std::byte*>(out), sizeof(T) * count);
  return io::pread_full(fd, bytes, static_cast<off_t>(offset), path) == bytes.size();
}

template <typename Ehdr, typename Phdr, typename Dyn>
std::optional<ElfDynamic> read_dynamic(int fd, const std::string& path) {
  Ehdr eh{};
  if (!read_at(fd, &eh, 1, 0, path) || eh.e_phentsize != sizeof(Phdr) || eh.e_phnum == 0 || eh.e_phnum > 4096)
    return std::nullopt;
  std::vector<Phdr> ph(eh.e_phnum);
  if (!read_at(fd, ph.data(), ph.size(), eh.e_phoff, path)) return std::nullopt;
  const Phdr* dynamic = nullptr;
  for (const auto& p : ph)
    if (p.p_type == PT_DYNAMIC) dynamic = &p;
  if (dynamic == nullptr || dynamic->p_filesz > (1u << 20)) return std::nullopt;
  std::vector<Dyn> dyn(dynamic->p_filesz / sizeof(Dyn));
  if (!read_at(fd, dyn.data(), dyn.size(), dynamic->p_offset, path)) return std::nullopt;

  uint64_t strtab = 0, strsz = 0;
  for (const auto& d : dyn) {
    if (d.d_tag == DT_STRTAB) strtab = d.d_un.d_ptr;
    if (d.d_tag == DT_STRSZ) strsz = d.d_un.d_val;
  }
  // DT_STRTAB is an address; find the loadable segment that maps it.
  uint64_t offset = 0;
  bool mapped = false;
  for (const auto& p : ph) {
    if (p.p_type == PT_LOAD && strtab >= p.p_vaddr && strtab < p.p_vaddr + p.p_filesz) {
      offset = p.p_offset + (strtab - p.p_vaddr);
      mapped = true;
    }
  }
  if (!mapped || strsz == 0 || strsz > (64u << 20)) return std::nullopt;
  std::string strings(strsz, '\0');
  if (!read_at(fd, strings.data(), strsz, offset, path)) return std::nullopt;
  auto text = [&](uint64_t at) { return at < strings.size() ? std::string(strings.c_str() + at) : std::string(); };

  ElfDynamic out;
  out.elf64 = sizeof(Dyn) == sizeof(Elf64_Dyn);
  out.dynamic_offset = dynamic->p_offset;
  out.dynamic_entries = dyn.size();
  for (const auto& d : dyn) {
    if (d.d_tag == DT_NULL) break;
    if (d.d_tag == DT_NEEDED) out.needed.push_back(text(d.d_un.d_val));
    if (d.d_tag == DT_RPATH) {
      out.has_rpath = true;
      out.rpath_text = text(d.d_un.d_val);
      if (d.d_un.d_val + out.rpath_text.size() < strsz) out.rpath_offset = offset + d.d_un.d_val;
      out.rpath = split_list(out.rpath_text);
    }
    if (d.d_tag == DT_RUNPATH) {
      out.has_runpath = true;
      out.runpath_text = text(d.d_un.d_val);
      if (d.d_un.d_val + out.runpath_text.size() < strsz) out.runpath_offset = offset + d.d_un.d_val;
      out.runpath = split_list(out.runpath_text);
    }
    if (d.d_tag == DT_SONAME) out.soname = text(d.d_un.d_val);
  }
  return out;
}

}  // namespace

std::optional<ElfDynamic> read_elf_dynamic(const std::string& path) {
  struct stat st {};
  io::Fd fd = io::open_without_blocking(path, O_RDONLY, st);
  if (!S_ISREG(st.st_mode)) return std::nullopt;  // a FIFO, say, replaced since a walk listed it
  unsigned char ident[EI_NIDENT] = {};
  if (!read_at(fd.get(), ident, EI_NIDENT, 0, path) || std::memcmp(ident, ELFMAG, SELFMAG) != 0) return std::nullopt;
  const unsigned char native = std::endian::native == std::endian::little ? ELFDATA2LSB : ELFDATA2MSB;
  if (ident[EI_DATA] != native) return std::nullopt;
  if (ident[EI_CLASS] == ELFCLASS64) return read_dynamic<Elf64_Ehdr, Elf64_Phdr, Elf64_Dyn>(fd.get(), path);
  if (ident[EI_CLASS] == ELFCLASS32) return read_dynamic<Elf32_Ehdr, Elf32_Phdr, Elf32_Dyn>(fd.get(), path);
  return std::nullopt;
}

}  // namespace pybcast
