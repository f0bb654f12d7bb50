"""The program mpirun starts on every worker slot: an MPI all-reduce, reported by rank 0."""

import json
import socket

from mpi4py import MPI

comm = MPI.COMM_WORLD
total = comm.allreduce(comm.Get_rank() + 1, op=MPI.SUM)
hosts = comm.gather(socket.gethostname(), root=0)
if comm.Get_rank() == 0:
    print(json.dumps({"size": comm.Get_size(), "sum": total, "hosts": sorted(hosts)}))
