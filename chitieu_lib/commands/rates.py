"""Online rate of every unit against its target, with every input row accounted for.

  chitieu rates --dossiers PATH [PATH ...] --catalog PATH [--units PATH] [--as-of YYYY-MM-DD]
                --out rates.csv [--accounting accounting.csv] [--sheet NAME]
                [--header-map FILE] [--decision FILE]

PATH is a dossier export (CSV or XLSX) or a folder (all its .csv/.xlsx files, sorted by name).
--as-of defaults to the end of the decision's window; dossiers received after it are excluded
(after_as_of). rates.csv has one row per unit with a target (rate and met blank when the unit
has no counted dossier); accounting.csv has one row per reason (counted or why excluded) and
its rows add up to the number of data rows read. Nothing is written if anything fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from .. import labels
from ..atomic import write_all
from ..errors import InputError
from ..paths import given_twice
from ..sheets import csv_writer
from ..vi import DASH, fmt_date, fmt_pct
from .common import as_of_warnings, guard, list_flag, warn
from .formats import add_format_flags, format_options

LEVEL_LABELS = labels.LEVELS_SHORT
HEAD = labels.SUMMARY_COLUMNS


def configure(parser: argparse.ArgumentParser) -> None:
    list_flag(parser, "--dossiers", required=True, metavar="PATH",
              help="dossier export file(s) or folder(s): CSV (UTF-8) or XLSX")
    parser.add_argument("--catalog", required=True, metavar="PATH",
                        help="procedure catalogue CSV (procedure_code, procedure_name, rule, effective_date)")
    parser.add_argument("--units", metavar="PATH", help="own units registry CSV (default: the shipped one)")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD",
                        help="count dossiers received up to this day (default: the window end)")
    parser.add_argument("--out", required=True, metavar="rates.csv", help="where to write the rates")
    parser.add_argument("--accounting", metavar="accounting.csv", help="where to write the row accounting")
    parser.add_argument("--sheet", metavar="NAME", help="XLSX sheet to read (default: the first)")
    parser.add_argument("--header-map", metavar="FILE",
                        help="own header → field map (TOML, JSON or CSV with columns header,field)")
    parser.add_argument("--decision", metavar="FILE", help="decision TOML (default: 817/QĐ-UBND of 2019)")
    add_format_flags(parser)


def parse_day(text: str | None, what: str = "--as-of") -> dt.date | None:
    """An ISO day from the command line, or an InputError saying what was expected."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{what} '{text}' is not a date in the form YYYY-MM-DD") from None


def synthetic_inputs(paths) -> bool:
    """True when a ``source.json`` next to the inputs (or one or two folders up) says
    ``"synthetic": true`` — the bundled example and the sample year do."""
    for path in map(Path, paths):
        folder = path if path.is_dir() else path.parent
        for candidate in (folder, folder.parent, folder.parent.parent):
            marker = candidate / "source.json"
            try:
                if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")).get("synthetic"):
                    return True
            except (OSError, ValueError, AttributeError):
                continue
    return False


def compute(args: argparse.Namespace):
    """Read, classify and rate: returns ``(rates, accounting)`` frames; writes nothing.

    ``rates.attrs`` holds the decision number and the as-of day; ``accounting.attrs["ingest"]``
    what was read from each file (encoding, headers used, personal-data columns dropped).
    """
    from ..decision import load_decision, load_units
    from ..ingest import accounting, load_dossiers, read_header_map
    from ..rates import unit_rates
    from ..windows import read_catalog

    as_of = parse_day(args.as_of)
    decision = load_decision(args.decision) if args.decision else load_decision()
    units = load_units(decision, path=args.units)
    catalog = read_catalog(args.catalog, decision)
    warnings = as_of_warnings(as_of, decision) + getattr(args, "warnings", [])
    as_of = as_of or decision.window_end
    header_map = read_header_map(args.header_map) if args.header_map else None
    own_files = [args.catalog, args.units, args.header_map, args.decision, args.out, args.accounting]
    format_name, unit_map = format_options(args, units)
    own_files.append(getattr(args, "unit_map", None))
    dossiers = load_dossiers(args.dossiers, catalog, units, header_map=header_map, sheet=args.sheet,
                             as_of=as_of, decision=decision, exclude=own_files,
                             format_name=format_name, unit_map=unit_map)

    rates = unit_rates(dossiers, units)
    # Projection columns (projected_rate, projected_low, projected_high, p_meet, required_rate,
    # status): one row per unit_code from chitieu_lib.projection, merged onto the rates.
    from ..projection import RATES_COLUMNS, project
    projected = project(dossiers, catalog, units, as_of, decision=decision)
    rates = rates.merge(projected[["unit_code", *RATES_COLUMNS]], on="unit_code", how="left")

    account = accounting(dossiers)
    rates.attrs = {"decision": decision.number, "as_of": as_of.isoformat(), "rows": len(dossiers),
                   "synthetic": synthetic_inputs(args.dossiers), "warnings": warnings}
    account.attrs = {"ingest": dossiers.attrs.get("ingest", {})}
    return rates, account


