"""What every command does the same way: guard its paths, list flags, warnings
(``as_of_warnings`` lives with the windows: :func:`chitieu_lib.windows.as_of_warnings`).

>>> import argparse
>>> p = argparse.ArgumentParser()
>>> list_flag(p, "--unit", metavar="CODE")
>>> p.parse_args(["--unit", "571", "22516", "--unit", "SCT"]).unit
['571', '22516', 'SCT']
"""

from __future__ import annotations

import argparse
import sys
from typing import Iterable

from ..paths import check_paths
from ..windows import as_of_warnings  # noqa: F401 -- re-exported for the commands

# Flags naming files a command reads, wherever a command has them (absent ones are skipped),
# so that a new input flag is guarded by adding its name here.
INPUT_FLAGS = ("dossiers", "catalog", "units", "header_map", "unit_map", "decision", "previous",
               "processed", "raw_dir")


def flag_of(attr: str) -> str:
    """``header_map`` → ``--header-map``; a positional (``raw_dir``) → ``RAW_DIR``.

    >>> flag_of("header_map"), flag_of("raw_dir")
    ('--header-map', 'RAW_DIR')
    """
    return attr.upper() if attr == "raw_dir" else "--" + attr.replace("_", "-")


def list_flag(parser: argparse.ArgumentParser, *flags: str, **kwargs) -> None:
    """A flag taking one or more values that may also be repeated: ``--unit A B --unit C``."""
    parser.add_argument(*flags, nargs="+", action="extend", **kwargs)


def guard(args: argparse.Namespace, *, outputs: Iterable[str] = (), out_dirs: Iterable[str] = (),
          replaced_dirs: Iterable[str] = (), inputs: Iterable[str] = INPUT_FLAGS,
          defaults: dict | None = None) -> None:
    """:func:`chitieu_lib.paths.check_paths` on the command's arguments, before anything is read.

    Each name is an attribute of ``args``; ``defaults`` gives the path a None attribute
    stands for (e.g. the default store folder).
    """
    defaults = defaults or {}

    def pick(names):
        return {flag_of(n): (getattr(args, n, None) or defaults.get(n)) for n in names}

    check_paths(pick(inputs), pick(outputs), out_dirs=pick(out_dirs), replaced_dirs=pick(replaced_dirs))


def warn(command: str, messages: Iterable[str]) -> None:
    """Print each warning on stderr, prefixed like the CLI's errors."""
    for message in messages:
        print(f"chitieu {command}: warning: {message}", file=sys.stderr)
