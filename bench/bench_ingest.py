"""Benchmark: ingest + rates of every unit, the kit against a DuckDB SQL baseline, same files, same run.

    .venv/bin/python bench/bench_ingest.py            # 1 and 10 million rows
    .venv/bin/python bench/bench_ingest.py --rows 1m  # one size only

Data: synthetic years made by ``chitieu sample --scale`` under bench/data/ (gitignored; made once,
about 15 s per million rows). Only the CSV exports are used, by both sides (the sample also writes
one XLSX per year, which DuckDB cannot read without an extension from the internet).

Both sides run as child processes, one at a time; the time is the child's wall time (imports
included) and the peak memory is the child's maximum resident set (``os.wait4``).

- kit: ``load_dossiers(<the CSV files>, read_catalog(catalog.csv, decision))`` then ``unit_rates`` — read,
  map headers, normalise, resolve units, classify (every exclusion rule), count online/total per
  unit, written to CSV. (Not ``chitieu rates``: that command also runs the projection, which the
  baseline does not do.)
- DuckDB: ``read_csv`` of the same files into a table, then one SQL query: the same exclusions
  (missing id, duplicate, invalid date/channel, unknown/ambiguous unit, no target, not in the
  catalogue, outside the procedure's window), joined to small dimension tables that give the
  meaning of distinct values (unit name → code, day text → date, channel word → channel,
  procedure → window; computed with the kit's own functions on the distinct values only),
  and ``count(*)`` online/total per unit. Its result is checked equal to the kit's, unit by unit.

Goal (issue 6): the kit within 1.5× DuckDB's time, and under 3 GiB peak memory at 10 million rows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
SIZES = {"1m": 2.23, "10m": 22.3}  # --scale giving about 1 and 10 million rows (scale 1: ~447,000)
PY = sys.executable
CHITIEU = str(Path(PY).with_name("chitieu"))


def make_year(label: str) -> Path:
    out = DATA / f"rows-{label}"
    if not (out / "source.json").is_file():
        print(f"making {out.relative_to(ROOT)} (chitieu sample --scale {SIZES[label]}) ...", flush=True)
        subprocess.run([CHITIEU, "sample", "--out", str(out), "--scale", str(SIZES[label]),
                        "--no-aggregates", "--quiet", "--force"], check=True)
    return out


def csv_files(year: Path) -> list[str]:
    return sorted(str(p) for p in (year / "dossiers").glob("*.csv"))


def timed_child(cmd: list[str]) -> tuple[float, float, int]:
    """Run ``cmd``; return (wall seconds, peak RSS in GiB, exit status)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 2**20, proc.returncode  # ru_maxrss is in KiB on Linux


# ----------------------------------------------------------------------------- the two sides

def kit_rates(files: list[str], catalog: str, out: str) -> None:
    """The kit (runs in the child process): ingest + the rates of every unit."""
    from chitieu_lib import load_dossiers, load_units, read_catalog, unit_rates
    from chitieu_lib.decision import DEFAULT_DECISION, load_decision

    decision = load_decision(DEFAULT_DECISION)     # the sample year's
    units = load_units(decision)
    dossiers = load_dossiers(files, read_catalog(catalog, decision), units)
    unit_rates(dossiers, units).to_csv(out, index=False)


def duckdb_rates(files: list[str], catalog: str, out: str) -> None:
    """The DuckDB baseline (runs in the child process)."""
    import duckdb
    import pandas as pd
    import pyarrow as pa

    from chitieu_lib.decision import DEFAULT_DECISION, load_decision, load_units
    from chitieu_lib.ingest import map_headers
    from chitieu_lib.ingest.values import parse_channels, parse_dates
    from chitieu_lib.windows import read_catalog

    decision = load_decision(DEFAULT_DECISION)     # the sample year's

    def q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    # Which column is which field, per file (headers differ between exports).
    columns: dict[str, list[str]] = {f: [] for f in ("dossier_id", "unit", "procedure_code",
                                                      "received_date", "channel")}
    for f in files:
        with open(f, encoding="utf-8-sig") as fh:
            header = next(iter(__import__("csv").reader([fh.readline()])))
        mapping = map_headers(header, path=f)
        for field, cols in columns.items():
            for col in (header[pos] for pos in mapping.columns.get(field, [])):
                if col not in cols:
                    cols.append(col)

    def field(name: str) -> str:
        cols = columns[name]
        parts = [f"nullif(trim({q(c)}), '')" for c in cols]
        return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"

    con = duckdb.connect()
    con.register("files_t", pd.DataFrame({"filename": files, "file_idx": range(len(files))}))
    con.execute(f"""
        CREATE TABLE d AS
        SELECT f.file_idx, try_cast(s."STT" AS BIGINT) AS stt,
               {field('dossier_id')} AS dossier_id, {field('unit')} AS unit_text,
               upper({field('procedure_code')}) AS proc,
               regexp_replace({field('received_date')}, '[T\\s].*$', '') AS day_text,
               {field('channel')} AS channel_text
        FROM read_csv({files!r}, header = true, all_varchar = true, union_by_name = true,
                      filename = true) s JOIN files_t f USING (filename)""")

    def distinct(col: str) -> list:
        return [r[0] for r in con.execute(f"SELECT DISTINCT {col} FROM d WHERE {col} IS NOT NULL").fetchall()]

    units = load_units(decision)
    unit_texts = distinct("unit_text")
    from chitieu_lib.ingest import resolve_names
    resolved = resolve_names(unit_texts, units)
    con.register("units_dim", pd.DataFrame({"unit_text": unit_texts, "unit_code": resolved["unit_code"],
                                            "match": resolved["unit_match"].astype(str)}))
    day_texts = distinct("day_text")
    con.register("days_dim", pd.DataFrame({"day_text": day_texts, "day": parse_dates(
        pa.array(day_texts, type=pa.string()))}))
    words = distinct("channel_text")
    con.register("channels_dim", pd.DataFrame({"channel_text": words, "channel": pd.Series(
        parse_channels(pa.array(words, type=pa.string()))).astype(str)}))
    cat = read_catalog(catalog, decision)
    cat = cat.assign(proc=cat["procedure_code"].astype(str).str.strip().str.upper()).drop_duplicates("proc")
    con.register("cat_dim", cat[["proc", "window_start", "window_end"]])
    con.register("targets", units.loc[units["target"].notna(), ["unit_code"]].astype(str))
    as_of = decision.window_end
    result = con.execute(f"""
        WITH x AS (
            SELECT d.*, u.unit_code, u.match, dd.day, c.channel, k.window_start, k.window_end,
                   t.unit_code IS NOT NULL AS has_target,
                   CASE WHEN d.dossier_id IS NULL THEN 1 ELSE row_number() OVER (
                       PARTITION BY d.dossier_id ORDER BY d.file_idx, d.stt) END AS occurrence
            FROM d
            LEFT JOIN units_dim u USING (unit_text)
            LEFT JOIN days_dim dd USING (day_text)
            LEFT JOIN channels_dim c USING (channel_text)
            LEFT JOIN cat_dim k USING (proc)
            LEFT JOIN targets t ON t.unit_code = u.unit_code)
        SELECT unit_code, count(*) FILTER (WHERE channel = 'online') AS online, count(*) AS total
        FROM x
        WHERE dossier_id IS NOT NULL AND occurrence = 1 AND day IS NOT NULL
          AND channel IN ('online', 'direct', 'postal') AND match = 'ok' AND has_target
          AND window_start IS NOT NULL AND day BETWEEN window_start AND window_end
          AND day <= DATE '{as_of.isoformat()}'
        GROUP BY unit_code ORDER BY unit_code""").df()
    result.to_csv(out, index=False)