def _write_atomically(frames: list) -> None:
    """Write every (frame, path) to a temporary file next to its target, then rename them all."""
    write_all({path: csv_writer(frame, encoding="utf-8") for frame, path in frames})


def render_table(rates, account) -> str:
    """The readable summary printed by ``chitieu rates`` (in Vietnamese)."""
    import pandas as pd

    from ..ingest import REASON_LABELS

    with_data = rates[rates["total"] > 0]
    table = pd.DataFrame({
        HEAD["code"]: with_data["unit_code"],
        HEAD["unit"]: with_data["unit_name"],
        HEAD["level"]: with_data["level"].map(LEVEL_LABELS),
        HEAD["target"]: with_data["target"].map(fmt_pct),
        HEAD["online"]: with_data["online"],
        HEAD["total"]: with_data["total"],
        HEAD["rate"]: with_data["rate"].map(fmt_pct),
        HEAD["met"]: with_data["met"].map(labels.MET_WORDS).fillna(DASH),
    })
    lines = []
    if rates.attrs.get("synthetic"):
        lines.append(labels.SYNTHETIC_NOTE_TEXT)
    lines += [labels.say("warning", warning=w) for w in rates.attrs.get("warnings", [])]
    lines += [labels.say("rates_heading", decision=rates.attrs.get("decision", ""),
                         as_of=fmt_date(rates.attrs.get("as_of"))), ""]
    lines.append(table.to_string(index=False) if len(table) else labels.say("rates_none"))
    met = int(with_data["met"].fillna(False).sum())
    lines += ["", labels.say("rates_met", met=met, with_data=len(with_data),
                             without_data=len(rates) - len(with_data), units=len(rates)), "",
              labels.say("rates_accounting", rows=int(account["rows"].sum()))]
    lines += _accounting_lines(account, REASON_LABELS)
    lines += _ingest_lines(account.attrs.get("ingest", {}))
    return "\n".join(lines)


def _accounting_lines(account, reason_labels: dict) -> list[str]:
    """One line per reason with rows (and counted): key, rows, words, a few example rows."""
    lines = []
    for rec in account.to_dict("records"):
        if rec["rows"] or rec["reason"] == "counted":
            shown = "; ".join(rec["example_rows"].split("; ")[:3])
            example = "  " + labels.say("rates_example", rows=shown) if rec["reason"] != "counted" and shown else ""
            lines.append(f"  {rec['reason']:<17} {rec['rows']:>9}  {reason_labels[rec['reason']]}{example}")
    return lines


def _ingest_lines(ingest: dict) -> list[str]:
    """What reading each file did: skipped files, encodings, dropped columns, blank rows."""
    lines = [labels.say("rates_skipped_file", file=skipped) for skipped in ingest.get("skipped_files", [])]
    for meta in ingest.get("files", []):
        notes = []
        if meta.get("encoding") not in (None, "utf8"):
            notes.append(labels.say("rates_encoding", encoding=meta["encoding"]))
        if meta.get("personal_data_dropped"):
            notes.append(labels.say("rates_personal_dropped", columns=", ".join(meta["personal_data_dropped"])))
        if meta.get("unrecognised_dropped"):
            notes.append(labels.say("rates_unrecognised_dropped", columns=", ".join(meta["unrecognised_dropped"])))
        if meta.get("blank_rows_skipped"):
            notes.append(labels.say("rates_blank_rows", rows=meta["blank_rows_skipped"]))
        if notes:
            lines.append(f"{meta['file']}: " + "; ".join(notes))
    return lines


def run(args: argparse.Namespace) -> int:
    from ..ingest.load import DOSSIER_EXTENSIONS, expand_paths

    guard(args, outputs=("out", "accounting"))
    args.dossiers, args.warnings = given_twice(args.dossiers, DOSSIER_EXTENSIONS)
    own = [args.catalog, args.units, getattr(args, "header_map", None), args.decision,
           getattr(args, "unit_map", None)]
    files = expand_paths(args.dossiers, exclude=[p for p in own if p])
    print(f"chitieu rates: {len(files)} file(s) to read", file=sys.stderr)
    rates, account = compute(args)
    warn("rates", rates.attrs["warnings"])
    outputs = [(rates, args.out)]
    if args.accounting:
        outputs.append((account[["reason", "rows", "example_rows"]], args.accounting))
    _write_atomically(outputs)
    print(render_table(rates, account))
    written = ", ".join(str(p) for _, p in outputs)
    print("\n" + labels.say("written", files=written))
    return 0
