"""Read a raw folder once into the processed store (data/processed/, Parquet).

Every file under RAW_DIR is recognised by its content — dossier export (CSV/XLSX),
procedure catalogue (catalog.csv), Biểu 06 workbook, flat aggregate CSV,
source.json — and the output says which file was read as what; a file that is
none of them is reported, not silently skipped. Re-running on unchanged input
does nothing; a changed file is picked up. The store is swapped in whole, so a
failure leaves the previous one intact.

Then, in Python or JupyterLab:

    from chitieu_lib.store import open_store
    store = open_store()          # data/processed, or $CHITIEU_PROCESSED_DIR
"""

from __future__ import annotations

import argparse

from .common import guard
from .formats import add_format_flags


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("raw_dir", nargs="?", default=None, metavar="RAW_DIR",
                        help="raw folder to read (default: data/raw/sample of the project)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="processed store to write (default: $CHITIEU_PROCESSED_DIR if set, "
                             "else data/processed of the project)")
    parser.add_argument("--decision", metavar="FILE", default=None,
                        help="the year's decision (TOML; default: 817/QĐ-UBND of 2019); the store keeps a "
                             "copy, and every report on it quotes this decision")
    parser.add_argument("--force", action="store_true",
                        help="rebuild the store even if the input has not changed")
    parser.add_argument("--quiet", action="store_true", help="print only the last line")
    add_format_flags(parser)


def run(args: argparse.Namespace) -> int:
    from ..decision import DEFAULT_DECISION
    from ..store import default_processed_dir, ingest, project_root

    guard(args, replaced_dirs=("out",), defaults={"out": default_processed_dir(),
                                                  "raw_dir": project_root() / "data" / "raw" / "sample"})

    result = ingest(args.raw_dir, args.out, decision=args.decision or DEFAULT_DECISION, force=args.force, log=None if args.quiet else print,
                    format_name=args.format, unit_map=args.unit_map)
    if args.quiet:   # the summary only: what was written (or that nothing was), and the synthetic note
        for line in result.lines:
            if not line.startswith(("  ", "reading ")):
                print(line)
    return 0
