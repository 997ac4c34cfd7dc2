"""Run every bench in this package and print the figures.

    .venv/bin/python -m bench                    # full size (near-duplicates: 1,000,000 stored articles)
    .venv/bin/python -m bench --quick            # small size (near-duplicates: 50,000)
    .venv/bin/python -m bench --articles 200000  # a chosen history size
    .venv/bin/python -m bench --only neardup
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
from pathlib import Path

import bench


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description="newsmon benchmarks")
    ap.add_argument("--quick", action="store_true", help="small sizes (a minute or so)")
    ap.add_argument("--articles", type=int, default=None, help="stored articles for the near-duplicate bench")
    ap.add_argument("--only", action="append", default=[], help="run only this bench (repeatable)")
    args = ap.parse_args(argv)
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(bench.__file__).parent)])
                   if not m.name.startswith("_"))
    summaries: dict[str, list[str]] = {}
    t0 = time.perf_counter()
    for name in names:
        if args.only and name not in args.only:
            continue
        mod = importlib.import_module(f"bench.{name}")
        if not hasattr(mod, "run"):
            continue
        print(f"=== bench {name} ===", flush=True)
        summaries[name] = mod.run(articles=args.articles, quick=args.quick)
    print(f"\n=== summary ({time.perf_counter() - t0:.0f} s) ===")
    for name, lines in summaries.items():
        print(f"[{name}]")
        for line in lines:
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
