"""Which reports a batch renders: the units chosen, their notebooks, parameters and output paths.

Layout under ``out``::

    index.html
    tinh/tong-quan.{html,ipynb,xlsx}, tinh/tong-quan.<table>.csv
    so-nganh/<code>.*      huyen/<code>.*      xa/<code>.*

>>> d = load_decision(DEFAULT_DECISION)
>>> [p.job.name for p in plan(load_units(d), decision=d, codes=["571"], as_of="2019-09-30",
...                           processed_dir="/p", out="o")]
['huyen/571']
>>> names = [p.job.name for p in plan(load_units(d), decision=d, districts=["571"], as_of="2019-09-30",
...                                   processed_dir="/p", out="o")]
>>> names[0], all(n.startswith("xa/") for n in names[1:]), len(names) > 1
('huyen/571', True, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from .. import labels
from ..decision import DEFAULT_DECISION, LEVELS, load_decision, load_units  # noqa: F401 (doctest)
from ..engine import Job
from ..errors import InputError
from ..store import open_store
from .tables import report_tables


def notebooks_dir() -> Path:
    """The report notebooks: the checkout's ``notebooks/`` (what analysts edit) when the kit runs
    from one, else the copy the wheel carries (``chitieu_lib/_notebooks``, see setup.py)."""
    checkout = Path(__file__).resolve().parents[2] / "notebooks"
    if (checkout / "unit_report.ipynb").is_file():
        return checkout
    return Path(str(resources.files("chitieu_lib") / "_notebooks"))


NOTEBOOKS_DIR = notebooks_dir()
FOLDERS = {"department": "so-nganh", "district": "huyen", "commune": "xa", "province": "tinh"}
NOTEBOOK_OF = {"department": "unit_report.ipynb", "district": "district_report.ipynb",
               "commune": "unit_report.ipynb", "province": "province_overview.ipynb"}
PROVINCE_NAME = "tong-quan"


def page_link(level: str, code: str) -> str:
    """A report's page under the output folder, as the index links it (``huyen/571.html``)."""
    return f"{FOLDERS[level]}/{code}.html"


@dataclass(frozen=True)
class Planned:
    """A job with what the index needs to know about it."""

    job: object           # chitieu_lib.engine.Job
    level: str            # department / district / commune / province
    unit_code: str        # '' for the province overview
    unit_name: str
    district_code: str = ""   # the district of a commune, the district itself for a district


def _job(name, notebook, parameters, out_base: Path):
    return Job(name=name, notebook=notebook, parameters=parameters,
               out_ipynb=out_base.with_suffix(".ipynb"), out_html=out_base.with_suffix(".html"),
               extra_outputs=report_tables)


def select_units(units: pd.DataFrame, level: str = "all", codes=None, decision=None,
                 districts=None) -> pd.DataFrame:
    """Units with a target for ``level`` (or ``all``), or exactly ``codes`` (checked), or the
    units of ``districts``: each district's People's Committee, then its communes (checked;
    ``level`` narrows them to one of the two)."""
    with_target = units[units["target"].notna()]
    if level != "all" and level not in LEVELS:
        raise InputError(f"--level must be one of {list(LEVELS) + ['all']}, not '{level}'")
    if codes:
        codes = [str(c).strip() for c in codes]
        known = set(units["unit_code"])
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise InputError(f"unknown unit code(s) {_some(unknown)}; a unit code is a GSO code "
                             "(e.g. 571, 22516) or an agency code (e.g. SCT)")
        no_target = [c for c in codes if c not in set(with_target["unit_code"])]
        if no_target:
            raise InputError(f"unit(s) {_some(no_target)} have no target in {_number(decision)} (Article 1)")
        chosen = with_target[with_target["unit_code"].isin(codes)]
        return chosen.set_index("unit_code").loc[list(dict.fromkeys(codes))].reset_index()
    if districts:
        return _district_units(units, districts, level, decision)
    if level == "all":
        return with_target.reset_index(drop=True)
    return with_target[with_target["level"] == level].reset_index(drop=True)


