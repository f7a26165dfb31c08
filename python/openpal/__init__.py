"""openpal: Azure Partner Admin Link attribution, the C++ engine for Python (docs/scale.md).

    import openpal
    index = openpal.Index.open("openpal.db.index")          # pal index build
    part = openpal.attribute(index, ["usage-2026-11.csv"])   # bytes: a mergeable part
    merged = openpal.merge([part, other_part])
    print(openpal.render(merged)["report"], end="")          # the CSV pal attribute writes

Every call releases the GIL while the engine works; failures raise openpal.Error with pal's message.
"""
from ._engine import Error, Index, attribute, cut, merge, render, summary

__all__ = ["Error", "Index", "attribute", "cut", "merge", "render", "summary"]
