"""The kit's one writer of output files: all or nothing, temporary files always removed.

Each file is written to a temporary name in its own folder
(``.<name>.tmp-<pid>-<random><suffix>``, so that a writer choosing the format by
the suffix still sees ``.xlsx`` or ``.png``), and only when every file of the
set is complete are they renamed into place (``os.replace`` is atomic on one
file system). On any failure every temporary file is removed and no target is
touched. A run killed outright (SIGKILL) cannot clean up: the next run removes
what it left with :func:`sweep`, which knows a dead writer by its pid.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> [p.name for p in write_all({d / "a.txt": "ok", d / "b.bin": b"\\x00"})]
['a.txt', 'b.bin']
>>> (d / "a.txt").read_text(), sorted(x.name for x in d.iterdir())
('ok', ['a.txt', 'b.bin'])
>>> with staged(d / "c.txt") as tmp:
...     _ = tmp.write_text("via a context")
>>> (d / "c.txt").read_text()
'via a context'
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Mapping, Union

from .errors import InputError

# What may be written: the bytes, text (UTF-8), or a function writing the file at the path given.
Content = Union[bytes, str, Callable[[str], object]]

# The process's umask, read once at import (os.umask can only be read by setting it, which is
# not safe once other threads write files). Temporary files are given the mode it allows;
# chitieu_lib.warm_server compares a command's umask with it.
UMASK = os.umask(0)
os.umask(UMASK)
_TMP_PATTERN = re.compile(r"^\..+\.tmp-(?P<pid>\d+)-[0-9a-f]{8}(\.[^.]*)?$")


def temp_name(path: Path) -> Path:
    """A fresh temporary name beside ``path``, carrying this process's pid and ``path``'s suffix.

    >>> t = temp_name(Path("/o/571.xlsx"))
    >>> t.parent.as_posix(), t.name.startswith(".571.xlsx.tmp-"), t.suffix
    ('/o', True, '.xlsx')
    """
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}{path.suffix}")


def _put(tmp: Path, content: Content) -> None:
    """Write ``content`` at ``tmp`` and give it the permissions of an ordinary new file."""
    if callable(content):
        content(str(tmp))
    else:
        tmp.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    if tmp.exists():
        os.chmod(tmp, 0o666 & ~UMASK)


def _remove(paths) -> None:
    for tmp in paths:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def write_all(writers: Mapping[str | Path, Content]) -> list[Path]:
    """Write every target through a temporary file, then rename them all into place.

    An OSError becomes an :class:`InputError` naming the problem; any failure
    (even Ctrl-C) removes every temporary file, and no target is replaced.
    """
    staged_files: list[tuple[Path, Path]] = []
    try:
        for path, content in writers.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = temp_name(path)
            staged_files.append((tmp, path))
            _put(tmp, content)
            if not tmp.exists():
                raise InputError(f"{path}: the writer produced no file")
        for tmp, path in staged_files:
            os.replace(tmp, path)
    except OSError as exc:
        raise InputError(f"cannot write the output: {exc}") from None
    finally:
        _remove(tmp for tmp, _ in staged_files)
    return [path for _, path in staged_files]


def write_atomic(path: str | Path, content: Content) -> Path:
    """One file, all or nothing: ``write_all({path: content})``.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a" / "x.txt"
    >>> write_atomic(p, "xin chào").read_text(encoding="utf-8")
    'xin chào'
    """
    return write_all({path: content})[0]


@contextmanager
def staged(path: str | Path) -> Iterator[Path]:
    """``with staged(path) as tmp:`` write ``tmp``; it replaces ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(path)
    try:
        yield tmp
        if tmp.exists():
            os.chmod(tmp, 0o666 & ~UMASK)
        os.replace(tmp, path)
    finally:
        _remove([tmp])


def pid_alive(pid: int) -> bool:
    """True when a process with this id runs on this machine (or cannot be told apart from one).

    >>> pid_alive(os.getpid())
    True
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def sweep(folder: str | Path) -> list[Path]:
    """Remove the temporary files a killed writer left in ``folder`` (not its subfolders).

    Only files named by :func:`temp_name` whose pid is no longer running are removed.
    """
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TMP_PATTERN.match(entry.name)
        if match and entry.is_file(follow_symlinks=False) and not pid_alive(int(match["pid"])):
            _remove([entry.path])
            removed.append(Path(entry.path))
    return removed


def remove_leftover_dirs(folder: str | Path) -> list[Path]:
    """Clean up after a killed folder swap of ``folder`` (``.NAME.tmp-PID/``, ``.NAME.old-PID/``).

    Folders of a writer still running are left alone. If the writer died after
    moving the old folder aside but before putting the new one in place,
    ``folder`` is missing: the old one is moved back first, so the previous
    content is never lost.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / ".store.old-999999999").mkdir(); (d / ".store.tmp-999999999").mkdir()
    >>> [p.name for p in remove_leftover_dirs(d / "store")], sorted(p.name for p in d.iterdir())
    (['.store.tmp-999999999'], ['store'])
    """
    folder = Path(folder)
    pattern = re.compile(rf"^\.{re.escape(folder.name)}\.(?P<kind>tmp|old)-(?P<pid>\d+)$")
    removed = []
    try:
        entries = sorted(os.scandir(folder.parent), key=lambda e: e.name)
    except OSError:
        return removed
    for entry in entries:
        match = pattern.match(entry.name)
        if not match or not entry.is_dir(follow_symlinks=False) or pid_alive(int(match["pid"])):
            continue
        if match["kind"] == "old" and not folder.exists():
            os.replace(entry.path, folder)      # the swap died half-way: the previous folder returns
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed
