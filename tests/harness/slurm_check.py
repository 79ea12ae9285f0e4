"""One line per rank for the Slurm tests: host, node communicator, the prefix
Python runs from (and its inode, so the test can tell whose /dev/shm it is in),
PYBCAST_PREFIX, and whether a numpy allreduce is right."""
import os
import socket
import sys

import numpy
from mpi4py import MPI

comm = MPI.COMM_WORLD
node = comm.Split_type(MPI.COMM_TYPE_SHARED)
host = socket.gethostname()
total = comm.allreduce(numpy.arange(5.0) * (comm.rank + 1))
ok = (numpy.array_equal(total, numpy.arange(5.0) * sum(range(1, comm.size + 1)))
      and set(node.allgather(host)) == {host} and os.path.dirname(numpy.__file__).startswith(sys.prefix + "/"))
# One write per line: the shell exports PYTHONUNBUFFERED=1, and print() would
# then write the text and the newline separately, to be interleaved by srun.
sys.stdout.write(f"rank {comm.rank}/{comm.size} host {host} node-size {node.size} prefix {sys.prefix} "
                 f"inode {os.stat(sys.prefix).st_ino} env {os.environ.get('PYBCAST_PREFIX')} "
                 f"{'OK' if ok else 'BAD'}\n")
sys.exit(0 if ok else 1)
