#include "warm/harvest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "archive/frame_compressor.h"
#include "bcast/agreement.h"
#include "cache/user_root.h"
#include "tree/file_set.h"
#include "tree/tree_tar.h"
#include "util/cores.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/io.h"
#include "util/output_file.h"
#include "util/shared_fs_advice.h"
#include "util/temp_dir.h"
#include "warm/cache_validity.h"

namespace pybcast {

namespace {

using nlohmann::json;

constexpr size_t kTarBlock = size_t{1} << 20;

std::string encode(const std::vector<GainedFile>& files) {
  json j = json::array();
  for (const auto& f : files) j.push_back({f.path, f.size, f.xxh3, f.executable, f.carried});
  return j.dump();
}

std::vector<GainedFile> decode(std::string_view text) {
  std::vector<GainedFile> out;
  for (const json& f : json::parse(text))
    out.push_back({f.at(0).get<std::string>(), f.at(1).get<uint64_t>(), f.at(2).get<std::string>(), f.at(3).get<bool>(),
                   f.at(4).get<bool>()});
  return out;
}

/// A leader's copy of what its caches gained, so that what is sent is what
/// was hashed, whatever the tools do to their caches meanwhile. Removed with
/// everything in it when the harvest ends.
struct NodeGains {
  std::unique_ptr<TempDir> scratch;
  std::vector<GainedFile> files;

