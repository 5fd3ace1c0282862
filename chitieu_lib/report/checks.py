"""Cross-checks a reader never sees and nbval compares: each figure recomputed a second way."""

from __future__ import annotations

import numpy as np

from .. import labels
from ..labels import COLUMNS as C
from ..vi import fmt_pct
from .tables import quality_table, recount
from .views import View


def print_checks(view: View, unit_code: str | None = None) -> None:
    """Print a fixed text when every check holds (``SAI`` marks one that does not)."""
    d = view.dossiers if unit_code is None else view.dossiers[view.dossiers["unit_code"] == str(unit_code)]
    rates = view.rates if unit_code is None else view.rates[view.rates["unit_code"] == str(unit_code)]
    direct = recount(view, unit_code).reindex(rates["unit_code"].astype("str").to_numpy(), fill_value=0)
    same_counts = (direct["online"].to_numpy() == rates["online"].to_numpy()).all() and \
                  (direct["total"].to_numpy() == rates["total"].to_numpy()).all()
    with np.errstate(invalid="ignore", divide="ignore"):
        mine = direct["online"].to_numpy() / np.where(direct["total"].to_numpy() > 0, direct["total"], np.nan)
    theirs = rates["rate"].astype("float64").to_numpy()
    same_rate = bool(np.allclose(mine, theirs, equal_nan=True))
    months = view.monthly if unit_code is None else view.monthly[view.monthly["unit_code"] == str(unit_code)]
    same_months = int(months["total"].sum()) == int(rates["total"].sum())
    quality = quality_table(view, unit_code)
    all_rows = int(quality[C["rows"]].sum()) == len(d)
    word = {True: labels.say("check_ok"), False: labels.say("check_wrong")}
    print(labels.say("check_unit", code=unit_code, units=len(rates)) if unit_code
          else labels.say("check_all", units=len(rates)))
    print(labels.say("check_counts", result=word[bool(same_counts)]))
    print(labels.say("check_rate", result=word[same_rate]))
    print(labels.say("check_months", result=word[same_months]))
    print(labels.say("check_rows", result=word[all_rows]))
    if unit_code is not None:
        print(_target_line(view.decision, rates["target"].iloc[0]))


def _target_line(decision, target) -> str:
    """The unit's target, citing the article that sets the targets when the decision has one."""
    article = decision.targets_article
    if article:
        return labels.say("check_target", article=article, target=fmt_pct(target, 0))
    return labels.say("check_target_plain", target=fmt_pct(target, 0))
