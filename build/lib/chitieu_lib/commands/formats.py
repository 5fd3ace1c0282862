"""The export-format flags shared by ``chitieu rates`` and ``chitieu ingest``: ``--format NAME``
(force an export profile, chitieu_lib/data/formats/) and ``--unit-map FILE`` (a system's own unit
codes or names → registry codes)."""

from __future__ import annotations

import argparse


def add_format_flags(parser: argparse.ArgumentParser) -> None:
    """Add ``--format`` and ``--unit-map`` to a command."""
    from ..ingest.format import profiles
    parser.add_argument("--format", metavar="NAME", default=None,
                        help="export layout to read the dossier files with (default: recognised per file "
                             f"by its headers); known: {', '.join(profiles())}")
    parser.add_argument("--unit-map", metavar="FILE", default=None,
                        help="CSV with columns unit,unit_code: a system's own unit codes or names "
                             "(e.g. 000.00.17.H34) mapped to the registry's unit codes")


def format_options(args: argparse.Namespace, units=None) -> tuple:
    """``(format_name, unit_map)`` from the flags, checked: an unknown format name or a bad unit
    map is an InputError."""
    from ..ingest.format import load_profile
    from ..ingest.units import read_unit_map
    name = getattr(args, "format", None)
    if name:
        name = load_profile(name).name
    path = getattr(args, "unit_map", None)
    return name, (read_unit_map(path, units) if path else None)
