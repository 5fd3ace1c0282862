"""Rolling-origin evaluation of the projection on a complete year.

  chitieu backtest --dossiers PATH [PATH ...] --catalog PATH [--units PATH] [--seed N]
                   [--out backtest.csv] [--plot calibration.png] [--note TEXT] [--decision FILE]
                   [--method v2|v1]
  chitieu backtest --worlds all|NAME[,NAME...] [--seeds 101,102,...] [--seed N] [--method v2|v1]
                   [--out backtest.csv] [--track-record FILE] [--units-per-world N]

At each month end from 31/3 to 31/10 the projection sees only the dossiers received
up to that day and is compared with each unit's true final rate (all counted dossiers
of the window). Printed: MAE of projected_rate, coverage of the 80% interval and Brier
score of p_meet, for the model and for two naive rules measured in the same run
(carry: the rate so far; last3: the last three months' share applied to the rest).
--out writes one row per as-of date × unit × method; --plot a calibration chart
(--note: a footer line for it, e.g. that the data are synthetic).
Nothing is written if anything fails.

With --worlds the backtest runs on SIMULATED years instead (chitieu_lib/projection/worlds.py:
one year per world and seed; as-of dates 30/4, 30/6, 31/8, 30/9) and also scores the oracle,
a forecaster that knows the generator (projection/oracle.py). Printed per world and as-of date:
MAE, Brier and 80% coverage of the model, both naive rules and the oracle, the model's ratios to
the best naive rule and the share of the gap to the oracle it closes; then whether issue 13's goal
is met per world; then, per world, the limit of what the dossiers allow (projection/limit.py: a
Bayes forecaster that knows the generator's settings but reads each unit's state from its
dossiers) and the share of the gap to it the model closes. --track-record writes the model's
error by level and as-of date (the reports' "how good has the projection been" line,
chitieu_lib/projection/track_record.py).
"""

from __future__ import annotations

import argparse

from .. import labels
from ..atomic import write_all
from ..errors import InputError
from ..paths import given_twice
from ..sheets import csv_writer
from .common import guard, list_flag, warn


def configure(parser: argparse.ArgumentParser) -> None:
    list_flag(parser, "--dossiers", metavar="PATH",
              help="dossier export file(s) or folder(s) of a complete year")
    parser.add_argument("--catalog", metavar="PATH", help="procedure catalogue CSV")
    parser.add_argument("--worlds", metavar="NAMES",
                        help="backtest on simulated years instead: 'all' or a comma list of worlds")
    parser.add_argument("--seeds", metavar="N,N,...",
                        help="simulated years' seeds (default: the held-out seeds 101,102,103,104)")
    parser.add_argument("--units-per-world", type=int, metavar="N",
                        help="simulate only N units per year (quick runs; default: all 162)")
    parser.add_argument("--method", default=None, choices=["v2", "v1"],
                        help="projection method (default: v2, the state-space share)")
    parser.add_argument("--track-record", metavar="FILE",
                        help="with --worlds: write the model's error by level and as-of date (CSV)")
    parser.add_argument("--units", metavar="PATH", help="own units registry CSV (default: the shipped one)")
    parser.add_argument("--seed", type=int, default=0, help="simulation seed (default: %(default)s)")
    parser.add_argument("--out", metavar="backtest.csv", help="where to write the detail")
    parser.add_argument("--plot", metavar="calibration.png", help="where to draw the calibration chart")
    parser.add_argument("--note", metavar="TEXT", help="footer line of the chart (e.g. that the data are synthetic)")
    parser.add_argument("--decision", metavar="FILE", help="decision TOML (default: 817/QĐ-UBND of 2019)")


