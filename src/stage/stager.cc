#include "stage/stager.h"

#include <fcntl.h>

#include <climits>
#include <ctime>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "archive/fd_budget.h"
#include "archive/stream_extractor.h"
#include "bcast/agreement.h"
#include "bcast/mpi_transport.h"
#include "bcast/node_topology.h"
#include "cache/cache_gc.h"
#include "cache/stage_cache.h"
#include "stage/bundle_set.h"
#include "stage/bytecode_mirror.h"
#include "stage/entry_check.h"
#include "stage/image_entry.h"
#include "stage/image_mount.h"
#include "stage/stage_record.h"
#include "util/diagnostics.h"
#include "util/error.h"
#include "util/spawned_child.h"
#include "util/timer.h"
#include "util/units.h"

namespace pybcast {

namespace {

constexpr int kMaxRounds = 8;

/// An extraction that finished without failure, not yet published.
struct Extraction {
  ExtractionDir tmp;
  ExtractResult result;
  bool image = false;  ///< tmp holds a verified image to publish as images/<key>, not a tree
};

class Stager {
 public:
  Stager(Transport& world, const StageRequest& request) : request_(request), topology_(world, request.virtual_nodes) {}

  StageOutcome run();

 private:
  bool is_root() const { return topology_.world_rank() == 0; }
  /// Runs a local step; a failure is recorded for the next agreement.
  void guarded(const std::function<void()>& body) { record_failure(status_, body); }
  /// Every rank passes here as it enters step `phase`: the test seam
  /// (StageRequest::before_phase) fails this rank there, as a failure of any
  /// of its threads during the step would.
  void enter(std::string_view phase) {
    if (request_.before_phase) guarded([&] { request_.before_phase(phase); });
  }
  void agree(bool with_location);
  bool pending() const { return claim_ == Claim::kExtract || claim_ == Claim::kBusy; }
  unsigned extract_threads() const {
    return request_.extract_threads ? request_.extract_threads : default_extract_threads();
  }
  void share_fds();
  void open_bundles();
  void share_plan();
  void check_cache();
  void prepare_trees();
  void stream_round();
  std::optional<Extraction> extract_stream(Transport& stream);
  std::optional<Extraction> receive_image(Transport& stream);
  std::optional<Extraction> extract_image(ExtractionDir& image_dir);
  void mount_image();
  void share_mount_name();
  void publish(std::optional<Extraction> extraction);
  void wait_for_other_job();
  bool any_node_pending();
  Claim claim();
  void trim_cache();
  void finish(StageOutcome& outcome);

