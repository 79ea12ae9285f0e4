#include "archive/zstd_frames.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "archive/frame_trailer.h"
#include "util/error.h"
#include "util/timer.h"

namespace pybcast {

namespace {

constexpr uint32_t kSkippableMagic = 0x184D2A50;  // the low 4 bits are free
constexpr size_t kPrefixBytes = 5;                // magic + frame header descriptor
constexpr size_t kMaxBlockBytes = size_t{128} << 10;

uint32_t le(const std::byte* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | std::to_integer<uint32_t>(p[i]);
  return v;
}

/// The frame header's size from its descriptor byte (RFC 8878, 3.1.1.1).
size_t header_bytes(std::byte descriptor) {
  unsigned d = std::to_integer<unsigned>(descriptor);
  bool single_segment = (d >> 5) & 1;
  static constexpr size_t kDictId[] = {0, 1, 2, 4};
  static constexpr size_t kContentSize[] = {0, 2, 4, 8};
  size_t content = (d >> 6) == 0 ? (single_segment ? 1 : 0) : kContentSize[d >> 6];
  return kPrefixBytes + (single_segment ? 0 : 1) + kDictId[d & 3] + content;
}

struct DCtx {
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ~DCtx() { ZSTD_freeDCtx(d); }
};

/// Cuts the input into frames; whole frames of a stated size go to the pool
/// (if there is one), any other frame is streamed here once every earlier
/// frame is handed out. Skippable frames are read: pack's trailer is held
/// against the frames before it.
class ParallelZstdDecoder : public Decoder {
 public:
  explicit ParallelZstdDecoder(FrameDecodePool* pool) : pool_(pool) {
    if (pool_) frames_.emplace(pool_->workers());
  }

  std::string name() const override {
    if (pooled_ == 0) return "zstd";
    if (streamed_ == 0) return fmt::format("zstd, {} frames on {} threads", pooled_, pool_->threads());
    return fmt::format("zstd, {} of {} frames on {} threads", pooled_, pooled_ + streamed_, pool_->threads());
  }

  Step decode(std::span<const std::byte> in, std::span<std::byte> out) override {
    Step step;
    step.produced = hand_out(out, input_ended_);
    while (step.produced < out.size()) {
      if (ready_ && !submit_ready(out, step)) return step;
      if (mode_ == Mode::kStream) {
        if (has_pending()) {
          step.produced += hand_out(out.subspan(step.produced), true);
          if (has_pending()) return step;  // out is full
        }
        if (!stream(in, out, step)) return step;
        continue;
      }
      if (source(in, step).empty()) break;
      collect(in, step);
    }
    // Input used up: hand out what the pool finished meanwhile, without waiting.
    step.produced += hand_out(out.subspan(step.produced), false);
    return step;
  }

  void end_input() override { input_ended_ = true; }

  void finish() override {
    // An incomplete cut frame: the stream decoder's verdict, in its words
    // (a bad magic number, say, rather than truncation).
    if (!frame_.empty()) {
      std::vector<std::byte> scratch(ZSTD_DStreamOutSize());
      ZSTD_inBuffer input{frame_.data(), frame_.size(), 0};
      while (input.pos < input.size) {
        ZSTD_outBuffer output{scratch.data(), scratch.size(), 0};
        size_t r = ZSTD_decompressStream(stream_.d, &output, &input);
        if (ZSTD_isError(r)) fail("corrupt zstd data ({})", ZSTD_getErrorName(r));
      }
    }
    if (!started_ || mode_ == Mode::kStream || !frame_.empty() || ready_ || !rest_.empty())
      fail("truncated zstd data (the last frame is incomplete)");
  }

 private:
  enum class Mode { kCollect, kStream };
  enum class Stage { kPrefix, kSkippableSize, kHeader, kBlockHeader, kBlock, kLastBlock, kEnd };

  /// Bytes still to decode: those given back by a streamed frame, then `in`.
  std::span<const std::byte> source(std::span<const std::byte> in, const Step& step) const {
    if (!rest_.empty()) return std::span<const std::byte>(rest_).subspan(rest_pos_);
    return in.subspan(step.consumed);
  }
  void took(size_t n, Step& step) {
    if (rest_.empty()) {
      step.consumed += n;
    } else if ((rest_pos_ += n) == rest_.size()) {
      rest_.clear();
      rest_pos_ = 0;
    }
  }

  /// Frames submitted to the pool and not yet handed out whole.
  bool has_pending() const { return front_ || (frames_ && frames_->pending() > 0); }

  /// Copies decoded frames out in order; waits for the front one if `wait`.
  /// A corrupt frame's error is thrown when its turn comes.
  size_t hand_out(std::span<std::byte> out, bool wait) {
    size_t copied = 0;
    while (copied < out.size()) {
      if (!front_) {
        if (!frames_ || frames_->pending() == 0 || (!wait && !frames_->front_ready())) break;
        front_ = frames_->take();
        front_pos_ = 0;
      }
      size_t n = std::min(out.size() - copied, front_->size - front_pos_);
      if (n > 0) std::memcpy(out.data() + copied, front_->bytes.get() + front_pos_, n);
      copied += n;
      front_pos_ += n;
      if (front_pos_ == front_->size) {
        in_flight_ -= front_->cost;
        front_.reset();
      }
    }
    return copied;
  }

