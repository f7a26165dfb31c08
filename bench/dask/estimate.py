"""Per-task costs of openpal on a Dask cluster, measured, and a paper estimate of throughput per core at 100 workers.

usage: python3 bench/dask/estimate.py tcp://SCHEDULER INDEX ROWS FILE...  (bench/dask/run.sh runs it)

Measured through the scheduler's task stream (start/stop of each task on its worker): the crediting time of each
file's task (rows/s per core inside a task), the fixed cost of a task that reads nothing (an empty export: loading
the cached index, building profiles, writing the part), a merge task's time per part, the index's broadcast, and the
wall time per task the client sees for tiny tasks (scheduler round trips).
"""
import os
import statistics
import sys
import tempfile
import time

from distributed import Client

from openpal import dask_run, _engine

FAN_IN = 16  # parts per merge task, as pal attribute --dask merges them (python/openpal/dask_run.py)


def main():
    scheduler, index_path, rows, files = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    client = Client(scheduler, timeout=30)
    workers = len(client.scheduler_info()["workers"])
    checksum = _engine.Index.open(index_path).checksum
    with open(index_path, "rb") as f:
        data = f.read()
    t0 = time.monotonic()
    shipped = client.scatter(data, broadcast=True, hash=False)
    ship = time.monotonic() - t0

    session = os.urandom(8).hex()

    def run(inputs_per_task, label):
        from distributed import get_task_stream
        with get_task_stream(client) as ts:
            t = time.monotonic()
            # As the driver submits them without --save: one session (a worker's profiles built once for the run),
            # parts holding their inputs' sum only.
            futures = [client.submit(dask_run.credit_task, shipped, checksum, [(p, p) for p in task], "all",
                                     "effective", session, 0.0, False, pure=False,
                                     key="%s-%d-%s" % (label, i, os.urandom(3).hex()))
                       for i, task in enumerate(inputs_per_task)]
            parts = client.gather(futures)
            wall = time.monotonic() - t
        compute = [sum(s["stop"] - s["start"] for s in rec["startstops"] if s["action"] == "compute")
                   for rec in ts.data]
        return parts, compute, wall

    # Warm every worker's index (the first task on a worker copies it out of the bytes once).
    with tempfile.TemporaryDirectory() as tmp:
        empty = os.path.join(tmp, "empty.csv")
        with open(files[0], "rb") as f, open(empty, "wb") as out:
            out.write(f.readline())
        run([[empty]] * (4 * workers), "warm")
        tiny_n = 200
        _, tiny_compute, tiny_wall = run([[empty]] * tiny_n, "tiny")
    parts, compute, wall = run([[p] for p in files], "credit")
    rows_per_task = rows / len(files)
    t_task = statistics.median(compute)
    t_fixed = statistics.median(tiny_compute)
    rate = rows_per_task / (t_task - t_fixed)
    # A merge of up to FAN_IN parts of this world, in the client (a merge task does the same work), scaled to FAN_IN
    # parts (a merge is linear in its parts' cells).
    merged = parts[:FAN_IN]
    t = time.monotonic()
    for _ in range(5):
        _engine.merge(merged)
    t_merge = (time.monotonic() - t) / 5 * FAN_IN / len(merged)
    part_bytes = statistics.median(len(p) for p in parts)
    print("per task: %.3f s crediting %d rows (%.0f rows/s per core inside a task), fixed cost %.1f ms (a task "
          "that reads nothing), client-seen wall %.1f ms per tiny task on %d workers" %
          (t_task, rows_per_task, rate, 1000 * t_fixed, 1000 * tiny_wall / tiny_n, workers))
    print("index: %.1f MiB broadcast to %d workers in %.2f s; part: %.1f KiB; merge of %d parts: %.1f ms (%.1f ms "
          "scaled to %d)" % (len(data) / 2**20, workers, ship, part_bytes / 1024, len(merged),
                             1000 * t_merge * len(merged) / FAN_IN, 1000 * t_merge, FAN_IN))
    import psutil
    rss = client.run(lambda: psutil.Process().memory_info().rss)
    print("worker memory after the run (RSS): %s MiB" % ", ".join("%.0f" % (v / 2**20) for v in sorted(rss.values())))
    print("this run: %d tasks on %d workers, %.2f s wall (%.0f rows/s, %.0f rows/s per worker)" %
          (len(files), workers, wall, rows / wall, rows / wall / workers))
    # Paper estimate: a month of 10 billion rows in tasks of 1M rows (64 MiB byte ranges of a 3.6 KB-per-10-rows
    # export are ~180k rows; 1M rows is ~360 MB: fewer, longer tasks), on 100 one-core workers.
    month, per_task, n = 10_000_000_000, 1_000_000, 100
    tasks = month / per_task
    task_time = per_task / rate + t_fixed
    sched = tasks * 0.001  # the Dask scheduler's ~1 ms of its own CPU per task (its documented order of magnitude)
    depth, level = 0, tasks
    while level > 1:
        level, depth = -(-level // FAN_IN), depth + 1
    merge_wall = depth * t_merge  # each level's merges run in parallel
    ship100 = len(data) * n / 1.25e9  # broadcast over one 10 GbE link from the scheduler side, worst case
    total = tasks * task_time / n + max(0.0, sched - tasks * task_time / n) + merge_wall + ship100
    print("estimate, 100 workers x 1 core, %.0e rows in %d tasks of %d rows: %.0f s (crediting %.0f s per worker, "
          "merge tree depth %d: %.1f s, index shipping %.1f s) = %.0f rows/s per core (%.0f%% of a task's rate)" %
          (month, tasks, per_task, total, tasks * task_time / n, depth, merge_wall, ship100, month / total / n,
           100 * month / total / n / rate))
    client.close()


if __name__ == "__main__":
    main()
