#include "stage/image_entry.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "cache/node_layout.h"
#include "stage/stage_record.h"
#include "util/error.h"

namespace pybcast {

ImageReceiver::ImageReceiver(int tmp_fd, uint64_t size, std::string bundle)
    : file_(io::openat(tmp_fd, layout::kImageFile, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600,
                       layout::kImageFile)),
      check_(size),
      bundle_(std::move(bundle)) {}

void ImageReceiver::write(std::span<const std::byte> bytes) {
  io::pwrite_all(file_.get(), bytes, static_cast<off_t>(offset_), layout::kImageFile);
  check_.update(bytes);
  offset_ += bytes.size();
}

void ImageReceiver::finish() {
  try {
    check_.finish();
  } catch (const Error& e) {
    throw e.with_context(fmt::format("bundle '{}'", bundle_));
  }
  if (::fchmod(file_.get(), 0444) != 0) throw_errno(layout::kImageFile, errno);
  file_.reset();
}

std::optional<std::string> check_image_entry(int entry_fd, const std::string& shown, const std::string& key,
                                             bool verify) {
  StageRecord record;
  try {
    record = read_stage_record(entry_fd, shown);
  } catch (const Error& e) {
    return fmt::format("has no usable stage record ({})", e.what());
  }
  if (record.plan.key != key) return fmt::format("is recorded as key {}", record.plan.key);
  int fd = io::openat_raw(entry_fd, layout::kImageFile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return fmt::format("has no image: {}", std::strerror(-fd));
  io::Fd image(fd);
  struct stat st = io::fstat(image.get(), shown);
  uint64_t expected = record.plan.sizes.empty() ? 0 : record.plan.sizes[0];
  if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) return "has an image that is not a regular file of ours";
  if (static_cast<uint64_t>(st.st_size) != expected)
    return fmt::format("has an image of {} bytes, {} staged", st.st_size, expected);
  if ((st.st_mode & 0222) != 0) return "has an image that was made writable";
  if (!verify) return std::nullopt;
  ImageCheck check(expected);
  std::vector<std::byte> block(size_t{1} << 20);
  for (uint64_t at = 0; at < expected;) {
    size_t n = io::pread_full(image.get(), block, static_cast<off_t>(at), shown);
    if (n == 0) break;
    check.update(std::span(block).first(n));
    at += n;
  }
  try {
    check.finish();
  } catch (const Error& e) {
    return fmt::format("was changed after staging: {}", e.what());
  }
  return std::nullopt;
}

}  // namespace pybcast
