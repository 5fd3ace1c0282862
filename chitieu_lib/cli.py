"""The ``chitieu`` command line: one sub-command per stage of the data flow.

Each sub-command lives in ``chitieu_lib/commands/<name>.py`` and defines
``configure(parser)`` and ``run(args) -> int``. Command modules import heavy
libraries inside ``run`` so that ``chitieu --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .errors import InputError

# In data-flow order.
COMMANDS = {
    "sample": "write a synthetic Khánh Hòa 2019 year under data/raw/sample/",
    "ingest": "read a raw folder once into the processed store (Parquet)",
    "rates": "online rate of every unit against its Decision 817 target",
    "backtest": "rolling-origin evaluation of the projection on a complete year",
    "render": "run the report notebooks and write code-free HTML",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chitieu",
        description="Online public-service targets of Khánh Hòa's Decision 817/QĐ-UBND (2019).")
    parser.add_argument("--version", action="version", version=f"chitieu {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_text in COMMANDS.items():
        module = importlib.import_module(f"chitieu_lib.commands.{name}")
        cmd = sub.add_parser(name, help=help_text, description=module.__doc__,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
        module.configure(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except InputError as exc:
        print(f"chitieu {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"chitieu {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
