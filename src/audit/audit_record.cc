#include "audit/audit_record.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "util/error.h"

namespace pybcast {

namespace {

void* map_region(int fd) {
  void* region = ::mmap(nullptr, pybcast_audit_region_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (region == MAP_FAILED) throw_errno("--audit: mmap of the audit table", errno);
  return region;
}

}  // namespace

uint64_t PathOps::total() const {
  uint64_t sum = 0;
  for (uint64_t n : ops) sum += n;
  return sum;
}

const char* audit_op_name(int op) {
  static constexpr const char* kNames[PYBCAST_AUDIT_OPS] = {"open", "stat", "access", "readdir", "readlink", "search"};
  return op >= 0 && op < PYBCAST_AUDIT_OPS ? kNames[op] : "?";
}

AuditRecord AuditRecord::create() {
  int fd = ::memfd_create("pybcast-audit", 0);
  if (fd < 0) throw_errno("--audit: memfd_create", errno);
  if (::ftruncate(fd, static_cast<off_t>(pybcast_audit_region_size())) != 0) {
    int err = errno;
    ::close(fd);
    throw_errno("--audit: sizing the audit table", err);
  }
  AuditRecord record(fd, map_region(fd));
  pybcast_audit_header* h = record.header();
  h->slots = PYBCAST_AUDIT_SLOTS;
  h->arena_size = PYBCAST_AUDIT_ARENA;
  h->enabled = 1;
  __atomic_store_n(&h->magic, PYBCAST_AUDIT_MAGIC, __ATOMIC_RELEASE);
  return record;
}

std::optional<AuditRecord> AuditRecord::attach() {
  const char* text = std::getenv(PYBCAST_AUDIT_FD_ENV);
  if (text == nullptr || *text == '\0') return std::nullopt;
  int fd = std::atoi(text);
  if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) return std::nullopt;
  AuditRecord record(fd, map_region(fd));
  if (record.header()->magic != PYBCAST_AUDIT_MAGIC) return std::nullopt;
  return record;
}

AuditRecord::AuditRecord(AuditRecord&& other) noexcept : fd_(other.fd_), region_(other.region_) {
  other.fd_ = -1;
  other.region_ = nullptr;
}

AuditRecord& AuditRecord::operator=(AuditRecord&& other) noexcept {
  std::swap(fd_, other.fd_);
  std::swap(region_, other.region_);
  return *this;
}

AuditRecord::~AuditRecord() {
  // The preload library keeps its own mapping; ours goes, and the fd with it.
  if (region_ != nullptr) ::munmap(region_, pybcast_audit_region_size());
  if (fd_ >= 0) ::close(fd_);
}

void AuditRecord::skip_under(const std::string& prefix) {
  pybcast_audit_header* h = header();
  std::string p = prefix;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (p.empty() || p.size() >= sizeof h->skip_prefix) return;  // then the launcher's filter alone applies
  __atomic_store_n(&h->skip_length, 0u, __ATOMIC_RELEASE);
  std::memcpy(h->skip_prefix, p.data(), p.size());
  __atomic_store_n(&h->skip_length, static_cast<uint32_t>(p.size()), __ATOMIC_RELEASE);
}

void AuditRecord::stop() { __atomic_store_n(&header()->enabled, 0u, __ATOMIC_RELEASE); }

std::vector<PathOps> AuditRecord::snapshot() const {
  const pybcast_audit_header* h = header();
  const auto* base = static_cast<const char*>(region_);
  const auto* slots = reinterpret_cast<const pybcast_audit_slot*>(base + pybcast_audit_slots_offset());
  const auto* order = reinterpret_cast<const uint32_t*>(base + pybcast_audit_order_offset());
  const char* arena = base + pybcast_audit_arena_offset();
  std::vector<PathOps> out;
  uint32_t used = std::min(__atomic_load_n(&h->used, __ATOMIC_ACQUIRE), h->slots);
  for (uint32_t n = 0; n < used; ++n) {
    uint32_t i = __atomic_load_n(&order[n], __ATOMIC_RELAXED);
    if (i >= h->slots) continue;
    const pybcast_audit_slot& slot = slots[i];
    if (__atomic_load_n(&slot.ready, __ATOMIC_ACQUIRE) != 1) continue;
    PathOps entry;
    entry.path.assign(arena + slot.path_offset, slot.path_length);
    for (int op = 0; op < PYBCAST_AUDIT_OPS; ++op) entry.ops[op] = __atomic_load_n(&slot.ops[op], __ATOMIC_RELAXED);
    entry.failed = __atomic_load_n(&slot.failed, __ATOMIC_RELAXED);
    if (entry.total() > 0) out.push_back(std::move(entry));
  }
  return out;
}

uint64_t AuditRecord::dropped() const { return __atomic_load_n(&header()->dropped, __ATOMIC_RELAXED); }

}  // namespace pybcast