  const StageRequest& request_;
  NodeTopology topology_;
  Stopwatch clock_;
  LocalStatus status_;
  RankSample sample_;
  FdShares fds_;                        // what this rank's bundles and extraction may hold
  std::unique_ptr<BundleSet> bundles_;  // rank 0
  StagePlan plan_;
  layout::NodeRoot node_root_;
  std::optional<StageCache> cache_;  // leaders
  CacheLock lock_;
  std::optional<Claim> claim_;         // leaders
  std::optional<StageRecord> record_;  // this leader's extraction, if it extracted
  /// Rank 0's node-local scratch for directories' rewritten ELF files (a
  /// tmp-<key>- directory: removed as stale if the job is killed).
  std::optional<ExtractionDir> tree_scratch_;
  bool mount_here_ = false;                  // leaders: this node mounts the image bundle
  std::optional<std::string> no_mount_;      // leaders: why an image bundle is extracted here
  std::shared_ptr<ImageMount> mount_;        // leaders that mounted
  std::string mount_name_;                   // image bundles mounted on this node: the slot in cache/
  std::shared_ptr<MountUsers> mount_users_;  // ranks of a node that mounted: held while they live
};

void Stager::agree(bool with_location) {
  std::string where;
  if (with_location && status_.failed())
    where = fmt::format(" (on {}, rank {})", topology_.label(), topology_.world_rank());
  throw_agreed_failure(topology_.world(), status_, where);
}

void Stager::share_fds() {
  enter("share_fds");
  // Before staging opens anything: what MPI and the launcher hold now is off the limit.
  guarded([&] {
    try {
      fds_ = pybcast::share_fds(measure_fd_usage(), FdNeeds{topology_.leader(), extract_threads() > 1,
                                                            is_root() ? request_.bundles.size() : 0});
    } catch (const Error& e) {
      throw e.with_context(topology_.label());
    }
  });
}

void Stager::open_bundles() {
  enter("open_bundles");
  if (!is_root() || status_.failed()) return;
  PhaseTimer timer(sample_, kOpen, clock_);
  guarded([&] {
    bundles_ = std::make_unique<BundleSet>(request_.pkgroot, request_.bundles, request_.trees, fds_.open_bundles);
    for (const auto& w : bundles_->tree_warnings()) diag::warning(w);
    plan_.names = bundles_->names();
    plan_.sizes = bundles_->sizes();
    plan_.trees = bundles_->trees();
    plan_.images = bundles_->images();
    for (size_t i = 0; i < plan_.images.size(); ++i)
      if (plan_.images[i] && plan_.names.size() > 1)
        fail(
            "bundle '{}' is an image: an image must be the only bundle of a job for now; make one image of them "
            "all with `pybcast pack image BUNDLE... -o OUT.sqfs`",
            plan_.names[i]);
    plan_.key = derive_cache_key(bundles_->identities());
    // Fail here, not mid-stream, if the chunk size is unusable.
    plan_chunks({}, request_.chunk_size);
  });
}

void Stager::share_plan() {
  plan_ = StagePlan::decode(bcast_string(topology_.world(), 0, is_root() ? plan_.encode() : std::string()));
  node_root_ = {request_.chroot, topology_.is_virtual() ? std::optional<int>(topology_.node_index()) : std::nullopt};
  enter("share_plan");
}

void Stager::check_cache() {
  enter("check_cache");
  if (!topology_.leader()) return;
  PhaseTimer timer(sample_, kCache, clock_);
  guarded([&] {
    cache_.emplace(open_user_root(node_root_));
    if (plan_.is_image()) {
      if (!request_.mount_images) no_mount_ = "`pybcast stage` extracts images: its mount would end with it";
      else no_mount_ = fuse_unavailable();
      mount_here_ = !no_mount_;
    }
    lock_ = cache_->lock_file(plan_.key);
    // No shared lock: another job holds it exclusively, extracting.
    claim_ = lock_.try_shared() ? claim() : Claim::kBusy;
  });
}

void Stager::prepare_trees() {
  // Directories become tar streams only when some node extracts: a warm
  // step costs rank 0 the walk alone.
  if (!plan_.has_trees()) return;
  enter("prepare_trees");
  if (is_root()) {
    PhaseTimer timer(sample_, kOpen, clock_);
    guarded([&] {
      std::string scratch;
      if (cache_) {
        tree_scratch_.emplace(cache_->make_tmp(plan_.key));
        scratch = cache_->root_path() + "/" + tree_scratch_->name();
      }
      bundles_->prepare_trees(scratch);
      plan_.sizes = bundles_->sizes();
    });
  }
  agree(false);
  plan_ = StagePlan::decode(bcast_string(topology_.world(), 0, is_root() ? plan_.encode() : std::string()));
}

void Stager::stream_round() {
  int extract_here = claim_ == Claim::kExtract && !status_.failed();
  if (!allreduce_max(topology_.world(), extract_here)) return;
  prepare_trees();
  enter("stream");
  std::unique_ptr<Transport> stream =
      topology_.world().split(is_root() || extract_here ? 0 : Transport::kNoGroup, topology_.world_rank());
  // Every rank passes publish; those that extracted publish there.
  publish(stream ? extract_stream(*stream) : std::nullopt);
}

std::optional<Extraction> Stager::extract_stream(Transport& transport) {
  if (plan_.is_image()) return receive_image(transport);
  const bool extract_here = claim_ == Claim::kExtract;
  BufferPool pool(request_.pipeline.window + 4, ChunkPipeline::buffer_bytes(request_.chunk_size));
  std::optional<ExtractionDir> tmp;
  std::optional<StreamExtractor> extractor;  // after tmp: its threads stop before tmp goes
  if (extract_here) {
    guarded([&] {
      tmp.emplace(cache_->make_tmp(plan_.key));
      uint64_t free = cache_->free_bytes();
      if (plan_.total_bytes() > free)
        fail("not enough space in {}: the bundles alone are {} compressed, {} free", cache_->root_path(),
             format_bytes(static_cast<double>(plan_.total_bytes())), format_bytes(static_cast<double>(free)));
      ExtractOptions options;
      options.threads = extract_threads();
      options.dir_fds = fds_.dir_cache;
      options.queued_files = fds_.queued_bodies;
      options.gzip_inflater = request_.gzip_inflater;
      options.chunk_window_bytes = (request_.pipeline.window + 4) * ChunkPipeline::buffer_bytes(request_.chunk_size);
      extractor.emplace(
          tmp->fd(), plan_.names, status_, [&pool](std::byte* b) { pool.release(b); }, options);
    });
  }
  ChunkPipeline::Sink sink;
  if (extractor) {
    sink = [&](const ChunkSpec& spec, std::byte* buffer, std::span<const std::byte> payload) {
      extractor->push(StreamChunk{spec.bundle, payload.data(), payload.size(), spec.last, buffer});
    };
  }
  ChunkPipeline pipeline(transport, plan_chunks(plan_.sizes, request_.chunk_size), pool, status_, plan_.names,
                         topology_.label(), request_.pipeline);
  PipelineStats stats;
  {
    PhaseTimer timer(sample_, kBroadcast, clock_);
    stats = pipeline.run(is_root() ? bundles_.get() : nullptr, sink);
  }
  sample_.moved_bytes += static_cast<double>(stats.bytes);
  // Rank 0 reads while it broadcasts: its read time is measured inside the pipeline.
  if (is_root()) sample_.add(kRead, stats.read_seconds, sample_.started[kBroadcast]);
  if (!extractor) return std::nullopt;
  ExtractResult result;
  {
    PhaseTimer timer(sample_, kExtract, clock_);
    result = extractor->finish();
  }
  sample_.at_least(kExtract, result.busy_seconds);  // extraction overlapped the broadcast
  if (status_.failed()) return std::nullopt;
  // The extractor's threads have stopped: the directory may leave its scope.
  return Extraction{std::move(*tmp), std::move(result)};
}

std::optional<Extraction> Stager::receive_image(Transport& transport) {
  const bool here = claim_ == Claim::kExtract;
  BufferPool pool(request_.pipeline.window + 4, ChunkPipeline::buffer_bytes(request_.chunk_size));
  std::optional<ExtractionDir> tmp;
  std::optional<ImageReceiver> receiver;
  if (here) {
    guarded([&] {
      tmp.emplace(cache_->make_tmp(plan_.key));
      uint64_t free = cache_->free_bytes();
      if (plan_.total_bytes() > free)
        fail("not enough space in {}: the image is {}, {} free", cache_->root_path(),
             format_bytes(static_cast<double>(plan_.total_bytes())), format_bytes(static_cast<double>(free)));
      receiver.emplace(tmp->fd(), plan_.sizes[0], plan_.names[0]);
    });
  }
  ChunkPipeline::Sink sink;
  if (receiver) {
    // Written and hashed as it arrives, on the pipeline's thread: a copy into
    // memory, no decoding.
    sink = [&](const ChunkSpec&, std::byte* buffer, std::span<const std::byte> payload) {
      if (!status_.failed()) guarded([&] { receiver->write(payload); });
      pool.release(buffer);
    };
  }
  ChunkPipeline pipeline(transport, plan_chunks(plan_.sizes, request_.chunk_size), pool, status_, plan_.names,
                         topology_.label(), request_.pipeline);
  PipelineStats stats;
  {
    PhaseTimer timer(sample_, kBroadcast, clock_);
    stats = pipeline.run(is_root() ? bundles_.get() : nullptr, sink);
  }
  sample_.moved_bytes += static_cast<double>(stats.bytes);
  if (is_root()) sample_.add(kRead, stats.read_seconds, sample_.started[kBroadcast]);
  if (!receiver || status_.failed()) return std::nullopt;
  guarded([&] { receiver->finish(); });
  if (status_.failed()) return std::nullopt;
  if (!mount_here_) return extract_image(*tmp);  // tmp (the image) goes at return
  return Extraction{std::move(*tmp), {}, true};
}

std::optional<Extraction> Stager::extract_image(ExtractionDir& image_dir) {
  // No mount here: the verified image becomes a tar stream (sqfs2tar) and is
  // extracted as any plain tar bundle is, into a tree entry.
  PhaseTimer timer(sample_, kExtract, clock_);
  std::optional<ExtractionDir> tmp;
  ExtractResult result;
  guarded([&] {
    tmp.emplace(cache_->make_tmp(plan_.key));
    std::string image = cache_->root_path() + "/" + image_dir.name() + "/" + layout::kImageFile;
    constexpr size_t kBlock = size_t{1} << 20;
    BufferPool pool(8, kBlock);
    ExtractOptions options;
    options.threads = extract_threads();
    options.dir_fds = fds_.dir_cache;
    options.queued_files = fds_.queued_bodies;
    SpawnedChild child({"sqfs2tar", "--no-skip", "--no-xattr", image}, {.pipe = SpawnOptions::Pipe::kStdout});
    {
      StreamExtractor extractor(
          tmp->fd(), plan_.names, status_, [&pool](std::byte* b) { pool.release(b); }, options);
      for (;;) {
        std::byte* buffer = pool.acquire();
        size_t got = 0;
        while (got < kBlock) {
          ssize_t n = ::read(child.pipe_fd(), buffer + got, kBlock - got);
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) throw_errno("reading sqfs2tar's output", errno);
          if (n == 0) break;
          got += static_cast<size_t>(n);
        }
        bool last = got < kBlock;
        extractor.push(StreamChunk{0, buffer, got, last, buffer});
        if (last || status_.failed()) {
          if (!last) extractor.push(StreamChunk{0, nullptr, 0, true, nullptr});
          break;
        }
      }
      result = extractor.finish();
    }
    SpawnedExit exit = child.wait();
    if (exit.status != 0 && !status_.failed())
      fail("bundle '{}': cannot read the image: {}", plan_.names[0], describe_exit("sqfs2tar", exit));
  });
  if (status_.failed()) return std::nullopt;
  return Extraction{std::move(*tmp), std::move(result)};
}

void Stager::mount_image() {
  if (!mount_here_ || status_.failed()) return;
  PhaseTimer timer(sample_, kPublish, clock_);
  guarded([&] {
    std::string image = cache_->image_entry_path(plan_.key) + "/" + layout::kImageFile;
    mount_ = std::make_shared<ImageMount>(image, *cache_, plan_.key);
  });
}

void Stager::share_mount_name() {
  // The leader's slot (cache/<key> or, beside another step's mount, cache/<key>.<n>) is the node's prefix.
  mount_name_ = topology_.node().bcast_string(0, mount_ ? mount_->name() : std::string());
  if (mount_name_.empty()) return;  // extracted on this node
  guarded([&] {
    if (mount_name_ != plan_.key && layout::extra_mount_key(mount_name_) != plan_.key)
      fail("{}: its leader mounted the image at an unknown slot '{}'", topology_.label(), mount_name_);
    mount_users_ = std::make_shared<MountUsers>(layout::user_root(node_root_), mount_name_);
  });
}

void Stager::publish(std::optional<Extraction> extraction) {
  enter("publish");
  if (!extraction || status_.failed()) return;  // a tmp directory left unpublished is removed
  PhaseTimer timer(sample_, kPublish, clock_);
  if (extraction->image) {
    guarded([&] {
      StageRecord record{plan_, {}, 0, {"squashfs image"}};
      write_stage_record(extraction->tmp.fd(), record);
      cache_->publish_image(extraction->tmp, plan_.key);
      lock_.try_shared();
      lock_.touch();
      claim_ = Claim::kHit;
      record_ = std::move(record);
    });
    return;
  }
  guarded([&] {
    const ExtractResult& result = extraction->result;
    ExtractionDir& tmp = extraction->tmp;
    StageRecord record{plan_, result.stats, result.tar_bytes, result.decoders};
    io::Fd mirror = cache_->fresh_bytecode_mirror(plan_.key);
    std::string mirror_path = layout::pycache_path(cache_->root_path()) + cache_->entry_path(plan_.key);
    record.bytecode_linked = link_bytecode_mirror(tmp.fd(), result.stats.bytecode, mirror.get(), mirror_path);
    record.bytecode_mirror_inode = io::fstat(mirror.get(), mirror_path).st_ino;
    record.stats.bytecode.clear();  // kept only until linked
    write_stage_record(tmp.fd(), record);
    cache_->publish(tmp, plan_.key);
    lock_.try_shared();  // converting our exclusive lock never waits
    lock_.touch();
    claim_ = Claim::kHit;
    record_ = std::move(record);
  });
  if (request_.cache_max && record_) trim_cache();
}

void Stager::trim_cache() {
  // Our new entry is the most recently used, and in use (our shared lock): kept.
  GcPolicy policy;
  policy.max_bytes = *request_.cache_max;
  try {
    GcResult result = collect_garbage(*cache_, policy, static_cast<double>(std::time(nullptr)));
    size_t removed = 0;
    uint64_t freed = 0;
    for (const auto& e : result.entries)
      if (e.outcome == GcEntry::Outcome::kRemoved) ++removed, freed += e.bytes;
    if (removed > 0)
      diag::note("{}: --cache-max {}: removed {} idle cache entries ({})", topology_.label(),
                 format_bytes(static_cast<double>(*request_.cache_max)), removed,
                 format_bytes(static_cast<double>(freed)));
  } catch (const Error& e) {
    diag::warning("{}: --cache-max: {}", topology_.label(), e.what());
  }
}

void Stager::wait_for_other_job() {
  enter("wait_for_other_job");
  if (claim_ != Claim::kBusy || status_.failed()) return;
  PhaseTimer timer(sample_, kCache, clock_);
  guarded([&] {
    // Shared is granted once no job extracts (jobs *using* the entry hold it
    // shared too, and must not make us wait).
    lock_.shared_within(request_.lock_timeout, layout::lock_path(cache_->root_path(), plan_.key));
    // Extract: the other job failed, our turn. Busy: someone else got there first; wait again next round.
    claim_ = claim();
  });
}

Claim Stager::claim() {
  std::string shown = mount_here_ ? cache_->image_entry_path(plan_.key) : cache_->entry_path(plan_.key);
  std::optional<std::string> problem;
  std::vector<std::string> unverified;
  Claim claim = claim_entry(
      *cache_, plan_.key, lock_,
      [&](int entry_fd) {
        if (mount_here_) return problem = check_image_entry(entry_fd, shown, plan_.key, request_.verify_cache);
        io::Fd mirror = cache_->open_bytecode_mirror(plan_.key);
        problem = check_published_entry(entry_fd, mirror.get(), shown, plan_.key, request_.verify_cache, unverified);
        return problem;
      },
      mount_here_);
  for (const auto& bundle : unverified)
    diag::warning(
        "{}: --verify-cache cannot check what bundle '{}' staged in {}: it has no manifest (not made by pybcast "
        "pack); the decoders' checks when it was staged are all there was",
        topology_.label(), bundle, shown);
  if (problem) diag::warning("{}: cache entry {} {}; staging it again", topology_.label(), shown, *problem);
  return claim;
}

bool Stager::any_node_pending() { return allreduce_max(topology_.world(), pending() ? 1 : 0) != 0; }

void Stager::finish(StageOutcome& outcome) {
  outcome.key = plan_.key;
  outcome.bundle_names = plan_.names;
  outcome.node_root = node_root_;
  outcome.prefix = layout::entry_path(layout::user_root(node_root_), mount_name_.empty() ? plan_.key : mount_name_);
  outcome.usage_lock = std::move(lock_);  // shared: `pybcast gc` leaves the entry alone while we run
  outcome.image = plan_.is_image();
  outcome.mount = mount_;
  outcome.mount_users = mount_users_;
  sample_.node = topology_.node_index();
  sample_.leader = topology_.leader();
  if (topology_.leader()) sample_.cache_state = record_ ? CacheState::kExtracted : CacheState::kHit;
  sample_.add(kTotal, clock_.seconds(), 0);
  if (!request_.want_report) return;
  enter("report");
  if (is_root()) {
    guarded([&] {
      if (!record_) {
        std::string entry_path =
            mount_here_ ? layout::image_entry_path(layout::user_root(node_root_), plan_.key) : outcome.prefix;
        io::Fd entry = io::open(entry_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        record_ = read_stage_record(entry.get(), entry_path);
      }
    });
    if (record_) outcome.context.record = *record_;
    outcome.context.directory_walks = bundles_->tree_walks();
    outcome.context.ranks = topology_.world_size();
    outcome.context.nodes = topology_.node_count();
    outcome.context.virtual_nodes = topology_.is_virtual();
    outcome.context.chunk_size = static_cast<double>(request_.chunk_size);
    outcome.context.image_mounted = mount_ != nullptr;
    if (plan_.is_image())
      outcome.context.image =
          mount_ ? fmt::format(
                       "image copied whole to each node (the broadcast phase) and hashed as it arrived; mounted at "
                       "the prefix by {} in {}, first access (its root listed) {} (rank 0's node)",
                       mount_->server_name(), format_seconds(mount_->seconds()),
                       format_seconds(mount_->first_access_seconds()))
                 : fmt::format("image extracted on rank 0's node: {}", no_mount_.value_or("?"));
  }
  agree(true);  // rank 0 may have failed to read its node's record
  outcome.samples = gather_samples(topology_.world(), sample_);
}

StageOutcome Stager::run() {
  share_fds();
  open_bundles();
  agree(false);
  share_plan();
  check_cache();
  agree(true);
  for (int round = 0;; ++round) {
    if (round == kMaxRounds) throw Error("gave up staging after repeated failures of concurrent jobs on this node");
    stream_round();
    wait_for_other_job();
    agree(true);
    if (!any_node_pending()) break;
  }
  if (plan_.is_image()) {
    mount_image();
    agree(true);
    share_mount_name();
    agree(true);
  }
  StageOutcome outcome;
  finish(outcome);
  return outcome;
}

}  // namespace

StageOutcome stage_bundles(Transport& world, const StageRequest& request) {
  Stager stager(world, request);
  return stager.run();
}

StageOutcome stage_bundles(MPI_Comm world, const StageRequest& request) {
  MpiTransport transport(world);
  return stage_bundles(transport, request);
}

}  // namespace pybcast
