#!/usr/bin/env python3
"""Mixed link-API load through several `pal serve` replicas that logs every acknowledged write, then checks the
database for each one (bench/api/restart_pg.sh drives it; issue 15: "zero acknowledged writes lost").

Each worker owns some principals and, for each in turn, sends PUT, GET, DELETE, GET, ... , every request to the next
replica, so reads and writes cross replicas. A principal is written by one worker, one request at a time, so its
acknowledged writes are totally ordered. After a failed write the worker sends a PUT, never a DELETE: a DELETE is
only sent after an acknowledged PUT, so every acknowledged DELETE must have found the link and written an event.

Verification against link_events (psql, after the load):
- an acknowledged PUT (200) that answered version v: an event (tenant, object, v) with the partner ID, action create;
- an acknowledged DELETE (200): an event with its x-ms-request-id, action delete, version = the PUT's version + 1;
- a GET answered after an acknowledged PUT or DELETE of the same principal (any replica) must not show an older state
  (read-your-writes across replicas; reported as stale reads).
Usage: mixed_load.py --ports P1,P2,P3 --tokens FILE --seconds 60 --psql-uri URI --out LOG
  FILE: lines "object_id token". Prints a summary; exit status 1 if any acknowledged write is missing.
"""
import argparse
import http.client
import json
import subprocess
import sys
import threading
import time
from collections import Counter

PARTNER = "1234567"
PATH = "/providers/Microsoft.ManagementPartner/partners/" + PARTNER + "?api-version=2018-02-01"


class Worker(threading.Thread):
    def __init__(self, ports, principals, deadline, log, lock):
        super().__init__(daemon=True)
        self.ports, self.principals, self.deadline = ports, principals, deadline
        self.log, self.lock = log, lock
        self.conns = {}
        self.next_port = 0

    def conn(self, port):
        c = self.conns.get(port)
        if c is None:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            self.conns[port] = c
        return c

    def call(self, method, token):
        port = self.ports[self.next_port % len(self.ports)]
        self.next_port += 1
        c = self.conn(port)
        started = time.time()
        try:
            c.request(method, PATH, headers={"Authorization": "Bearer " + token, "Content-Length": "0"})
            r = c.getresponse()
            body = r.read()
            return (r.status, r.getheader("x-ms-request-id") or "", r.getheader("Retry-After"), body, port, started)
        except Exception as e:  # the connection broke: an unknown outcome for a write
            c.close()
            self.conns.pop(port, None)
            return (0, "", None, repr(e).encode(), port, started)

    def run(self):
        state = {obj: {"linked": False, "acked_put": None, "must_put": True} for obj, _ in self.principals}
        i = 0
        while time.time() < self.deadline:
            obj, token = self.principals[i % len(self.principals)]
            i += 1
            s = state[obj]
            method = "PUT" if (s["must_put"] or not s["linked"]) else "DELETE"
            status, rid, retry, body, port, t = self.call(method, token)
            entry = {"object": obj, "method": method, "status": status, "request_id": rid, "retry_after": retry,
                     "port": port, "t": t}
            if method == "PUT" and status == 200:
                entry["version"] = json.loads(body)["properties"]["version"]
                s.update(linked=True, acked_put=entry["version"], must_put=False)
            elif method == "DELETE" and status == 200:
                entry["after_version"] = s["acked_put"]
                s.update(linked=False, must_put=False)
            else:
                s["must_put"] = True  # unknown outcome: the next write is a PUT
            self.append(entry)
            # A read of the same principal, through the next replica: never older than the write just acknowledged.
            gstatus, grid, gretry, gbody, gport, gt = self.call("GET", token)
            g = {"object": obj, "method": "GET", "status": gstatus, "request_id": grid, "retry_after": gretry,
                 "port": gport, "t": gt}
            if status == 200 and gstatus in (200, 404):
                if method == "PUT":
                    g["stale"] = gstatus != 200 or json.loads(gbody)["properties"]["version"] < entry["version"]
                else:
                    g["stale"] = gstatus != 404
            self.append(g)

    def append(self, entry):
        with self.lock:
            self.log.append(entry)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ports", required=True)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=12)
    ap.add_argument("--psql-uri", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--t0", type=float, help="the clock (Unix seconds) the times printed are counted from")
    a = ap.parse_args()
    ports = [int(p) for p in a.ports.split(",")]
    principals = [tuple(line.split()) for line in open(a.tokens) if line.strip()]
    log, lock = [], threading.Lock()
    deadline = time.time() + a.seconds
    workers = [Worker(ports, principals[w::a.workers], deadline, log, lock) for w in range(a.workers)]
    started = time.time()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.time() - started
    with open(a.out, "w") as f:
        for e in log:
            f.write(json.dumps(e) + "\n")

    statuses = Counter((e["method"], e["status"]) for e in log)
    failed = [e for e in log if e["status"] not in (200, 404)]
    unavailable = [e for e in failed if e["status"] == 503]
    with_retry = [e for e in unavailable if e["retry_after"]]
    print(f"requests: {len(log)} in {elapsed:.1f} s ({len(log) / elapsed:.0f}/s) through {len(ports)} replicas, "
          f"{len(principals)} principals, {a.workers} workers")
    print("by method and status: " + ", ".join(f"{m} {s}: {n}" for (m, s), n in sorted(statuses.items())))
    print(f"failed: {len(failed)} ({len(unavailable)} 503, {len(with_retry)} of them with Retry-After; "
          f"{sum(1 for e in failed if e['status'] == 0)} broken connections; "
          f"{sum(1 for e in failed if e['status'] not in (0, 503))} other)")
    if failed:
        first, last = min(e["t"] for e in failed), max(e["t"] for e in failed)
        t0 = a.t0 or started
        print(f"failures from {first - t0:.1f} s to {last - t0:.1f} s after the start")
    print(f"stale reads after an acknowledged write: {sum(1 for e in log if e.get('stale'))}")

    # Every acknowledged write, looked up in the database.
    rows = subprocess.run(["psql", "-At", "-F", "\t", a.psql_uri, "-c",
                           "SELECT object_id, version, action, partner_id, request_id FROM link_events"],
                          check=True, capture_output=True, text=True).stdout.splitlines()
    by_version, by_request = {}, {}
    for line in rows:
        obj, version, action, partner, rid = line.split("\t")
        by_version[(obj, int(version))] = (action, partner)
        by_request[rid] = (obj, int(version), action)
    acked = [e for e in log if e["method"] in ("PUT", "DELETE") and e["status"] == 200]
    lost = []
    for e in acked:
        if e["method"] == "PUT":
            ok = by_version.get((e["object"], e["version"])) in (("create", PARTNER), ("update", PARTNER))
        else:
            ok = by_request.get(e["request_id"]) == (e["object"], e["after_version"] + 1, "delete")
        if not ok:
            lost.append(e)
    print(f"acknowledged writes: {len(acked)} ({sum(1 for e in acked if e['method'] == 'PUT')} PUT, "
          f"{sum(1 for e in acked if e['method'] == 'DELETE')} DELETE); found in link_events: {len(acked) - len(lost)}; "
          f"lost: {len(lost)}")
    for e in lost[:10]:
        print("  lost:", json.dumps(e))
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
