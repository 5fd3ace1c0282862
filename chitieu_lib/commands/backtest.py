"""Rolling-origin evaluation of the projection on a complete year.

  chitieu backtest --dossiers PATH [PATH ...] --catalog PATH [--units PATH] [--seed N]
                   [--out backtest.csv] [--plot calibration.png] [--note TEXT] [--decision FILE]

At each month end from 31/3 to 31/10 the projection sees only the dossiers received
up to that day and is compared with each unit's true final rate (all counted dossiers
of the window). Printed: MAE of projected_rate, coverage of the 80% interval and Brier
score of p_meet, for the model and for two naive rules measured in the same run
(carry: the rate so far; last3: the last three months' share applied to the rest).
--out writes one row per as-of date × unit × method; --plot a calibration chart
(--note: a footer line for it, e.g. that the data are synthetic).
Nothing is written if anything fails.
"""

from __future__ import annotations

import argparse

from ..atomic import write_all
from ..errors import InputError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dossiers", nargs="+", required=True, metavar="PATH",
                        help="dossier export file(s) or folder(s) of a complete year")
    parser.add_argument("--catalog", required=True, metavar="PATH", help="procedure catalogue CSV")
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

    lines = ["Kiểm định lùi (rolling-origin): ngày dự báo 31/3 … 31/10, so với tỷ lệ cuối kỳ thực tế", "",
             f"{'phương pháp':<32}{'số lượt':>9}{'MAE':>9}{'phủ 80%':>10}{'Brier':>9}"]
    for r in summary.itertuples():
        lines.append(f"{METHOD_LABELS[r.method]:<32}{r.n:>9}{num(r.mae):>9}{num(r.coverage80, 3):>10}"
                     f"{num(r.brier):>9}")
    lines += ["", "MAE theo ngày dự báo:", f"{'ngày':<12}" + "".join(f"{m:>9}" for m in ("model", "carry", "last3"))
              + f"{'phủ 80%':>10}"]
    piv = by_month.pivot(index="as_of", columns="method", values="mae")
    cov = by_month[by_month["method"] == "model"].set_index("as_of")["coverage80"]
    for as_of, row in piv.iterrows():
        lines.append(f"{as_of:%d/%m/%Y}  " + "".join(f"{num(row[m]):>9}" for m in ("model", "carry", "last3"))
                     + f"{num(cov[as_of], 3):>10}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ..backtest import backtest, score
    from ..decision import load_decision, load_units
    from ..ingest import load_dossiers
    from ..windows import read_catalog

    decision = load_decision(args.decision) if args.decision else load_decision()
    units = load_units(decision, path=args.units)
    catalog = read_catalog(args.catalog, decision)
    own = [args.catalog, args.units, args.decision, args.out, args.plot]
    dossiers = load_dossiers(args.dossiers, catalog, units, decision=decision, exclude=[p for p in own if p])
    if not (dossiers["reason"].astype(str) == "counted").any():
        raise InputError("no counted dossier in the input: a backtest needs a complete year")
    detail = backtest(dossiers, catalog, units, seed=args.seed, decision=decision)
    summary = score(detail)
    by_month = score(detail, by=("as_of", "method"))
    writers = {}
    if args.out:
        writers[args.out] = lambda p: detail.to_csv(p, index=False, encoding="utf-8")
    if args.plot:
        from ..backtest import calibration_plot
        writers[args.plot] = lambda p: calibration_plot(detail, p, note=args.note)
    written = write_all(writers)
    print(format_table(summary, by_month))
    if written:
        print("\nĐã ghi: " + ", ".join(str(p) for p in written))
    return 0
