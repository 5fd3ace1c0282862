"""Benchmark: the whole 162-unit projection, today's method (v2) against the previous one (v1).

Both run in this process, on the same SIMULATED year (chitieu_lib/projection/worlds.py, world
"province", seed 1: all 162 target units), at the same as-of dates, sides alternating. Prints
seconds per call and the ratio v2 / v1 (issue 13: at most 2). Asserts nothing.

  .venv/bin/python bench/bench_projection.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

from chitieu_lib.projection import project
from chitieu_lib.projection.worlds import world_year
from chitieu_lib.sample.year import sample_decision

DECISION = sample_decision()      # the simulated worlds are 2019 Khánh Hòa years

AS_OF = ("2019-04-30", "2019-06-30", "2019-09-30")


def _time(y, method, as_of) -> float:
    t = time.perf_counter()
    project(y.dossiers, y.catalog, y.units, as_of, seed=0, method=method, decision=DECISION)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    y = world_year("province", 1)
    print(f"SIMULATED year, {len(y.units)} units, {len(y.dossiers):,} dossier rows")
    _time(y, "v2", AS_OF[0]), _time(y, "v1", AS_OF[0])           # warm-up (imports, caches)
    for as_of in AS_OF:
        v1 = v2 = 0.0
        for _ in range(args.repeat):
            v1 += _time(y, "v1", as_of)
            v2 += _time(y, "v2", as_of)
        print(f"projection as of {as_of}: v1 {v1 / args.repeat:.2f} s, v2 {v2 / args.repeat:.2f} s, "
              f"ratio v2/v1 {v2 / v1:.2f}")


if __name__ == "__main__":
    main()