def format_table(summary, by_month) -> str:
    """The printed summary (Vietnamese headings, fractions as comma-decimal numbers)."""
    from ..backtest import METHOD_LABELS

    def num(x, digits=4):
        return "—" if x != x else f"{x:.{digits}f}".replace(".", ",")

    col = labels.BACKTEST_COLUMNS
    dates = sorted(by_month["as_of"].unique())
    lines = [labels.say("backtest_title", first=f"{dates[0]:%d/%m}", last=f"{dates[-1]:%d/%m}"), "",
             f"{col['method']:<32}{col['n']:>9}{'MAE':>9}{col['coverage80']:>10}{'Brier':>9}"]
    for r in summary.itertuples():
        lines.append(f"{METHOD_LABELS[r.method]:<32}{r.n:>9}{num(r.mae):>9}{num(r.coverage80, 3):>10}"
                     f"{num(r.brier):>9}")
    lines += ["", labels.say("backtest_by_date"),
              f"{col['date']:<12}" + "".join(f"{m:>9}" for m in ("model", "carry", "last3")) + f"{col['coverage80']:>10}"]
    piv = by_month.pivot(index="as_of", columns="method", values="mae")
    cov = by_month[by_month["method"] == "model"].set_index("as_of")["coverage80"]
    for as_of, row in piv.iterrows():
        lines.append(f"{as_of:%d/%m/%Y}  " + "".join(f"{num(row[m]):>9}" for m in ("model", "carry", "last3"))
                     + f"{num(cov[as_of], 3):>10}")
    return "\n".join(lines)


def format_world_table(per_date, per_world, goal) -> str:
    """The printed table of the simulated years (one line per world × as-of date, then per world)."""
    from ..backtest import GOAL   # lazy, as every import of the backtest here (cli.py)

    def num(x, digits=3):
        return "—" if x != x else f"{x:.{digits}f}".replace(".", ",")

    col = labels.BACKTEST_COLUMNS
    head = (f"{col['world']:<14}{col['date']:>7}{'n':>6}  {col['mae_all']:<38}"
            f"{col['brier_all']:<42}{col['coverage_pair']:<22}"
            f"{'MAE÷':>6}{'Brier÷':>7}{'gap MAE':>8}")
    lines = [labels.say("backtest_worlds_title"), "", head]

    def line(r, date):
        mae = " / ".join(num(getattr(r, f"{m}_mae"), 4) for m in ("model", "carry", "last3", "oracle"))
        br = " / ".join(num(getattr(r, f"{m}_brier"), 4) for m in ("model", "carry", "last3", "oracle"))
        cov = f"{num(r.model_cov80)} / {num(r.oracle_cov80)}"
        return (f"{r.world:<14}{date:>7}{r.n:>6}  {mae:<38}{br:<42}{cov:<22}{num(r.mae_ratio, 2):>6}"
                f"{num(r.brier_ratio, 2):>7}{num(r.mae_gap_closed, 2):>8}")

    for r in per_date.itertuples():
        lines.append(line(r, f"{r.as_of:%d/%m}"))
    lines += ["", labels.say("backtest_whole_year")]
    for r in per_world.itertuples():
        lines.append(line(r, col["whole_year"]))
    low, high = GOAL["coverage"]
    lines += ["", labels.say("backtest_goal", mae=num(GOAL["mae_ratio"], 2), brier=num(GOAL["brier_ratio"], 2),
                             low=num(low, 2), high=num(high, 2), worst=num(GOAL["min_date_coverage"], 2))]
    for r in goal.itertuples():
        lines.append(labels.say("backtest_goal_line", world=r.world,
                                verdict=labels.say("backtest_met" if r.meets else "backtest_not_met"),
                                mae=num(r.mae_ratio, 2), brier=num(r.brier_ratio, 2), coverage=num(r.model_cov80),
                                worst=num(r.worst_date_cov80)))
    # worlds with the limit's scores (a detail written without it has no such column)
    bounded = [r for r in per_world.itertuples() if (x := getattr(r, "limit_mae", float("nan"))) == x]
    if bounded:
        lines += ["", labels.say("backtest_limit_title")]
    for r in bounded:
        lines.append(labels.say(
            "backtest_limit_line", world=r.world,
            mae=" / ".join(num(getattr(r, f"{m}_mae"), 4) for m in ("model", "limit", "oracle")),
            mae_ratios=" / ".join(num(x, 2) for x in (r.mae_ratio, r.limit_mae_ratio, r.oracle_mae_ratio)),
            brier_ratios=" / ".join(num(x, 2) for x in (r.brier_ratio, r.limit_brier_ratio, r.oracle_brier_ratio)),
            coverage=num(r.limit_cov80), gap_mae=num(r.mae_limit_gap_closed, 2),
            gap_brier=num(r.brier_limit_gap_closed, 2)))
    return "\n".join(lines)