  /// Takes source bytes into the frame being cut, as far as it is known to reach.
  void collect(std::span<const std::byte> in, Step& step) {
    started_ = true;
    std::span<const std::byte> src = source(in, step);
    size_t take = std::min(src.size(), target_ - frame_.size());
    frame_.insert(frame_.end(), src.begin(), src.begin() + static_cast<ptrdiff_t>(take));
    took(take, step);
    while (mode_ == Mode::kCollect && !ready_ && frame_.size() == target_) advance();
  }

  /// The frame's first `target_` bytes are here: learns what comes next.
  void advance() {
    const std::byte* p = frame_.data();
    switch (stage_) {
      case Stage::kPrefix: {
        uint32_t magic = le(p, 4);
        if ((magic & 0xFFFFFFF0u) == kSkippableMagic) {
          stage_ = Stage::kSkippableSize;
          target_ = 8;
        } else if (magic == ZSTD_MAGICNUMBER) {
          stage_ = Stage::kHeader;
          target_ = header_bytes(p[4]);
        } else {
          to_stream();  // the stream decoder says what is wrong
        }
        return;
      }
      case Stage::kSkippableSize:
        if (le(p + 4, 4) > FrameDecodePool::kMaxFrameBytes) {
          streaming_skippable_ = true;  // libzstd skips it; it is nobody's trailer
          return to_stream();
        }
        target_ = 8 + le(p + 4, 4);
        stage_ = Stage::kEnd;
        return;
      case Stage::kHeader: {
        if (pool_ == nullptr) return to_stream();
        unsigned long long content = ZSTD_getFrameContentSize(p, frame_.size());
        if (content == ZSTD_CONTENTSIZE_UNKNOWN || content == ZSTD_CONTENTSIZE_ERROR ||
            content > FrameDecodePool::kMaxFrameBytes)
          return to_stream();
        content_ = static_cast<size_t>(content);
        checksum_ = (std::to_integer<unsigned>(p[4]) >> 2) & 1;
        // No valid frame is longer; block headers and checksum are the slack.
        limit_ = ZSTD_compressBound(content_) + target_;
        frame_.reserve(limit_ + 8);
        stage_ = Stage::kBlockHeader;
        target_ += 3;
        return;
      }
      case Stage::kBlockHeader: {
        uint32_t block = le(p + target_ - 3, 3);
        unsigned type = (block >> 1) & 3;
        size_t size = block >> 3;
        if (type == 3 || size > kMaxBlockBytes || target_ + size > limit_) return to_stream();
        target_ += type == 1 ? 1 : size;  // an RLE block stores its byte once
        stage_ = (block & 1) ? Stage::kLastBlock : Stage::kBlock;
        return;
      }
      case Stage::kBlock:
        target_ += 3;
        stage_ = Stage::kBlockHeader;
        return;
      case Stage::kLastBlock:
        stage_ = Stage::kEnd;
        if (checksum_) {
          target_ += 4;
          return;
        }
        [[fallthrough]];
      case Stage::kEnd:
        if (le(p, 4) != ZSTD_MAGICNUMBER) {  // a skippable frame: nothing to decode
          if (auto trailer = parse_zstd_trailer(le(p, 4), std::span(frame_).subspan(8))) tally_.trailer(*trailer);
          next_frame();
          return;
        }
        ready_ = true;
        return;
    }
  }

  /// Sends the cut frame to the pool, first handing out (and waiting for)
  /// earlier frames while it would exceed the budget. False: `out` is full.
  bool submit_ready(std::span<std::byte> out, Step& step) {
    size_t cost = frame_.capacity() + content_;
    while (has_pending() && in_flight_ + cost > pool_->budget_bytes()) {
      step.produced += hand_out(out.subspan(step.produced), true);
      if (step.produced == out.size()) return false;
    }
    tally_.data_frame(content_, checksum_ ? le(frame_.data() + frame_.size() - 4, 4) : 0);
    in_flight_ += cost;
    frames_->submit(pool_->decode_task(std::move(frame_), content_, cost));
    ++pooled_;
    next_frame();
    return true;
  }

  void next_frame() {
    frame_ = {};
    ready_ = false;
    stage_ = Stage::kPrefix;
    target_ = kPrefixBytes;
    content_ = 0;
  }

  /// Decodes the frame being cut as a stream: its bytes go back to the source.
  void to_stream() {
    mode_ = Mode::kStream;
    // A frame's checksum, if its header says it has one, is its last 4 bytes.
    stream_checksum_ = frame_.size() >= kPrefixBytes && le(frame_.data(), 4) == ZSTD_MAGICNUMBER &&
                       ((std::to_integer<unsigned>(frame_[4]) >> 2) & 1);
    frame_.insert(frame_.end(), rest_.begin() + static_cast<ptrdiff_t>(rest_pos_), rest_.end());
    rest_ = std::move(frame_);
    rest_pos_ = 0;
    frame_ = {};
  }

