"""Inputs are sacred: the guard every command calls before reading anything.

:func:`check_paths` compares resolved paths (symbolic and hard links seen
through) and refuses, with an :class:`~chitieu_lib.errors.InputError` naming
both paths, an output that

- is one of the input files, or lies inside an input folder;
- equals another output;
- is a folder where a file is expected, or a file where a folder is expected;
- (for a folder replaced whole, like the processed store) holds an input.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "d.csv").write_text("x")
>>> check_paths({"--dossiers": [d / "d.csv"]}, {"--out": d / "rates.csv"})
>>> try:
...     check_paths({"--dossiers": [d / "d.csv"]}, {"--out": d / "d.csv"})
... except InputError as exc:
...     print(str(exc).replace(str(d), "D"))
--out D/d.csv is the input --dossiers D/d.csv: the kit never writes over a file it reads; choose another output path
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from . import labels
from .errors import InputError


@dataclass(frozen=True)
class _Named:
    flag: str
    given: str           # as the user wrote it, for messages
    path: Path           # resolved


def _flatten(value) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, (str, os.PathLike)):
        return [value]
    return [v for item in value for v in _flatten(item)]


def _named(mapping: Mapping[str, object]) -> list[_Named]:
    return [_Named(flag, str(p), resolve(p)) for flag, value in mapping.items() for p in _flatten(value)]


def resolve(path) -> Path:
    """The absolute path with ``~`` expanded and links of its existing part resolved.

    >>> resolve("/tmp/../tmp/x.csv").as_posix()
    '/tmp/x.csv'
    """
    return Path(os.path.expanduser(str(path))).resolve()


def _same(a: Path, b: Path) -> bool:
    """The same file or folder: equal resolved paths, or one inode (a hard link)."""
    if a == b:
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _inside(child: Path, folder: Path) -> bool:
    return child != folder and child.is_relative_to(folder)


def _existing_ancestor_file(path: Path) -> Path | None:
    """The first existing non-folder among ``path``'s parents, if any (mkdir would fail on it)."""
    for parent in path.parents:
        if parent.exists():
            return None if parent.is_dir() else parent
    return None


def _check_kinds(files: list[_Named], folders: list[_Named]) -> None:
    for o in files:
        if o.path.is_dir():
            raise InputError(f"{o.flag} {o.given} is a folder; expected a file name")
    for o in folders:
        if o.path.exists() and not o.path.is_dir():
            raise InputError(f"{o.flag} {o.given} is a file; expected a folder")
    for o in files + folders:
        blocker = _existing_ancestor_file(o.path)
        if blocker is not None:
            raise InputError(f"{o.flag} {o.given}: {blocker} is a file, not a folder")


def _check_against_inputs(outputs: list[_Named], inputs: list[_Named], replaced: set) -> None:
    for o in outputs:
        for i in inputs:
            if _same(o.path, i.path):
                raise InputError(f"{o.flag} {o.given} is the input {i.flag} {i.given}: the kit never "
                                 "writes over a file it reads; choose another output path")
            if i.path.is_dir() and _inside(o.path, i.path):
                raise InputError(f"{o.flag} {o.given} lies inside the input folder {i.flag} {i.given}: "
                                 "outputs never go among the inputs; choose another output path")
            if o.flag in replaced and _inside(i.path, o.path):
                raise InputError(f"{o.flag} {o.given} holds the input {i.flag} {i.given} and would be "
                                 "replaced whole; choose another output folder")


def _check_distinct(outputs: list[_Named], folders: list[_Named] = ()) -> None:
    for k, a in enumerate(outputs):
        for b in outputs[k + 1:]:
            if _same(a.path, b.path):
                raise InputError(f"{a.flag} {a.given} and {b.flag} {b.given} name the same output; "
                                 "give each output its own path")
    for a in outputs:            # a file output inside a folder the command writes could replace its files
        for b in folders:
            if a not in folders and _inside(a.path, b.path):
                raise InputError(f"{a.flag} {a.given} lies inside the output folder {b.flag} {b.given}, "
                                 "whose files the command writes; choose a path outside it")


def check_paths(inputs: Mapping[str, object], outputs: Mapping[str, object] = None, *,
                out_dirs: Mapping[str, object] = None, replaced_dirs: Mapping[str, object] = None) -> None:
    """Refuse outputs that would replace or mix with an input, or with each other (see module doc).

    ``inputs``: flag → path or list of paths (files or folders; None skipped).
    ``outputs``: flag → output file. ``out_dirs``: flag → folder written into.
    ``replaced_dirs``: flag → folder swapped in whole (must not hold an input).
    """
    files = _named(outputs or {})
    folders = _named(out_dirs or {}) + _named(replaced_dirs or {})
    _check_kinds(files, folders)
    _check_against_inputs(files + folders, _named(inputs), set(replaced_dirs or {}))
    _check_distinct(files + folders, folders)


def given_twice(paths: Iterable, extensions: Iterable[str]) -> tuple[list, list[str]]:
    """The paths with repeats dropped, and a warning (in Vietnamese: shown beside the figures) for each.

    A repeat is a path naming the same file or folder as an earlier one, or a file
    with one of ``extensions`` directly inside a folder also given (which reads it).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_text("x")
    >>> kept, warnings = given_twice([d, d / "a.csv", d], [".csv"])
    >>> kept == [d], len(warnings)
    (True, 2)
    """
    extensions = {e.lower() for e in extensions}
    kept, seen, folders, warnings = [], [], [], []
    for p in _flatten(paths):
        path = resolve(p)
        if any(_same(path, s) for s in seen):
            warnings.append(labels.say("given_again", path=p))
            continue
        if path.suffix.lower() in extensions and not path.name.startswith((".", "~$")) \
                and any(path.parent == f for f in folders):
            warnings.append(labels.say("inside_given_folder", path=p, folder=path.parent))
            continue
        seen.append(path)
        if path.is_dir():
            folders.append(path)
        kept.append(p)
    # A file named before its folder: the folder would read it again.
    again = [p for p in kept if not resolve(p).is_dir() and resolve(p).parent in folders
             and resolve(p).suffix.lower() in extensions]
    for p in again:
        warnings.append(labels.say("inside_given_folder", path=p, folder=resolve(p).parent))
    return [p for p in kept if p not in again], warnings
