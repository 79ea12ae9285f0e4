/* OUR REIMPLEMENTATION of the staging algorithm of the original tool,
 * rainwoodman/python-mpi-bcast (bcast.c + tar.c), written for the benchmarks so that
 * pybcast can be compared against that algorithm side by side on the same machine.
 * It is not the original code. What it keeps of the original, on purpose:
 *   - nodes are found by host name (gather all names, sort, number them);
 *     --virtual-nodes K instead splits ranks into K contiguous groups like pybcast;
 *   - per bundle, rank 0 reads the whole file into memory, then ONE MPI_Bcast of the
 *     whole file over the node leaders with an int count (so it cannot pass 2 GiB;
 *     we refuse such a bundle instead of failing obscurely);
 *   - every leader writes the bytes to a file in its node directory, then extracts it
 *     in-process with libarchive, one thread (decompression and file creation in
 *     sequence), with ARCHIVE_EXTRACT_UNLINK and permissions forced to 0777 under
 *     umask 0, then unlinks the file; barriers on the leaders and on the world.
 * It prints the original's "Time : ..." lines on rank 0 and one machine-readable line
 *   original_bcast: bcast_s=.. tar_s=.. total_s=.. bytes=..
 * usage: mpirun ... original_bcast [-p PREFIX] [-K VNODES] BUNDLE... */
#include <archive.h>
#include <archive_entry.h>
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int world_rank, world_size;
static MPI_Comm node_comm, leaders_comm;
static int node_rank;

static void die(const char *what, const char *detail) {
  fprintf(stderr, "original_bcast: rank %d: %s: %s\n", world_rank, what, detail ? detail : "");
  MPI_Abort(MPI_COMM_WORLD, 1);
}

static int compare_names(const void *a, const void *b) { return strcmp(a, b); }

/* The node number of this rank: the index of its host name among the sorted distinct
 * names of all ranks (what the original's getnid() computes). */
static int node_by_hostname(void) {
  char name[256] = {0};
  gethostname(name, sizeof name - 1);
  char *all = malloc(sizeof name * (size_t)world_size);
  if (!all) die("malloc", "host names");
  MPI_Allgather(name, sizeof name, MPI_CHAR, all, sizeof name, MPI_CHAR, MPI_COMM_WORLD);
  qsort(all, (size_t)world_size, sizeof name, compare_names);
  int node = 0;
  for (int i = 0; i < world_size; i++) {
    if (i > 0 && strcmp(all + i * sizeof name, all + (i - 1) * sizeof name) != 0) node++;
    if (strcmp(all + i * sizeof name, name) == 0) break;
  }
  free(all);
  return node;
}

static void make_dirs(const char *path) {
  char *copy = strdup(path);
  for (char *p = copy + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    mkdir(copy, 0777);
    *p = '/';
  }
  mkdir(copy, 0777);
  free(copy);
}

/* One thread, in process: decompress and create entries in turn (libarchive). */
static void extract(const char *archive_path, const char *dir) {
  struct archive *in = archive_read_new();
  struct archive *out = archive_write_disk_new();
  archive_write_disk_set_options(out, ARCHIVE_EXTRACT_UNLINK);
  archive_read_support_format_tar(in);
  archive_read_support_filter_gzip(in);
  archive_read_support_filter_bzip2(in);
  archive_read_support_filter_zstd(in);
  if (archive_read_open_filename(in, archive_path, 10240) != ARCHIVE_OK) die(archive_path, archive_error_string(in));
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd) || chdir(dir) != 0) die("chdir", dir);
  struct archive_entry *entry;
  int r;
  while ((r = archive_read_next_header(in, &entry)) == ARCHIVE_OK) {
    archive_entry_set_perm(entry, 0777);
    if (archive_write_header(out, entry) != ARCHIVE_OK) {
      fprintf(stderr, "original_bcast: %s: %s\n", archive_entry_pathname(entry), archive_error_string(out));
      continue;
    }
    const void *block;
    size_t size;
    la_int64_t offset;
    while ((r = archive_read_data_block(in, &block, &size, &offset)) == ARCHIVE_OK) {
      if (archive_write_data_block(out, block, size, offset) != ARCHIVE_OK) die("write", archive_error_string(out));
    }
    if (r != ARCHIVE_EOF) die("read", archive_error_string(in));
    if (archive_write_finish_entry(out) != ARCHIVE_OK) die("finish", archive_error_string(out));
  }
  if (r != ARCHIVE_EOF) die(archive_path, archive_error_string(in));
  archive_read_free(in);
  archive_write_free(out);
  if (chdir(cwd) != 0) die("chdir", cwd);
}

