"""Numbers, percentages and days the way Vietnamese readers write them.

Every text a report reader sees formats its figures through this module:
``45,0%``, ``12.345``, ``30/11/2019``.

>>> fmt_pct(0.45), fmt_int(12345), fmt_date("2019-11-30"), fmt_num(2.25, 1)
('45,0%', '12.345', '30/11/2019', '2,3')
"""

from __future__ import annotations

import datetime as dt  # noqa: F401 (doctests)
import math

import pandas as pd

DASH = "—"


def _isna(x) -> bool:
    try:
        return x is None or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def fmt_num(x, decimals: int = 0) -> str:
    """A number with '.' between thousands and ',' before decimals (Vietnamese).

    Halves round away from zero, as people do by hand.

    >>> fmt_num(1234567.891, 2), fmt_num(-0.5), fmt_num(float("nan"))
    ('1.234.567,89', '-1', '—')
    """
    if _isna(x):
        return DASH
    q = 10 ** decimals
    value = math.copysign(math.floor(abs(float(x)) * q + 0.5 + 1e-9) / q, float(x))
    text = f"{abs(value):,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return ("-" if value < 0 else "") + text


def fmt_int(x) -> str:
    """Whole number, Vietnamese thousands separator.

    >>> fmt_int(1500)
    '1.500'
    """
    return fmt_num(x, 0)


def fmt_pct(x, decimals: int = 1) -> str:
    """A fraction as a Vietnamese percentage.

    >>> fmt_pct(0.3333), fmt_pct(1), fmt_pct(None)
    ('33,3%', '100,0%', '—')
    """
    return DASH if _isna(x) else fmt_num(float(x) * 100, decimals) + "%"


def fmt_date(x) -> str:
    """Day/month/year.

    >>> fmt_date(dt.date(2019, 3, 25))
    '25/03/2019'
    """
    if _isna(x) or x == "":
        return DASH
    return pd.Timestamp(x).strftime("%d/%m/%Y")