  /// Streams the current frame. False: `out` is full, or the input is used
  /// up with room to spare in `out`.
  bool stream(std::span<const std::byte> in, std::span<std::byte> out, Step& step) {
    std::span<const std::byte> src = source(in, step);
    ZSTD_inBuffer input{src.data(), src.size(), 0};
    ZSTD_outBuffer output{out.data() + step.produced, out.size() - step.produced, 0};
    size_t r = ZSTD_decompressStream(stream_.d, &output, &input);
    if (ZSTD_isError(r)) fail("corrupt zstd data ({})", ZSTD_getErrorName(r));
    step.produced += output.pos;
    stream_content_ += output.pos;
    for (size_t i = input.pos > 4 ? input.pos - 4 : 0; i < input.pos; ++i)  // the frame's last 4 bytes so far
      stream_tail_ = (stream_tail_ >> 8) | (std::to_integer<uint32_t>(src[i]) << 24);
    took(input.pos, step);
    if (r == 0) {  // the frame ended; the bytes after it start the next one
      if (!streaming_skippable_) {
        ++streamed_;
        tally_.data_frame(stream_content_, stream_checksum_ ? stream_tail_ : 0);
      }
      streaming_skippable_ = false;
      stream_content_ = 0;
      next_frame();
      mode_ = Mode::kCollect;
      return true;
    }
    if (output.pos == output.size) return false;
    return !source(in, step).empty();
  }

  FrameDecodePool* pool_;  ///< null: every frame is streamed here
  DCtx stream_;
  FrameTally tally_{"zstd", "frame"};
  uint64_t stream_content_ = 0;       ///< decoded so far of the frame being streamed
  uint32_t stream_tail_ = 0;          ///< its last 4 compressed bytes so far (little-endian)
  bool stream_checksum_ = false;      ///< it has a checksum
  bool streaming_skippable_ = false;  ///< the frame being streamed is a skippable one
  Mode mode_ = Mode::kCollect;
  Stage stage_ = Stage::kPrefix;
  std::vector<std::byte> frame_;  ///< the bytes of the frame being cut
  size_t target_ = kPrefixBytes;  ///< bytes of it known to exist so far
  size_t limit_ = 0;              ///< the most a frame of its content size can take
  size_t content_ = 0;
  bool checksum_ = false;
  bool ready_ = false;  ///< frame_ is a whole frame, not yet submitted
  bool started_ = false;
  bool input_ended_ = false;
  std::vector<std::byte> rest_;  ///< bytes given back to the source by to_stream()
  size_t rest_pos_ = 0;
  /// Frames submitted to the pool, in order; gone with the decoder, and so
  /// are those not yet decoded (a failed bundle's).
  std::optional<OrderedPool<FrameDecodePool::Decoded>> frames_;
  std::optional<FrameDecodePool::Decoded> front_;  ///< taken from frames_, being handed out
  size_t front_pos_ = 0;
  size_t in_flight_ = 0;
  uint64_t pooled_ = 0;
  uint64_t streamed_ = 0;
};

}  // namespace

std::unique_ptr<Decoder> make_zstd_decoder(FrameDecodePool* pool) {
  return std::make_unique<ParallelZstdDecoder>(pool);
}

// Not a DCtx member: a field of an anonymous-namespace type in a class of
// external linkage is -Wsubobject-linkage in a unity build (this file is then
// not the main file).
struct FrameDecodePool::Context {
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ~Context() { ZSTD_freeDCtx(d); }
};

FrameDecodePool::FrameDecodePool(unsigned threads)
    // Room for one frame of the largest size (compressed + decoded), or two
    // of pack's (4 MiB + about 1.5 MiB) per thread.
    : budget_(std::max(2 * kMaxFrameBytes + kSlackBytes, size_t{2} * threads * (size_t{6} << 20))),
      stats_(std::max(threads, 1u)),
      workers_(std::max(threads, 1u)) {
  for (size_t i = 0; i < stats_.size(); ++i) contexts_.push_back(std::make_unique<Context>());
}

FrameDecodePool::~FrameDecodePool() = default;

std::vector<FrameThreadStats> FrameDecodePool::stats() {
  std::lock_guard lock(mutex_);
  return stats_;
}

OrderedPool<FrameDecodePool::Decoded>::Task FrameDecodePool::decode_task(std::vector<std::byte> frame, size_t content,
                                                                         size_t cost) {
  return [this, frame = std::move(frame), content, cost](unsigned worker) {
    Decoded decoded{std::make_unique_for_overwrite<std::byte[]>(content), content, cost};
    double start = monotonic_seconds();
    size_t r = ZSTD_decompressDCtx(contexts_[worker]->d, decoded.bytes.get(), content, frame.data(), frame.size());
    {
      std::lock_guard lock(mutex_);
      stats_[worker].busy_seconds += monotonic_seconds() - start;
      stats_[worker].frames += 1;
      stats_[worker].bytes += content;
    }
    if (ZSTD_isError(r)) fail("corrupt zstd data ({})", ZSTD_getErrorName(r));
    if (r != content) fail("corrupt zstd data (the frame holds less than its header says)");
    return decoded;
  };
}

}  // namespace pybcast
