"""The ``chitieu`` command line: one sub-command per stage of the data flow.

Each sub-command lives in ``chitieu_lib/commands/<name>.py`` and defines
``configure(parser)`` and ``run(args) -> int``. Command modules import heavy
libraries inside ``run`` so that ``chitieu --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import __version__, warm
from .errors import InputError

# In data-flow order.
COMMANDS = {
    "sample": "write a synthetic Khánh Hòa 2019 year under data/raw/sample/",
    "ingest": "read a raw folder once into the processed store (Parquet)",
    "rates": "online rate of every unit against its Decision 817 target",
    "backtest": "rolling-origin evaluation of the projection on a complete year",
    "render": "run the report notebooks and write code-free HTML",
    "warm": "keep a started chitieu ready for the next commands in this folder (start, stop, status)",
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
    """Run one command; every failure ends in a one-line message, never a traceback.

    Bad input (:class:`InputError`) and file-system refusals (``OSError``: a path
    that cannot be read or written) exit 2; anything else is a fault of the kit:
    exit 1, its traceback shown only with ``CHITIEU_DEBUG=1``. From the console script
    (``argv`` None), a command runs in this folder's kept-warm runner when there is one
    (:mod:`chitieu_lib.warm`), otherwise here.
    """
    if argv is None:
        forwarded = sys.argv[1:]
        if forwarded[:1] != ["warm"]:
            code = warm.run_via_server(forwarded)
            if code is not None:
                return code
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except InputError as exc:
        print(f"chitieu {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"chitieu {args.command}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"chitieu {args.command}: error: {where}{exc.strerror or type(exc).__name__}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 -- the last line of defence: no traceback for a user
        if os.environ.get("CHITIEU_DEBUG"):
            raise
        # The type only: an exception's text may quote a data cell (personal data).
        print(f"chitieu {args.command}: internal error ({type(exc).__name__}); please report it, "
              "with the command line (CHITIEU_DEBUG=1 shows the details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