def _district_units(units: pd.DataFrame, districts, level: str, decision=None) -> pd.DataFrame:
    """The units with a target of each district, in the order given: its UBND, then its communes."""
    with_target = units[units["target"].notna()]
    districts = list(dict.fromkeys(str(c).strip() for c in districts))
    known = set(units.loc[units["level"] == "district", "unit_code"])
    unknown = [c for c in districts if c not in known]
    if unknown:
        raise InputError(f"not a district code: {_some(unknown)}; a district code is a GSO code of three "
                         f"digits (e.g. {', '.join(sorted(known)[:3])})")
    if level not in ("all", "district", "commune"):
        raise InputError(f"--district chooses district and commune reports (--level district, commune "
                         f"or all), not --level {level}")
    parts, empty = [], []
    for code in districts:
        own = with_target[(with_target["level"] == "district") & (with_target["unit_code"] == code)]
        communes = with_target[(with_target["level"] == "commune") & (with_target["parent_code"] == code)]
        chosen = [t for t, lvl in ((own, "district"), (communes, "commune")) if level in ("all", lvl)]
        if not sum(len(t) for t in chosen):
            empty.append(code)
        parts += chosen
    if empty:
        raise InputError(f"district(s) {_some(empty)} have no unit with a target in {_number(decision)} "
                         "(Article 1)")
    return pd.concat(parts).reset_index(drop=True)


def _number(decision) -> str:
    """The decision's number for a message."""
    return decision.number if decision is not None else "the decision"


def _some(codes: list, shown: int = 10) -> str:
    """Codes for a message, the first ``shown`` of them.

    >>> _some(["1", "2"]), _some([str(i) for i in range(13)], shown=2)
    ("['1', '2']", "['0', '1'] and 11 more")
    """
    more = len(codes) - shown
    return f"{codes[:shown]}" + (f" and {more:,} more" if more > 0 else "")


def plan(units: pd.DataFrame, *, decision, level="all", codes=None, as_of: str, processed_dir: str,
         out: str | Path, notebooks_dir: Path = NOTEBOOKS_DIR, extra: dict | None = None,
         districts=None, pages_kept: set = frozenset()) -> list[Planned]:
    """The reports to render: one per unit (a district's report covers its communes' table),
    plus the province overview when everything is asked for. ``extra``: more parameters
    every report gets (``since``, ``previous_dir``); ``districts``: see :func:`select_units`;
    ``pages_kept``: pages of earlier batches in ``out`` that hold for this one
    (:func:`.index.earlier_pages`), which a commune's page may link to."""
    out = Path(out)
    chosen = select_units(units, level, codes, decision, districts)
    planned = []
    extra = dict(extra or {})
    if level == "all" and not codes and not districts:
        params = {"as_of": as_of, "processed_dir": processed_dir, **extra}
        name = f"{FOLDERS['province']}/{PROVINCE_NAME}"
        planned.append(Planned(_job(name, notebooks_dir / NOTEBOOK_OF["province"], params, out / name),
                               "province", "", labels.say("province_report", province=decision.province).strip()))
    districts_in_batch = set(chosen.loc[chosen["level"] == "district", "unit_code"].astype(str))
    for u in chosen.itertuples(index=False):
        lvl = u.level
        key = "district_code" if lvl == "district" else "unit_code"
        params = {key: str(u.unit_code), "as_of": as_of, "processed_dir": processed_dir, **extra}
        if lvl == "commune":  # its page links to its district's page only where there is one
            params["district_page"] = (str(u.parent_code) in districts_in_batch
                                       or page_link("district", u.parent_code) in pages_kept)
        name = f"{FOLDERS[lvl]}/{u.unit_code}"
        district = str(u.unit_code) if lvl == "district" else (str(u.parent_code) if lvl == "commune" else "")
        planned.append(Planned(_job(name, notebooks_dir / NOTEBOOK_OF[lvl], params, out / name),
                               lvl, str(u.unit_code), u.unit_name, district))
    return planned


def plan_jobs(codes=None, *, level="all", as_of: str, processed_dir: str, out) -> list:
    """The Job objects alone, for the units and decision of the store (handy for scripts and tests)."""
    store = open_store(processed_dir)
    return [p.job for p in plan(store.units, decision=store.decision, level=level, codes=codes, as_of=as_of,
                                processed_dir=processed_dir, out=out)]
