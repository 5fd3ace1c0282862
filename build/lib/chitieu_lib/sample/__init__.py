"""A seeded synthetic Khánh Hòa year (1/12/2018 – 30/11/2019) that looks like one-stop exports.

Modules, in the order the data flow through them:

- :mod:`.catalog`  — the procedure catalogue (real national codes only where sure, else ``KH-``);
- :mod:`.profiles` — each unit's volume, day pattern, procedure mix and true online trajectory;
- :mod:`.dossiers` — drawing one level × quarter of dossiers with numpy;
- :mod:`.dirt`     — the fixed, documented dose of bad rows;
- :mod:`.export`   — CSV (UTF-8 BOM) and XLSX files with Vietnamese headers, written atomically;
- :mod:`.workbooks` — Biểu 06 workbooks and a flat aggregate CSV consistent with the records;
- :mod:`.build`    — :func:`generate`, the whole folder plus ``source.json``.

The data are synthetic: every file set written here says so in ``source.json``.
"""

from .build import generate
from .profiles import build_plan, designed_year_share, true_online_share

__all__ = ["generate", "build_plan", "true_online_share", "designed_year_share"]
