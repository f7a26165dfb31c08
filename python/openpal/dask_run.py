"""The Dask driver of `pal attribute --dask` (docs/scale.md): a client of the operator's scheduler.

pal runs `python3 -m openpal.dask_run ARGS` with the inputs on standard input (each "PATH\\0LABEL\\0SIZE\\0": the
path the workers open, the name errors and rejected rows give it, as the user typed it, and, for an Azure blob, its
address and size from pal's listing; SIZE is empty for a local file), and reads the merged part
(docs/partial-format.md) from standard output. Messages go to standard error; the exit status is 0 on success,
1 when a task failed (its message is printed), 2 when the scheduler could not be reached.

The run: the compiled index is shipped once to every worker (client.scatter(..., broadcast=True) of its bytes), or
read by the workers from shared storage (--worker-index); the inputs are cut into tasks in order (files, grouped
while small, large ones cut into byte ranges); each task credits its inputs into a part with openpal._engine
in-process; parts are merged by a tree of merge tasks that keeps their order, so the rejected-row listing is a local
run's.
"""
import argparse
import os
import sys
import threading
import time

# Worker side: the loaded index, kept between tasks (one per worker process; a new checksum replaces it).
_INDEX_LOCK = threading.Lock()
_INDEX = {}


def _index_for(source, checksum):
    """The worker's loaded index for `source` (bytes, or a path on shared storage) of body checksum `checksum`."""
    from openpal import _engine

    with _INDEX_LOCK:
        held = _INDEX.get("held")
        if held is not None and held[0] == checksum:
            return held[1]
        if isinstance(source, (bytes, bytearray, memoryview)):
            index = _engine.Index.from_bytes(bytes(source), "compiled index (shipped by pal attribute --dask)")
        else:
            index = _engine.Index.open(source)
        if index.checksum != checksum:
            raise _engine.Error(
                "the compiled index the worker read (%s) is not the one pal checked (checksum %x, worker's %x): "
                "rebuild it or fix --dask-worker-index" % (source if isinstance(source, str) else "bytes",
                                                           checksum, index.checksum))
        _INDEX.clear()
        _INDEX["held"] = (checksum, index)
        return index


def is_blob(path):
    """Whether an input is an Azure blob's address (read over HTTPS by the worker) rather than a path."""
    return path.startswith("https://") or path.startswith("http://")


def credit_task(index_source, checksum, inputs, role_policy, measure, session=None, delay=0.0, per_input=True,
                blobs=None):
    """A task: credits `inputs` into a part (bytes): files (path, label), or one byte range (path, label, start, end).
    blobs: {address: size} of the inputs that are blobs, read with the worker's own credentials (its environment).
    The tasks of one run share a session: a worker builds each resource's profile once per run, and the merged
    part's distinct scopes are exactly the run's (a session's caches never hold another run's scopes). per_input:
    keep each input's result (pal --save, --partial); without it a part holds their sum only, much smaller."""
    from openpal import _engine

    index = _index_for(index_source, checksum)
    if delay:
        time.sleep(delay)  # tests only: makes tasks slow enough to kill a worker among them
    paths = [p if len(rest) == 1 else (p, rest[1], rest[2]) for p, *rest in inputs]
    return _engine.attribute(index, paths, role_policy=role_policy, measure=measure,
                             labels=[rest[0] for _, *rest in inputs], session=session, per_input=per_input,
                             blobs=blobs or None)


def merge_task(*parts):
    """A task: merges parts (bytes) in the order given."""
    from openpal import _engine

    return _engine.merge(list(parts))


