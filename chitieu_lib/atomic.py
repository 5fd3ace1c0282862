"""Writing outputs all or nothing: a failure leaves no half-written file behind.

Each file is written to a temporary name in its own folder, and only when every
file of the set is complete are they renamed into place (``os.replace`` is
atomic on one file system).

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> [p.name for p in write_all({d / "a.txt": lambda p: pathlib.Path(p).write_text("ok")})]
['a.txt']
>>> (d / "a.txt").read_text(), sorted(x.name for x in d.iterdir())
('ok', ['a.txt'])
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from .errors import InputError


def write_all(writers: dict[str | Path, Callable[[str], object]]) -> list[Path]:
    """Call ``write(tmp_path)`` for each target, then move every file into place.

    An OSError becomes an InputError naming the problem; temporary files are removed.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, write in writers.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix,
                                       dir=path.parent)
            os.close(fd)
            staged.append((tmp, path))
            write(tmp)
        for tmp, path in staged:
            os.replace(tmp, path)
    except OSError as exc:
        raise InputError(f"cannot write the output: {exc}") from None
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.remove(tmp)
    return [path for _, path in staged]