static double t_bcast, t_tar;
static long long total_bytes;

static void stage(const char *bundle, const char *dir) {
  if (node_rank != 0) {
    MPI_Barrier(MPI_COMM_WORLD);
    return;
  }
  double t1 = MPI_Wtime();
  long long size = 0;
  char *bytes = NULL;
  if (world_rank == 0) {
    FILE *f = fopen(bundle, "rb");
    if (!f) die("cannot open", bundle);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    bytes = malloc((size_t)size + 1);
    if (!bytes || fread(bytes, 1, (size_t)size, f) != (size_t)size) die("cannot read", bundle);
    fclose(f);
  }
  MPI_Bcast(&size, 1, MPI_LONG_LONG, 0, leaders_comm);
  if (size > INT_MAX) die("one MPI_Bcast with an int count cannot carry more than 2 GiB", bundle);
  if (world_rank != 0) bytes = malloc((size_t)size + 1);
  if (!bytes) die("malloc", bundle);
  MPI_Bcast(bytes, (int)size, MPI_BYTE, 0, leaders_comm);
  MPI_Barrier(leaders_comm);
  const char *base = strrchr(bundle, '/') ? strrchr(bundle, '/') + 1 : bundle;
  char *path = malloc(strlen(dir) + strlen(base) + 2);
  sprintf(path, "%s/%s", dir, base);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(bytes, 1, (size_t)size, f) != (size_t)size || fclose(f) != 0) die("cannot write", path);
  free(bytes);
  t_bcast += MPI_Wtime() - t1;
  total_bytes += size;

  t1 = MPI_Wtime();
  extract(path, dir);
  unlink(path);
  free(path);
  MPI_Barrier(leaders_comm);
  MPI_Barrier(MPI_COMM_WORLD);
  t_tar += MPI_Wtime() - t1;
}

int main(int argc, char **argv) {
  umask(0);
  MPI_Init(&argc, &argv);
  double t0 = MPI_Wtime();
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  const char *prefix = "/dev/shm/python";
  int vnodes = 0, opt;
  while ((opt = getopt(argc, argv, "p:K:")) != -1) {
    if (opt == 'p') prefix = optarg;
    else if (opt == 'K') vnodes = atoi(optarg);
    else die("usage", "original_bcast [-p PREFIX] [-K VNODES] BUNDLE...");
  }
  int node = vnodes > 0 ? (int)((long long)world_rank * vnodes / world_size) : node_by_hostname();
  MPI_Comm_split(MPI_COMM_WORLD, node, world_rank, &node_comm);
  MPI_Comm_rank(node_comm, &node_rank);
  MPI_Comm_split(MPI_COMM_WORLD, node_rank, world_rank, &leaders_comm);

  char dir[PATH_MAX];
  if (vnodes > 0) snprintf(dir, sizeof dir, "%s/vnode-%d", prefix, node);
  else snprintf(dir, sizeof dir, "%s", prefix);
  if (node_rank == 0) make_dirs(dir);
  MPI_Barrier(MPI_COMM_WORLD);
  for (int i = optind; i < argc; i++) stage(argv[i], dir);
  MPI_Barrier(MPI_COMM_WORLD);
  double total = MPI_Wtime() - t0;
  if (world_rank == 0) {
    printf("Time : %g in bcast\nTime : %g in tar\nTime : %g in total \n", t_bcast, t_tar, total);
    printf("original_bcast: bcast_s=%.6f tar_s=%.6f total_s=%.6f bytes=%lld\n", t_bcast, t_tar, total, total_bytes);
  }
  MPI_Comm_free(&leaders_comm);
  MPI_Comm_free(&node_comm);
  MPI_Finalize();
  return 0;
}