def merge_groups(items, fan_in):
    """Consecutive groups of at most fan_in items, as even as can be: 17 parts at fan-in 16 are merged as 9 + 8, not
    16 + 1 (a merge of one part would only decode and encode it again)."""
    fan_in = max(2, fan_in)
    groups = -(-len(items) // fan_in)
    size, extra = divmod(len(items), groups)
    out, at = [], 0
    for g in range(groups):
        n = size + (1 if g < extra else 0)
        out.append(items[at:at + n])
        at += n
    return out


def plan_tasks(inputs, task_bytes, sizes=None):
    """Cuts inputs (path, label) into tasks, in order: consecutive small files grouped until a task holds task_bytes;
    a file larger than 1.5 x task_bytes cut on line starts into byte ranges of about task_bytes, one task each
    (openpal.cut; the merge joins them and numbers rejected rows in the whole file). sizes: {path: bytes} known
    without opening the path (blobs, from pal's listing); a blob is credited whole, never cut (its records would have
    to be found by reading it over the network; Cost Management already writes a large export as many blobs)."""
    from openpal import _engine

    sizes = sizes or {}
    tasks, current, size = [], [], 0
    for path, label in inputs:
        if path in sizes:
            n = sizes[path]
        else:
            try:
                n = os.path.getsize(path)
            except OSError:
                n = 0  # the task reports it, with the error a local run gives
        if task_bytes > 0 and n > task_bytes * 3 // 2 and not is_blob(path):
            if current:
                tasks.append(current)
                current, size = [], 0
            ranges = _engine.cut(path, -(-n // task_bytes))
            if len(ranges) > 1:
                tasks.extend([[(path, label, start, end)] for start, end in ranges])
                continue
        current.append((path, label))
        size += n
        if size >= task_bytes:
            tasks.append(current)
            current, size = [], 0
    if current:
        tasks.append(current)
    return tasks


def _read_inputs(stream):
    """The inputs (path, label) and the sizes of the blobs among them ({address: size})."""
    fields = stream.read().split(b"\0")
    if fields and fields[-1] == b"":
        fields.pop()
    if len(fields) % 3:
        raise SystemExit("openpal.dask_run: inputs on standard input must be PATH\\0LABEL\\0SIZE\\0 triples")
    names = [f.decode("utf-8", "surrogateescape") for f in fields]
    inputs = list(zip(names[0::3], names[1::3]))
    sizes = {path: int(size) for path, size in zip(names[0::3], names[2::3]) if size}
    for path in sizes:
        if not is_blob(path):
            raise SystemExit("openpal.dask_run: a size is given for blobs only, not for %s" % path)
    return inputs, sizes


def _progress(done, total, workers, started, final=False):
    sys.stderr.write("\rattribute: dask: %d/%d tasks, %d worker%s, %.1f s%s" %
                     (done, total, workers, "" if workers == 1 else "s", time.monotonic() - started,
                      "\n" if final else ""))
    sys.stderr.flush()


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m openpal.dask_run", description=__doc__.splitlines()[0])
    ap.add_argument("--scheduler", required=True, help="tcp://HOST:PORT of the Dask scheduler")
    ap.add_argument("--index", required=True, help="the compiled index pal checked (read here and shipped)")
    ap.add_argument("--checksum", required=True, help="its body checksum (hex), as pal read it")
    ap.add_argument("--worker-index", default="", help="workers open the index at this path instead (shared storage)")
    ap.add_argument("--role-policy", default="all", help="all, pec, or a file of role GUIDs (its text is sent)")
    ap.add_argument("--measure", default="effective", choices=["effective", "billed"])
    ap.add_argument("--task-bytes", type=int, default=256 << 20, help="group small files until a task reads this much")
    ap.add_argument("--fan-in", type=int, default=16, help="parts merged by one merge task (at least 2)")
    ap.add_argument("--progress", action="store_true", help="a progress line on standard error")
    ap.add_argument("--timings", action="store_true", help="the wall time of each phase on standard error")
    ap.add_argument("--per-input", action="store_true",
                    help="parts keep each input's result (to save the run); else their sum only")
    ap.add_argument("--connect-timeout", type=float, default=10.0)
    ap.add_argument("--task-delay", type=float, default=float(os.environ.get("OPENPAL_DASK_TASK_DELAY", "0")),
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    marks = [("start", time.monotonic())]  # (phase ended, when): --timings

    # Tasks must name functions workers import (openpal.dask_run), not this __main__'s copies, which Dask would pickle
    # by value with their module's globals.
    from openpal import dask_run as tasks_module

    inputs, blob_sizes = _read_inputs(sys.stdin.buffer)
    role_policy = args.role_policy
    if role_policy not in ("all", "pec"):
        with open(role_policy, "rb") as f:  # a part carries the policy's text (docs/partial-format.md)
            role_policy = f.read().decode("utf-8", "surrogateescape")
    checksum = int(args.checksum, 16)

    import logging
    from distributed import Client, as_completed
    marks.append(("read inputs, import distributed", time.monotonic()))
    # Dask's and asyncio's notes (set up by the import) are not pal's messages: pal's standard error stays a local
    # run's. A failure still reaches the user, as the exception handled below.
    for name in ("distributed", "asyncio", "tornado"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

    try:
        client = Client(args.scheduler, timeout=args.connect_timeout)
    except (OSError, TimeoutError) as e:
        sys.stderr.write("pal attribute: --dask %s: cannot reach the Dask scheduler (%s)\n" % (args.scheduler, e))
        return 2
    try:
        started = time.monotonic()
        marks.append(("connect", started))
        workers = len(client.scheduler_info().get("workers", {}))
        if args.worker_index:
            index_source = args.worker_index
        else:
            with open(args.index, "rb") as f:
                index_source = client.scatter(f.read(), broadcast=True, hash=False)
        marks.append(("ship index", time.monotonic()))
        tasks = plan_tasks(inputs, args.task_bytes, blob_sizes)
        session = os.urandom(8).hex()
        credits = [client.submit(tasks_module.credit_task, index_source, checksum, task, role_policy, args.measure,
                                 session, args.task_delay, args.per_input,
                                 {p: blob_sizes[p] for p, *_ in task if p in blob_sizes}, pure=False,
                                 key="openpal-credit-%d-%s" % (i, os.urandom(4).hex()))
                   for i, task in enumerate(tasks)]
        # The tree of merges, each over consecutive parts: the merged listing of rejected rows keeps file order.
        level, depth = credits, 0
        while len(level) > 1:
            depth += 1
            level = [group[0] if len(group) == 1 else
                     client.submit(tasks_module.merge_task, *group, pure=False,
                                   key="openpal-merge-%d-%d-%s" % (depth, i, os.urandom(4).hex()))
                     for i, group in enumerate(merge_groups(level, args.fan_in))]
        done = 0
        if args.progress:
            _progress(done, len(credits), workers, started)
        for future in as_completed(credits):
            if future.status == "error":
                future.result()  # raises the task's error, handled below
            done += 1
            if args.progress:
                workers = len(client.scheduler_info().get("workers", {}))
                _progress(done, len(credits), workers, started, final=done == len(credits))
        marks.append(("credit %d tasks" % len(credits), time.monotonic()))
        part = level[0].result()
        marks.append(("merge", time.monotonic()))
    except Exception as e:  # a task's error (openpal.Error carries pal's message) or the cluster's
        if args.progress:
            sys.stderr.write("\n")
        message = str(e)
        if type(e).__name__ != "Error":
            message = "%s: %s" % (type(e).__name__, message)
        sys.stderr.write("pal attribute: --dask: %s\n" % message)
        return 1
    finally:
        client.close()
    out = sys.stdout.buffer
    out.write(part)
    out.flush()
    if args.timings:
        marks.append(("write part (%.1f MiB)" % (len(part) / 1048576.0), time.monotonic()))
        sys.stderr.write("timings: dask driver: %s; %d worker%s\n" % (
            ", ".join("%s %.2f s" % (marks[i][0], marks[i][1] - marks[i - 1][1]) for i in range(1, len(marks))),
            workers, "" if workers == 1 else "s"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