def _run_worlds(args) -> int:
    import sys

    from ..backtest import HOLDOUT_SEEDS, WORLDS, goal_check, world_backtest, world_table
    from ..projection.track_record import track_record_table, write_track_record

    worlds = WORLDS if args.worlds == "all" else tuple(w.strip() for w in args.worlds.split(","))
    unknown = [w for w in worlds if w not in WORLDS]
    if unknown:
        raise InputError(f"unknown world(s) {unknown}: choose from {list(WORLDS)}")
    try:
        seeds = HOLDOUT_SEEDS if not args.seeds else tuple(int(s) for s in args.seeds.split(","))
    except ValueError:
        raise InputError(f"--seeds '{args.seeds}' is not a comma list of integers") from None
    detail = world_backtest(worlds, seeds, seed=args.seed, method=args.method, n_units=args.units_per_world,
                            progress=lambda w, s, a: print("  " + labels.say("backtest_progress", world=w, seed=s,
                                                                             as_of=f"{a:%d/%m}"), file=sys.stderr))
    per_date, per_world = world_table(detail), world_table(detail, by=("world",))
    goal = goal_check(per_world, per_date)
    command = "chitieu " + " ".join(sys.argv[1:]) if sys.argv[1:2] == ["backtest"] else "chitieu backtest"
    writers = {}
    if args.out:
        writers[args.out] = csv_writer(detail, encoding="utf-8")
    if args.track_record:
        table = track_record_table(detail)
        writers[args.track_record] = lambda p: write_track_record(table, p, command=command)
    written = write_all(writers)
    print(format_world_table(per_date, per_world, goal))
    if written:
        print("\n" + labels.say("written", files=", ".join(str(p) for p in written)))
    return 0


def run(args: argparse.Namespace) -> int:
    if args.worlds:
        guard(args, outputs=("out", "track_record"))
        return _run_worlds(args)
    return _run_year(args)


def _run_year(args: argparse.Namespace) -> int:
    from ..backtest import backtest, score
    from ..decision import load_decision, load_units
    from ..ingest import load_dossiers
    from ..windows import read_catalog

    from ..ingest.load import DOSSIER_EXTENSIONS

    guard(args, outputs=("out", "plot"))
    args.dossiers, warnings = given_twice(args.dossiers, DOSSIER_EXTENSIONS)
    warn("backtest", warnings)
    if not args.dossiers or not args.catalog:
        raise InputError("give --dossiers and --catalog of a complete year, or --worlds for simulated years")
    decision = load_decision(args.decision) if args.decision else load_decision()
    units = load_units(decision, path=args.units)
    catalog = read_catalog(args.catalog, decision)
    own = [args.catalog, args.units, args.decision, args.out, args.plot]
    dossiers = load_dossiers(args.dossiers, catalog, units, decision=decision, exclude=[p for p in own if p])
    if not (dossiers["reason"].astype(str) == "counted").any():
        raise InputError("no counted dossier in the input: a backtest needs a complete year")
    detail = backtest(dossiers, catalog, units, seed=args.seed, decision=decision, method=args.method)
    summary = score(detail)
    by_month = score(detail, by=("as_of", "method"))
    writers = {}
    if args.out:
        writers[args.out] = csv_writer(detail, encoding="utf-8")
    if args.plot:
        from ..backtest import calibration_plot
        writers[args.plot] = lambda p: calibration_plot(detail, p, note=args.note)
    written = write_all(writers)
    print(format_table(summary, by_month))
    if written:
        print("\n" + labels.say("written", files=", ".join(str(p) for p in written)))
    return 0
