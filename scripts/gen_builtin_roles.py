#!/usr/bin/env python3
"""Generates data/builtin_roles.csv (guid,name,pec) once, by hand; the build never runs this.

Inputs (a folder of public reference files, not part of this repository; the result is committed):
  data/azure_builtin_roles.csv   the 732 built-in roles (az role definition list), names as Azure spells them
  pal-attribution-facts.md §1.5  Microsoft's PEC table: "Table 1" (Yes) and "Table 2" (No), joined on GUID
Roles in a PEC table but missing from the built-in list are added under their PEC-doc name, so that a
policy of "pec" still recognises assignments of roles Azure has since retired or renamed.

Usage: python3 scripts/gen_builtin_roles.py REFERENCE_DIR > data/builtin_roles.csv
"""
import csv
import re
import sys

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def pec_tables(markdown_path):
    """Returns {guid: (pec_name, "yes"|"no")} from the two tables of §1.5."""
    table = None
    found = {}
    with open(markdown_path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("Table 1:"):
                table = "yes"
            elif line.startswith("Table 2:"):
                table = "no"
            elif line.startswith("#"):
                table = None
            if table and line.startswith("|"):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                if len(cells) == 2 and GUID.match(cells[1]):
                    found[cells[1].lower()] = (cells[0], table)
    return found


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_builtin_roles.py REFERENCE_DIR > data/builtin_roles.csv")
    ref = sys.argv[1]
    pec = pec_tables(ref + "/pal-attribution-facts.md")
    rows = {}
    with open(ref + "/data/azure_builtin_roles.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            guid = r["roleDefinitionGuid"].strip().lower()
            assert GUID.match(guid), guid
            rows[guid] = [r["roleName"].strip(), pec.get(guid, (None, "unknown"))[1]]
    added = []
    for guid, (name, value) in pec.items():
        if guid not in rows:
            rows[guid] = [name, value]
            added.append(name)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["guid", "name", "pec"])
    for guid in sorted(rows):
        name, value = rows[guid]
        # The build-time reader splits on the first and last comma only; keep names free of quotes.
        assert not set(name) & set('"\n;[]\\'), name
        out.writerow([guid, name, value])
    print(f"{len(rows)} roles; PEC yes={sum(v == 'yes' for _, v in rows.values())} "
          f"no={sum(v == 'no' for _, v in rows.values())}; added from PEC tables: {added}", file=sys.stderr)


if __name__ == "__main__":
    main()
