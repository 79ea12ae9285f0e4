"""A small mpi4py + numpy job: every rank contributes a vector, rank 0 checks
the global sum and shows where Python and numpy were loaded from."""
import socket
import sys

import numpy
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()

local = numpy.arange(1_000_000, dtype=numpy.float64) * (rank + 1)
total = comm.allreduce(local)                       # elementwise sum over ranks
expected = numpy.arange(1_000_000, dtype=numpy.float64) * (size * (size + 1) // 2)

where = comm.gather((rank, socket.gethostname(), sys.prefix, numpy.__file__), root=0)
if rank == 0:
    ok = numpy.array_equal(total, expected)
    print(f"allreduce over {size} ranks: sum of last element = {total[-1]:.0f} "
          f"(expected {expected[-1]:.0f}) -> {'OK' if ok else 'WRONG'}")
    print("MPI initialized before Python started:", MPI.Is_initialized())
    for r, host, prefix, numpy_file in where:
        print(f"  rank {r}: sys.prefix={prefix}")
    print(f"  numpy on rank 0: {numpy.__file__}")
    sys.exit(0 if ok else 1)
