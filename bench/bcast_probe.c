/* The broadcast alone, as pybcast's chunk pipeline issues it (src/bcast/chunk_pipeline.cc):
 * SIZE bytes from rank 0 in CHUNK-byte MPI_Ibcasts, at most WINDOW in flight, over
 * MPI_COMM_WORLD; no reading, no extraction. bench/net_bench.sh runs it at two chunk sizes
 * so that bench/scaling_model.py can fit the link efficiency and the cost of one chunk.
 * Prints on rank 0: bcast_probe: size=.. chunk=.. window=.. seconds=..
 * usage: mpirun ... bcast_probe SIZE_MIB CHUNK_KIB [WINDOW] */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (argc < 3) {
    if (rank == 0) fprintf(stderr, "usage: bcast_probe SIZE_MIB CHUNK_KIB [WINDOW]\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  long long size = atoll(argv[1]) << 20;
  long long chunk = atoll(argv[2]) << 10;
  int window = argc > 3 ? atoi(argv[3]) : 4;
  char *pool = malloc((size_t)(chunk * window));
  MPI_Request *requests = malloc(sizeof(MPI_Request) * (size_t)window);
  if (!pool || !requests || chunk <= 0 || window <= 0) MPI_Abort(MPI_COMM_WORLD, 1);
  memset(pool, rank == 0 ? 'x' : 0, (size_t)(chunk * window));
  for (int i = 0; i < window; i++) requests[i] = MPI_REQUEST_NULL;
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  long long chunks = (size + chunk - 1) / chunk;
  for (long long k = 0; k < chunks; k++) {
    int slot = (int)(k % window);
    MPI_Wait(&requests[slot], MPI_STATUS_IGNORE); /* the slot's previous chunk is done */
    long long bytes = k == chunks - 1 ? size - k * chunk : chunk;
    MPI_Ibcast(pool + slot * chunk, (int)bytes, MPI_BYTE, 0, MPI_COMM_WORLD, &requests[slot]);
  }
  MPI_Waitall(window, requests, MPI_STATUSES_IGNORE);
  MPI_Barrier(MPI_COMM_WORLD);
  double seconds = MPI_Wtime() - t0;
  if (rank == 0)
    printf("bcast_probe: size=%lld chunk=%lld window=%d seconds=%.6f\n", size, chunk, window, seconds);
  free(pool);
  free(requests);
  MPI_Finalize();
  return 0;
}
