"""The Python API (openpal, docs/scale.md) against pal itself, on one generated world (tests/dask/run.sh runs it).

usage: api_test.py PAL DB INDEX WORKDIR FILE...
Checks: an index from bytes credits as the mapped file does; parts of any grouping merge into pal's report,
unattributed file and reconciliation (render == pal merge of pal's own parts); labels rename inputs in rejected rows;
errors are openpal.Error with pal's message (a damaged index, a missing file, a byte range, a bad measure); the
GIL is released (two threads credit at once).
"""
import os
import subprocess
import sys
import threading

import openpal


def check(cond, what):
    if not cond:
        sys.exit("api_test: FAIL: " + what)


def main():
    pal, db, index_path, work, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
    mapped = openpal.Index.open(index_path)
    with open(index_path, "rb") as f:
        data = f.read()
    shipped = openpal.Index.from_bytes(data)
    check((mapped.store_id, mapped.directory_version, mapped.checksum) ==
          (shipped.store_id, shipped.directory_version, shipped.checksum), "identity of bytes and file")

    whole = openpal.attribute(mapped, files)
    check(openpal.attribute(shipped, files) == whole, "a part from bytes differs from one from the mapped file")
    parts = [openpal.attribute(shipped, [f]) for f in files]
    merged = openpal.merge(parts)
    regrouped = openpal.merge([openpal.merge(parts[:2]), openpal.merge(parts[2:])])
    for output in ("csv", "json", "table"):
        a, b, c = (openpal.render(p, output) for p in (whole, merged, regrouped))
        check(a == b == c, "render(%s) of one part, of merged parts and of regrouped parts differ" % output)

    # render == pal merge over pal's own parts, and == pal attribute.
    pal_parts = []
    for i, f in enumerate(files):
        out = os.path.join(work, "api-part-%d" % i)
        subprocess.run([pal, "attribute", "--quiet", "--db", db, "--index", index_path, "--usage", f, "--partial", out],
                       check=True)
        pal_parts.append(out)
    report = os.path.join(work, "api-report.csv")
    unattr = os.path.join(work, "api-unattr.csv")
    merge = subprocess.run([pal, "merge", *pal_parts, "--out", report, "--unattributed", unattr],
                           check=True, stderr=subprocess.PIPE, text=True)
    rendered = openpal.render(merged)
    check(open(report).read() == rendered["report"], "render's report differs from pal merge's")
    check(open(unattr).read() == rendered["unattributed"], "render's unattributed differs from pal merge's")
    check(rendered["rejected"] + rendered["reconciliation"] in merge.stderr, "reconciliation differs from pal merge's")
    local = subprocess.run([pal, "attribute", "--quiet", "--db", db, "--index", index_path, "--usage", *files],
                           check=True, stdout=subprocess.PIPE, text=True)
    check(local.stdout == rendered["report"], "render's report differs from pal attribute's")
    check(rendered["balances"], "reconciliation does not balance")
    s = openpal.summary(merged)
    check(s["store_id"] == mapped.store_id and len(s["inputs"]) == len(files), "summary")

    # Sessions: calls of one session share profiles; without one, each part counts only its own scopes, so a part's
    # count is a local run's over its files, whatever was credited before on this index.
    one = openpal.summary(openpal.attribute(shipped, [files[0]]))["distinct_scopes"]
    local_one = subprocess.run([pal, "attribute", "--db", db, "--index", index_path, "--usage", files[0], "--out",
                                os.devnull], check=True, stderr=subprocess.PIPE, text=True).stderr
    check(" %d distinct scopes," % one in local_one, "distinct scopes of one file: %d, pal: %s" % (one, local_one[-200:]))
    session = [openpal.attribute(shipped, [f], session="s1") for f in files]
    check(openpal.render(openpal.merge(session)) == rendered and
          openpal.summary(openpal.merge(session))["distinct_scopes"] == s["distinct_scopes"], "parts of a session")

    # Without per-input results: the same report from a smaller part, which pal merge renders but will not save.
    lumped = openpal.attribute(shipped, files, per_input=False)
    check(not openpal.summary(lumped)["per_input"] and openpal.summary(whole)["per_input"], "summary per_input")
    check(len(lumped) * 2 < len(whole), "a part without per-input results is not smaller (%d, %d bytes)" %
          (len(lumped), len(whole)))
    check(openpal.render(lumped) == rendered, "a part without per-input results renders another report")
    lumped_path = os.path.join(work, "api-lumped.part")
    with open(lumped_path, "wb") as f:
        f.write(lumped)
    refused = subprocess.run([pal, "merge", "--quiet", lumped_path, "--save", "--db", db, "--out", os.devnull],
                             stderr=subprocess.PIPE, text=True)
    check(refused.returncode == 1 and "each input's result" in refused.stderr,
          "pal merge --save of a part without per-input results: %d %s" % (refused.returncode, refused.stderr))

    # Labels: the name errors and rejected rows give an input.
    bad = os.path.join(work, "api-bad.csv")
    with open(files[0], "rb") as f:
        lines = f.read().split(b"\n")
    lines[3] = b"broken,row"
    with open(bad, "wb") as f:
        f.write(b"\n".join(lines))
    labelled = openpal.render(openpal.attribute(mapped, [bad], labels=["exports/day1.csv"]))
    check(labelled["rejected"].startswith("rejected: exports/day1.csv:4: "), "label in rejected rows: " +
          labelled["rejected"][:200])

    # Errors.
    def raises(fn, needle, what):
        try:
            fn()
        except openpal.Error as e:
            check(needle in str(e), "%s: message %r lacks %r" % (what, str(e), needle))
            return
        sys.exit("api_test: FAIL: %s did not raise openpal.Error" % what)

    damaged = bytearray(data)
    damaged[len(damaged) // 2] ^= 0xFF
    raises(lambda: openpal.Index.from_bytes(bytes(damaged), "shipped"), "checksum", "a damaged index")
    raises(lambda: openpal.Index.from_bytes(data[:100]), "shorter than its header", "a truncated index")
    missing = os.path.join(work, "no-such.csv")
    raises(lambda: openpal.attribute(mapped, [missing], labels=["given/no-such.csv"]), "given/no-such.csv",
           "a missing file")
    raises(lambda: openpal.attribute(mapped, [(files[0], 100, 100)]), "start < end", "an empty byte range")
    raises(lambda: openpal.attribute(mapped, [(files[0], 0, 100), files[1]]), "alone", "a range among files")
    raises(lambda: openpal.attribute(mapped, files, measure="net"), "measure", "a bad measure")
    raises(lambda: openpal.merge([whole, parts[0]]), "counted twice", "an input counted twice")
    raises(lambda: openpal.merge([b"nonsense"]), "PALPART", "a damaged part")

    # Byte ranges: a file cut on line starts, each range credited apart, merged in any order = the whole file.
    ranges = openpal.cut(files[0], 4)
    check(len(ranges) == 4 and ranges[0][0] == 0 and ranges[-1][1] == os.path.getsize(files[0]), "cut: %r" % ranges)
    range_parts = [openpal.attribute(shipped, [(files[0], a, b)]) for a, b in ranges]
    check(openpal.render(openpal.merge(range_parts[::-1])) == openpal.render(parts[0]), "ranges merged != the file")
    raises(lambda: openpal.render(openpal.merge(range_parts[:2])), "", "a report over part of a file")

    # The GIL is released: two threads credit at once and agree with the single-threaded parts.
    results = [None, None]

    def work_on(i):
        results[i] = openpal.attribute(shipped, files)

    threads = [threading.Thread(target=work_on, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # (Compared as rendered: a part's distinct-scope count is its profile cache's, which runs on one index share.)
    check(openpal.render(results[0]) == openpal.render(results[1]) == openpal.render(whole),
          "parts credited on two threads differ")
    print("api_test: PASS (%d files)" % len(files))


if __name__ == "__main__":
    main()
