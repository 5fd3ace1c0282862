"""Run the report notebooks and write code-free, offline HTML with an index.

Examples:
  chitieu render --out outputs/                      every report + outputs/index.html
  chitieu render --level district --as-of 2019-09-30
  chitieu render --unit 571 22516 --out outputs/     only these units
  chitieu render --district 571 --out outputs/       district 571's report and its communes'

Each report is written as outputs/<folder>/<code>.html (code-free, opens offline),
the executed .ipynb, and its tables as .xlsx and .csv beside it. A report that
fails does not stop the others: the index shows it failed and why, and the
command exits with status 1 at the end, listing the failures.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .common import INPUT_FLAGS, guard, list_flag
from ..warm import in_runner, process_age

from ..errors import InputError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--level", choices=["department", "district", "commune", "all"], default="all",
                        help="which reports: departments, districts (with their communes' table), "
                             "communes, or all of them plus the province overview (default)")
    which = parser.add_mutually_exclusive_group()
    list_flag(which, "--unit", metavar="CODE", default=None,
              help="only these units (GSO codes such as 571, 22516 or agency codes such as SCT)")
    list_flag(which, "--district", metavar="CODE", default=None,
              help="each district's report and its communes' (district GSO codes such as 571); "
                   "with --level commune the communes only, with --level district its own report")
    parser.add_argument("--as-of", dest="as_of", metavar="DATE", default=None,
                        help="count dossiers received up to this day, YYYY-MM-DD "
                             "(default: the data date of the store, at most the end of its decision's window)")
    parser.add_argument("--processed", metavar="DIR", default=None,
                        help="the processed store (default: $CHITIEU_PROCESSED_DIR or data/processed)")
    parser.add_argument("--decision", metavar="FILE", default=None,
                        help="check that the store was ingested with this decision file (refused if not); "
                             "reports always take the decision from the store")
    parser.add_argument("--previous", metavar="STORE", default=None,
                        help="a store of the previous year (ingested with that year's decision): reports "
                             "and the index add last year's final rate against last year's target")
    parser.add_argument("--since", metavar="DATE", default=None,
                        help="the previous meeting's day, YYYY-MM-DD (before --as-of): every report adds "
                             "what changed since then, and the index the change columns")
    parser.add_argument("--pdf", action="store_true",
                        help="also write CODE.pdf beside each HTML (A4, for printing and attaching)")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="reports run in parallel (default: the number of cores)")
    parser.add_argument("--resume", action="store_true",
                        help="skip reports whose notebook, parameters, data and kit are unchanged")
    parser.add_argument("--out", default="outputs", metavar="DIR", help="output folder (default: outputs/)")
    parser.add_argument("--no-progress", dest="progress", action="store_false",
                        help="no progress bar")
    parser.add_argument("--timings", nargs="?", const="-", default=None, metavar="FILE",
                        help="print where the time went (start-up, store, kernels, shared projection, "
                             "reports, index) on stderr; with FILE, also write it there as JSON")
    # The report engine (chitieu_lib.engine.run_jobs).
    parser.add_argument("--engine", choices=["warm", "papermill"], default=None,
                        help="warm: a few kernels kept between reports (default); papermill: a fresh "
                             "kernel per report")
    parser.add_argument("--executor", choices=["local", "dask"], default=None,
                        help="local process pool (default) or a dask.distributed cluster (--scheduler)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT", default=None,
                        help="dask scheduler address, with --executor dask (paths must be visible to "
                             "its workers)")


def _as_of(text, flag="--as-of"):
    import pandas as pd  # lazy, as in every command: `chitieu --help` stays fast (cli.py)
    if text is None:
        return None
    try:
        return pd.Timestamp(text).date().isoformat()
    except ValueError:
        raise InputError(f"{flag} '{text}' is not a date; expected YYYY-MM-DD, e.g. 2019-09-30") from None


def _report_timings(args, timings: dict, started: float | None) -> None:
    import json  # lazy, with the rest of this command's work
    import time

    from chitieu_lib.atomic import write_atomic
    from chitieu_lib.render import timing_lines

    age = process_age()
    total = age if age is not None else (time.perf_counter() - started if started else None)
    print("\n".join(timing_lines(timings, total)), file=sys.stderr)
    if args.timings != "-":
        write_atomic(Path(args.timings), json.dumps(timings | {"total": total}, indent=1, default=str))


def run(args) -> int:
    import time
    started, age = time.perf_counter(), process_age()
    from chitieu_lib.atomic import sweep
    from chitieu_lib.render import FOLDERS, NOTEBOOKS_DIR, render
    from chitieu_lib.store import default_processed_dir

    guard(args, out_dirs=("out",), inputs=INPUT_FLAGS + ("notebooks",),
          outputs=("timings",) if args.timings not in (None, "-") else (),
          defaults={"processed": default_processed_dir(), "notebooks": NOTEBOOKS_DIR})
    for folder in [Path(args.out), *(Path(args.out) / f for f in FOLDERS.values())]:
        sweep(folder)   # temporary files of a killed render
    timings = {"start-up": (age or 0.0) + time.perf_counter() - started, "kept warm": in_runner()}
    rows, index = render(
        level=args.level, codes=args.unit, districts=args.district, as_of=_as_of(args.as_of),
        processed_dir=args.processed,
        out=args.out, workers=args.workers, resume=args.resume, progress=args.progress,
        decision_file=args.decision, previous_dir=args.previous, since=_as_of(args.since, "--since"),
        pdf=args.pdf, timings=timings,
        **{k: getattr(args, k) for k in ("engine", "executor", "scheduler") if getattr(args, k, None)})
    if args.timings:
        _report_timings(args, timings, started - (age or 0.0))
    failed = [r for r in rows if not r["ok"]]
    if failed:
        print(f"chitieu render: {len(failed)} report(s) failed:", file=sys.stderr)
        for r in failed:
            first = (r["error"] or "unknown error").strip().splitlines()[0][:300]
            print(f"  {r['link']}: {first}", file=sys.stderr)
        return 1
    return 0
