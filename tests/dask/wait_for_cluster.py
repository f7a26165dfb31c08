"""Waits until the Dask scheduler at argv[1] answers and has int(argv[2]) workers (default 1): 60 s at most each.
Used by tests/dask/run.sh and tests/blob/run.sh."""
import sys
import time

from distributed import Client

deadline = time.monotonic() + 60
while True:
    try:
        client = Client(sys.argv[1], timeout=5)
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.5)
client.wait_for_workers(int(sys.argv[2]) if len(sys.argv) > 2 else 1, timeout=60)
client.close()