  std::string file(size_t index) const { return scratch->path() + "/" + std::to_string(index); }
};

/// Copies src into dst, returning its size and xxh3; nullopt if src is gone.
std::optional<std::pair<uint64_t, uint64_t>> copy_hashed(const std::string& src, const std::string& dst) {
  int fd = ::open(src.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return std::nullopt;  // replaced by a later rename, or removed
  if (fd < 0) throw_errno("cannot read " + src, errno);
  io::Fd in(fd);
  io::Fd out = io::open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  StreamHash hash;
  uint64_t size = io::copy_contents(in.get(), out.get(), src, dst, [&](auto bytes) { hash.update(bytes); });
  return std::pair{size, hash.digest()};
}

NodeGains list_gains(const CacheSnapshot& before, const HarvestRequest& request, bool copy) {
  NodeGains gains;
  UserRoot root = open_user_root(request.node_root);
  std::string caches_path = layout::caches_path(root.path);
  int fd = io::openat_raw(root.fd.get(), "caches", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd == -ENOENT) return gains;
  if (fd < 0) throw_errno("cannot read " + caches_path, -fd);
  io::Fd caches(fd);
  CacheSnapshot after = snapshot_caches(caches.get(), caches_path, request.caches);
  std::vector<CacheFile> gained = gained_files(before, after);
  std::set<std::string> new_paths;
  for (const CacheFile& f : gained) new_paths.insert(f.path);
  size_t gained_count = gained.size();
  for (const std::string& path : request.carried) {
    auto it = after.find(path);
    if (it != after.end() && !new_paths.contains(path)) gained.push_back(it->second);
  }
  if (copy) gains.scratch = std::make_unique<TempDir>(root.path, "harvest-");
  for (size_t i = 0; i < gained.size(); ++i) {
    const CacheFile& f = gained[i];
    GainedFile g{f.path, f.size, "", f.executable, i >= gained_count};
    if (copy) {
      auto copied = copy_hashed(caches_path + "/" + f.path, gains.file(gains.files.size()));
      if (!copied) continue;
      g.size = copied->first;
      g.xxh3 = hex64(copied->second);
    }
    gains.files.push_back(std::move(g));
  }
  return gains;
}

std::string received_file(const NodeGains& received, size_t node, size_t index) {
  return received.scratch->path() + "/n" + std::to_string(node) + "-" + std::to_string(index);
}

/// Sends each leader's kept files to rank 0 in rounds of at most
/// `round_bytes` per leader (rank 0 holds one round of every leader at
/// once); rank 0 writes node i's file k into `received` and checks it
/// against the hash its list gave. Every round starts with an agreement, so
/// a leader that fails (a read, a write) stops every leader at the next
/// round instead of leaving them waiting.
void transfer(Transport& leaders, const NodeGains& mine, const std::vector<bool>& send,
              const std::vector<std::vector<GainedFile>>& lists, const HarvestMerge& merge, NodeGains& received) {
  const bool root = leaders.rank() == 0;
  size_t nodes = static_cast<size_t>(leaders.size());
  size_t round_bytes =
      std::clamp<size_t>((size_t{128} << 20) / std::max<size_t>(nodes, 1), size_t{64} << 10, size_t{16} << 20);
  // The sender's position (rank 0 sends nothing: its own files are already here).
  size_t file = root ? mine.files.size() : 0;
  uint64_t offset = 0;
  auto next_to_send = [&] {
    while (file < mine.files.size() && (!send[file] || offset == mine.files[file].size)) {
      ++file;
      offset = 0;
    }
  };
  struct Receiving {
    size_t file = 0;
    uint64_t written = 0;
    std::optional<io::Fd> out;
    StreamHash hash;
  };
  std::vector<Receiving> receiving(root ? nodes : 0);
  auto skip_unsent = [&](size_t node, Receiving& r) {
    while (r.file < lists[node].size() && !merge.send[node][r.file]) ++r.file;
  };
  // Writes what node `node` sent; an empty file is made when it is reached.
  auto receive = [&](size_t node, std::span<const std::byte> part) {
    Receiving& r = receiving[node];
    const auto& list = lists[node];
    for (;;) {
      skip_unsent(node, r);
      if (r.file >= list.size()) {
        if (!part.empty()) fail("harvest: node {} sent more than its list", node);
        return;
      }
      const GainedFile& g = list[r.file];
      if (part.empty() && g.size != 0) return;  // the rest comes in a later round
      if (!r.out) {
        r.out.emplace(io::open(received_file(received, node, r.file), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        r.hash.reset();
        r.written = 0;
      }
      size_t take = static_cast<size_t>(std::min<uint64_t>(part.size(), g.size - r.written));
      io::write_all(r.out->get(), part.first(take), g.path);
      r.hash.update(part.first(take));
      r.written += take;
      part = part.subspan(take);
      if (r.written != g.size) return;
      if (hex64(r.hash.digest()) != g.xxh3) fail("harvest: node {}'s {} arrived damaged", node, g.path);
      r.out.reset();
      ++r.file;
    }
  };
  std::optional<std::string> failure;
  io::Fd reading;
  size_t reading_file = SIZE_MAX;
  for (;;) {
    next_to_send();
    int state = failure ? 2 : file < mine.files.size() ? 1 : 0;
    state = leaders.allreduce(state, Reduction::kMax);
    if (state == 2) {
      if (failure) fail("{}", *failure);
      fail("harvest stopped: another node failed");
    }
    if (state == 0) break;
    std::vector<std::byte> chunk;
    try {
      while (chunk.size() < round_bytes) {
        next_to_send();
        if (file >= mine.files.size()) break;
        if (reading_file != file) {
          reading = io::open(mine.file(file), O_RDONLY | O_CLOEXEC);
          reading_file = file;
        }
        size_t want =
            static_cast<size_t>(std::min<uint64_t>(round_bytes - chunk.size(), mine.files[file].size - offset));
        size_t at = chunk.size();
        chunk.resize(at + want);
        size_t got = io::pread_full(reading.get(), std::span(chunk).subspan(at, want), static_cast<off_t>(offset),
                                    mine.file(file));
        if (got != want) fail("harvest: {} shrank while it was sent", mine.files[file].path);
        offset += got;
      }
    } catch (const Error& e) {
      failure = e.what();
      chunk.clear();
    }
    std::vector<std::vector<std::byte>> parts = leaders.gatherv(chunk);
    if (!root || failure) continue;
    try {
      for (size_t node = 1; node < parts.size(); ++node) receive(node, parts[node]);
    } catch (const Error& e) {
      failure = e.what();
    }
  }
  if (!root) return;
  for (size_t node = 1; node < nodes; ++node) {
    receive(node, {});  // trailing empty files
    if (receiving[node].file < lists[node].size()) fail("harvest: node {} sent less than its list", node);
  }
}

std::string caches_bundle_name(const std::string& output) {
  std::string name = output.substr(output.rfind('/') + 1);
  for (const char* suffix : {".tar.zst", ".tzst", ".tar"})
    if (name.ends_with(suffix) && name.size() > std::string_view(suffix).size()) {
      name.resize(name.size() - std::string_view(suffix).size());
      break;
    }
  return name;
}

const char* variable_of(const std::string& cache) {
  for (const RuntimeCache& c : runtime_caches())
    if (cache == c.dir) return c.variable;
  return "";
}

/// Rank 0: the bundle, from its scratch copies, written whole or not at all.
uint64_t write_bundle(const HarvestRequest& request, const std::vector<std::vector<GainedFile>>& lists,
                      const HarvestMerge& merge, const NodeGains& own, const NodeGains& received,
                      const std::string& host, HarvestSummary& summary) {
  Manifest m = request.base;
  m.name = caches_bundle_name(request.output);
  m.kind = kCachesKind;
  m.caches.emplace();
  m.caches->machine = this_machine();
  m.caches->host = host;
  m.caches->nodes = lists.size();
  m.caches->differing = merge.differing;
  std::vector<PackEntry> entries;
  std::vector<std::string> dirs;
  std::map<std::string, ManifestCache> kinds;
  auto add_dirs = [&](const std::string& member) {
    for (size_t slash = member.find('/', std::string_view(kCachesMemberDir).size() + 1); slash != std::string::npos;
         slash = member.find('/', slash + 1))
      dirs.push_back(member.substr(0, slash));
  };
  dirs.push_back(kCachesMemberDir);
  for (const auto& kept : merge.kept) {
    const GainedFile& g = lists[kept.node][kept.index];
    std::string source = kept.node == 0 ? own.file(kept.index) : received_file(received, kept.node, kept.index);
    PackEntry e;
    e.member = std::string(kCachesMemberDir) + "/" + g.path;
    e.type = EntryType::file;
    e.source = source;
    e.executable = g.executable;
    struct stat st {};
    if (::lstat(source.c_str(), &st) != 0) throw_errno("harvest: " + source, errno);
    e = with_identity(e, st);
    e.size = g.size;
    e.xxh3 = g.xxh3;
    add_dirs(e.member);
    ManifestCache& k = kinds[cache_of(g.path)];
    k.name = cache_of(g.path);
    k.variable = variable_of(k.name);
    ++k.files;
    k.bytes += g.size;
    entries.push_back(std::move(e));
  }
  std::sort(dirs.begin(), dirs.end());
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  for (const auto& d : dirs) {
    PackEntry dir;
    dir.member = d;
    dir.type = EntryType::directory;
    entries.push_back(std::move(dir));
  }
  std::sort(entries.begin(), entries.end(), [](const PackEntry& a, const PackEntry& b) { return a.member < b.member; });
  m.dirs.emplace();
  m.entries.clear();
  m.unpacked_bytes = 0;
  for (const auto& e : entries) {
    if (e.type == EntryType::directory) {
      m.dirs->push_back(e.member);
      continue;
    }
    m.entries.push_back({e.member, e.size, e.xxh3, ""});
    m.unpacked_bytes += e.size;
  }
  m.files = m.entries.size();
  for (auto& [name, k] : kinds) {
    m.caches->kinds.push_back(k);
    for (auto& c : summary.caches)
      if (c.name == name) {
        c.saved_files = k.files;
        c.saved_bytes = k.bytes;
      }
  }
  OutputFile out(request.output);
  CompressionOptions c;
  c.kind = Compression::kZstd;
  c.level = default_level(Compression::kZstd);
  c.threads = static_cast<int>(std::min<unsigned>(available_cores(), 8));
  FrameCompressor compressor(c, out.fd(), request.output);
  TreeTar tar(manifest_to_json(m), std::move(entries));
  std::vector<std::byte> block(kTarBlock);
  for (uint64_t at = 0; at < tar.size();) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(block.size(), tar.size() - at));
    tar.read(at, std::span(block).first(n));
    compressor.write(std::span(block).first(n));
    at += n;
  }
  compressor.finish();
  out.commit();
  return compressor.bytes_out();
}

}  // namespace

HarvestMerge merge_gained(const std::vector<std::vector<GainedFile>>& by_node) {
  HarvestMerge merge;
  std::map<std::string, HarvestMerge::Kept> first;
  std::map<std::string, bool> counted;
  merge.send.resize(by_node.size());
  for (size_t node = 0; node < by_node.size(); ++node) merge.send[node].assign(by_node[node].size(), false);
  // Gained copies first (in node order), then carried ones.
  for (bool carried : {false, true})
    for (size_t node = 0; node < by_node.size(); ++node)
      for (size_t k = 0; k < by_node[node].size(); ++k) {
        const GainedFile& g = by_node[node][k];
        if (g.carried != carried) continue;
        auto [it, fresh] = first.emplace(g.path, HarvestMerge::Kept{node, k});
        if (fresh) continue;
        const GainedFile& kept = by_node[it->second.node][it->second.index];
        if (!carried && (kept.xxh3 != g.xxh3 || kept.size != g.size) && !counted[g.path]) {
          counted[g.path] = true;
          ++merge.differing;
        }
      }
  for (const auto& [path, kept] : first) {
    merge.kept.push_back(kept);
    merge.send[kept.node][kept.index] = true;
  }
  return merge;
}

HarvestSummary harvest_caches(const NodeTopology& topology, const CacheSnapshot& before,
                              const HarvestRequest& request) {
  Transport& world = topology.world();
  Transport* leaders = topology.leaders();
  const bool saving = !request.output.empty();
  NodeGains mine;
  run_agreed(world, [&] {
    if (leaders) mine = list_gains(before, request, saving);
  });
  std::vector<std::vector<GainedFile>> lists;
  HarvestMerge merge;
  NodeGains received;  // rank 0: what the other nodes sent, inside mine's scratch
  run_agreed(world, [&] {
    if (!leaders) return;
    std::string text = encode(mine.files);
    std::vector<std::vector<std::byte>> parts = leaders->gatherv(std::as_bytes(std::span(text)));
    std::optional<std::string> failure;
    std::string masks;
    if (leaders->rank() == 0) {
      try {
        for (const auto& part : parts)
          lists.push_back(decode(std::string_view(reinterpret_cast<const char*>(part.data()), part.size())));
        merge = merge_gained(lists);
        json j = json::array();
        for (const auto& node : merge.send) {
          std::string bits;
          for (bool b : node) bits.push_back(b ? '1' : '0');
          j.push_back(bits);
        }
        masks = j.dump();
      } catch (const std::exception& e) {
        failure = fmt::format("harvest: the nodes' lists cannot be merged: {}", e.what());
      }
    }
    if (!saving) {
      if (failure) fail("{}", *failure);
      return;
    }
    masks = leaders->bcast_string(0, masks);  // empty: rank 0 failed
    if (failure) fail("{}", *failure);
    if (masks.empty()) fail("harvest stopped: rank 0 failed");
    std::string my_mask = json::parse(masks).at(static_cast<size_t>(leaders->rank())).get<std::string>();
    std::vector<bool> send;
    for (char c : my_mask) send.push_back(c == '1');
    if (send.size() != mine.files.size()) fail("harvest: the merge does not match this node's list");
    if (leaders->rank() == 0) received.scratch = std::make_unique<TempDir>(mine.scratch->path(), "received-");
    transfer(*leaders, mine, send, lists, merge, received);
  });
  HarvestSummary summary;
  run_agreed(world, [&] {
    if (topology.world_rank() != 0) return;
    summary.nodes = static_cast<uint64_t>(lists.size());
    summary.differing = merge.differing;
    for (const auto& name : request.caches) summary.caches.push_back({name});
    for (const auto& list : lists) {
      if (std::any_of(list.begin(), list.end(), [](const GainedFile& g) { return !g.carried; }))
        ++summary.nodes_with_gains;
      for (const auto& g : list)
        for (auto& c : summary.caches)
          if (!g.carried && c.name == cache_of(g.path)) {
            ++c.gained_files;
            c.gained_bytes += g.size;
          }
    }
    if (saving && !merge.kept.empty())
      summary.bundle_bytes = write_bundle(request, lists, merge, mine, received, world.host(), summary);
  });
  return summary;
}

}  // namespace pybcast
