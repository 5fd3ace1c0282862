"""Write a synthetic Khánh Hòa year (1/12/2018 – 30/11/2019) under data/raw/sample/.

The files look like one-stop exports (Vietnamese headers, dd/mm/yyyy dates, one
file per level and quarter, one XLSX) but every dossier is made up: source.json
and the data README say so. The same seed gives the same bytes; --scale
multiplies the volumes (1 = about 450,000 dossiers; 0.01 for tests; about 22
for a 10-million-row benchmark).

Example:
  chitieu sample --out data/raw/sample --seed 2019 --scale 1
"""

from __future__ import annotations

import argparse
import sys

from .common import guard


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="data/raw/sample", help="output folder (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=2019, help="random seed (default: %(default)s)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="volume multiplier, 0.005 – 50 (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing sample")
    parser.add_argument("--no-aggregates", dest="aggregates", action="store_false",
                        help="skip the Biểu 06 workbooks (faster at large --scale)")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")


def run(args: argparse.Namespace) -> int:
    from ..sample import generate

    guard(args, out_dirs=("out",))

    log = (lambda m: None) if args.quiet else (lambda m: print(f"  {m}", file=sys.stderr))
    summary = generate(args.out, seed=args.seed, scale=args.scale, force=args.force,
                       aggregates=args.aggregates, log=log)
    print(format_summary(summary, args.out))
    return 0


def format_summary(summary: dict, out) -> str:
    """Rows per level, province online share and the spread of unit shares against targets."""
    units = summary["units"]
    lines = [f"chitieu sample: wrote {summary['rows']:,} synthetic dossier rows to {out} "
             f"(seed {summary['seed']}, scale {summary['scale']}, {summary['seconds']} s)"]
    total_on = total = 0
    for level in ("department", "district", "commune"):
        c = summary["counted_by_level"][level]
        total_on, total = total_on + c["online"], total + c["total"]
        lines.append(f"  {level:<10} counted {c['total']:>9,}  online {c['online'] / max(c['total'], 1):6.1%}")
    lines.append(f"  province   counted {total:>9,}  online {total_on / max(total, 1):6.1%}")
    u = units[units["total"] > 0]
    share = u["online"] / u["total"]
    met = share >= u["target"]
    q = share.quantile([0.1, 0.5, 0.9])
    lines.append(f"  unit shares: 10% {q[0.1]:.1%}, median {q[0.5]:.1%}, 90% {q[0.9]:.1%}; "
                 f"{int(met.sum())} of {len(u)} units at or above target")
    lines.append("  expected accounting: " + ", ".join(
        f"{k} {v:,}" for k, v in summary["expected_accounting"].items() if v))
    return "\n".join(lines)
