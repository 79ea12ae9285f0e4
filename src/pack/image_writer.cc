#include "pack/image_writer.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "archive/squashfs_image.h"
#include "bundle/metadata_layout.h"
#include "pack/bundle_reader.h"
#include "tree/file_set.h"
#include "util/cores.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/io.h"
#include "util/output_file.h"
#include "util/spawned_child.h"

namespace pybcast {

namespace {

constexpr size_t kBlock = size_t{1} << 20;

/// tar2sqfs may exit before reading all we write: that must be its error
/// message, not our death by SIGPIPE. Blocked in this thread only.
class NoSigpipe {
 public:
  NoSigpipe() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
  }
  ~NoSigpipe() {
    timespec no_wait{};
    while (::sigtimedwait(&pipe_, nullptr, &no_wait) == SIGPIPE) {
    }
    ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }

 private:
  sigset_t pipe_, previous_;
};

}  // namespace

bool is_image_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  io::Fd file(fd);
  std::byte head[4];
  return ::pread(fd, head, sizeof head, 0) == 4 && is_squashfs(head);
}

namespace {

/// Whether the file ends with a pybcast image trailer.
bool has_image_trailer(int fd, uint64_t size) {
  std::array<std::byte, kImageTrailerBytes> tail{};
  if (size < kImageTrailerBytes) return false;
  return io::pread_full(fd, tail, static_cast<off_t>(size - kImageTrailerBytes), "") == tail.size() &&
         parse_image_trailer(tail).has_value();
}

/// A squashfs image made elsewhere (mksquashfs, tar2sqfs, a site's image):
/// copied as it is, with the trailer every node verifies. Its content is not
/// judged here: mounted, it is read-only, nosuid and nodev, and extracted
/// (no FUSE) it meets staging's member rules.
ImageResult seal_image(const std::string& input, const std::string& output) {
  io::Fd in = io::open(input, O_RDONLY | O_CLOEXEC);
  uint64_t size = static_cast<uint64_t>(io::fstat(in.get(), input).st_size);
  if (has_image_trailer(in.get(), size)) fail("{} is an image bundle already", input);
  std::array<std::byte, kSquashfsSuperblockBytes> head{};
  std::optional<SquashfsSuperblock> super;
  if (io::pread_full(in.get(), head, 0, input) == head.size()) super = parse_squashfs_superblock(head);
  if (!super || super->major != 4)
    fail("{}: not a squashfs 4.0 image (too short, another version, or a damaged superblock)", input);
  if (super->bytes_used > size)
    fail("{}: its superblock says {} bytes used, the file has {}: cut short", input, super->bytes_used, size);
  OutputFile out(output);
  StreamHash hash;
  std::vector<std::byte> block(kBlock);
  uint64_t at = 0;
  while (size_t n = io::pread_full(in.get(), block, static_cast<off_t>(at), input)) {
    hash.update(std::span(block).first(n));
    io::pwrite_all(out.fd(), std::span(block).first(n), static_cast<off_t>(at), out.temp_path());
    at += n;
    if (n < block.size()) break;
  }
  if (at != size) fail("{} changed while it was read ({} bytes, then {})", input, size, at);
  io::pwrite_all(out.fd(), encode_image_trailer({size, hash.digest()}), static_cast<off_t>(size), out.temp_path());
  out.commit();
  return ImageResult{size + kImageTrailerBytes, {}};
}

}  // namespace

ImageResult write_image(const std::vector<std::string>& bundles, const std::string& output,
                        const ImageOptions& options) {
  if (options.level < 1 || options.level > 22) fail("--level {}: squashfs zstd takes 1 to 22", options.level);
  if (options.block_bytes < 4096 || options.block_bytes > (1u << 20) ||
      (options.block_bytes & (options.block_bytes - 1)) != 0)
    fail("--block-size {}: a power of two from 4K to 1M", options.block_bytes);
  if (bundles.empty()) fail("pack image: no bundles given");
  std::vector<std::pair<std::string, std::string>> named;
  nlohmann::json record = {{"format", 1}, {"bundles", nlohmann::json::array()}};
  if (bundles.size() == 1 && is_image_file(bundles[0])) return seal_image(bundles[0], output);
  for (const auto& bundle : bundles) {
    if (is_image_file(bundle))
      fail("{} is a squashfs image: `pack image` seals one such image on its own, or makes one image of tar bundles",
           bundle);
    // A pack-made bundle is checked against its manifest first, as staging would.
    bool has_manifest = true;
    try {
      read_manifest_text(bundle);
    } catch (const Error&) {
      has_manifest = false;
    }
    if (has_manifest) {
      VerifyReport report = verify_bundle(bundle);
      if (!report.problems.empty())
        fail("{} does not match its manifest ({} problems; first: {})", bundle, report.problems.size(),
             report.problems.front());
    }
    named.emplace_back(bundle, file_name(bundle));
    record["bundles"].push_back(file_name(bundle));
  }

  OutputFile out(output);
  int threads = options.threads > 0 ? options.threads : static_cast<int>(available_cores());
  std::vector<std::string> argv{"tar2sqfs",
                                "--quiet",
                                "--force",
                                "--no-skip",
                                "--no-xattr",
                                "--compressor",
                                "zstd",
                                "--comp-extra",
                                fmt::format("level={}", options.level),
                                "--block-size",
                                std::to_string(options.block_bytes),
                                "--num-jobs",
                                std::to_string(std::max(threads, 1)),
                                out.temp_path()};
  ImageResult result;
  {
    SpawnedChild child(argv, {.pipe = SpawnOptions::Pipe::kStdin});
    std::optional<Error> writing;
    {
      NoSigpipe guard;
      try {
        result.warnings = write_merged_tar(named, {{kImageRecord, record.dump() + "\n"}}, child.pipe_fd());
      } catch (const Error& e) {
        writing = e;
      }
    }
    if (writing && std::string_view(writing->what()).find("cannot write the merged tar") == std::string_view::npos)
      throw *writing;  // a bundle's fault: ours to say, whatever tar2sqfs makes of the cut stream
    SpawnedExit exit = child.wait();
    if (exit.status != 0) fail("cannot make the image {}: {}", output, describe_exit("tar2sqfs", exit));
    if (writing) throw *writing;
  }
  // tar2sqfs wrote by name: read back what it wrote, hash it, add the trailer.
  io::Fd image = io::open(out.temp_path(), O_RDWR | O_CLOEXEC);
  StreamHash hash;
  std::vector<std::byte> block(kBlock);
  uint64_t size = 0;
  while (size_t n = io::pread_full(image.get(), block, static_cast<off_t>(size), out.temp_path())) {
    hash.update(std::span(block).first(n));
    size += n;
    if (n < block.size()) break;
  }
  auto trailer = encode_image_trailer({size, hash.digest()});
  io::pwrite_all(image.get(), trailer, static_cast<off_t>(size), out.temp_path());
  out.commit();
  result.bytes = size + kImageTrailerBytes;
  return result;
}

}  // namespace pybcast