# ----------------------------------------------------------------------------- the comparison

def compare(kit_csv: Path, duck_csv: Path) -> str:
    import pandas as pd

    kit = pd.read_csv(kit_csv, dtype={"unit_code": str})[["unit_code", "online", "total"]]
    duck = pd.read_csv(duck_csv, dtype={"unit_code": str})
    both = kit.merge(duck, on="unit_code", how="outer", suffixes=("_kit", "_duckdb")).fillna(0)
    bad = both[(both["online_kit"] != both["online_duckdb"]) | (both["total_kit"] != both["total_duckdb"])]
    if bad.empty:
        return f"same online/total for all {len(kit)} units (total counted {int(kit['total'].sum()):,})"
    return f"DIFFERENT for {len(bad)} units:\n{bad.head(10).to_string()}"


def bench(label: str, repeat: int) -> dict:
    year = make_year(label)
    files = csv_files(year)
    catalog = str(year / "catalog.csv")
    meta = json.loads((year / "source.json").read_text(encoding="utf-8"))
    rows = sum(f["rows"] for f in meta["files"] if f.get("format") == "csv")
    print(f"\n== {label}: {rows:,} rows in {len(files)} CSV files "
          f"({sum(os.path.getsize(f) for f in files) / 2**20:,.0f} MiB)", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    kit_cmd = [PY, __file__, "--kit-child", str(tmp / "kit.csv"), catalog, *files]
    duck_cmd = [PY, __file__, "--duckdb-child", str(tmp / "duck.csv"), catalog, *files]
    runs = {"kit": [], "duckdb": []}
    for _ in range(repeat):  # alternate, so that a busy moment of the machine hits both
        for name, cmd in (("duckdb", duck_cmd), ("kit", kit_cmd)):
            seconds, peak, status = timed_child(cmd)
            if status != 0:
                raise SystemExit(f"{name} failed with status {status}")
            runs[name].append((seconds, peak))
    best = {k: min(v) for k, v in runs.items()}
    ratio = best["kit"][0] / best["duckdb"][0]
    print(f"   DuckDB  {best['duckdb'][0]:7.1f} s   peak {best['duckdb'][1]:5.2f} GiB")
    print(f"   kit     {best['kit'][0]:7.1f} s   peak {best['kit'][1]:5.2f} GiB")
    print(f"   kit / DuckDB = {ratio:.2f}× (goal ≤ 1.5×); best of {repeat}; "
          f"all runs: {json.dumps({k: [round(s, 1) for s, _ in v] for k, v in runs.items()})}")
    print(f"   check: {compare(tmp / 'kit.csv', tmp / 'duck.csv')}", flush=True)
    return {"label": label, "rows": rows, "kit_s": best["kit"][0], "duckdb_s": best["duckdb"][0],
            "ratio": ratio, "kit_peak_gib": best["kit"][1], "duckdb_peak_gib": best["duckdb"][1]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", choices=list(SIZES), nargs="+", default=list(SIZES))
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side (the best is kept)")
    parser.add_argument("--duckdb-child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--kit-child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.kit_child:
        out, catalog, *files = args.kit_child
        kit_rates(files, catalog, out)
        return 0
    if args.duckdb_child:
        out, catalog, *files = args.duckdb_child
        duckdb_rates(files, catalog, out)
        return 0
    results = [bench(label, args.repeat) for label in args.rows]
    print("\nsummary:", json.dumps(results, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
