#include "archive/decoded_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.h"

namespace pybcast {

namespace {

constexpr size_t kInputBytes = size_t{1} << 20;
constexpr size_t kDetectBytes = 6;  ///< what detect_compression needs

}  // namespace

DecodedFile::DecodedFile(const std::string& path, unsigned frame_threads) : path_(path), in_(kInputBytes) {
  int fd = io::openat_raw(AT_FDCWD, path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open: {}", std::strerror(-fd));
  fd_.reset(fd);
  if (frame_threads > 0) pool_.emplace(frame_threads);
}

// The decoder goes before the pool: the pool's threads then skip the frames
// nobody waits for (a reader that stopped early).
DecodedFile::~DecodedFile() { decoder_.reset(); }

bool DecodedFile::refill() {
  in_pos_ = 0;
  in_size_ = 0;
  for (;;) {
    ssize_t n = ::read(fd_.get(), in_.data(), in_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read: {}", std::strerror(errno));
    in_size_ = static_cast<size_t>(n);
    return n > 0;
  }
}

size_t DecodedFile::read(std::span<std::byte> out) {
  if (failure_) throw Error(*failure_);
  if (finished_ || out.empty()) return 0;
  try {
    return decode_into(out);
  } catch (const Error& e) {
    failure_ = e.what();
    throw;
  }
}

size_t DecodedFile::decode_into(std::span<std::byte> out) {
  if (!decoder_) {
    // A pipe may give the first bytes in pieces; a file gives them at once.
    size_t head = 0;
    while (head < kDetectBytes) {
      ssize_t n = ::read(fd_.get(), in_.data() + head, in_.size() - head);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail("cannot read: {}", std::strerror(errno));
      if (n == 0) break;
      head += static_cast<size_t>(n);
    }
    in_size_ = head;
    if (head == 0) fail("the file is empty");
    Compression kind = detect_compression(std::span(in_).first(head));
    decoder_ = make_decoder(kind, GzipInflater::kIsal, pool_ ? &*pool_ : nullptr);
  }
  // As staging feeds its decoder (stream_extractor.cc): every byte of the
  // file, then, after end_input(), empty input until it has less than `out` to give.
  for (;;) {
    if (in_pos_ == in_size_ && !input_ended_ && !refill()) {
      input_ended_ = true;
      decoder_->end_input();
    }
    Decoder::Step step = decoder_->decode(std::span(in_).subspan(in_pos_, in_size_ - in_pos_), out);
    in_pos_ += step.consumed;
    if (input_ended_ && step.produced < out.size()) {
      decoder_->finish();
      finished_ = true;
      return step.produced;
    }
    if (step.produced > 0) return step.produced;
  }
}

void DecodedFile::read_to_end() {
  std::vector<std::byte> sink(kInputBytes);
  while (read(sink) > 0) {
  }
}

}  // namespace pybcast
