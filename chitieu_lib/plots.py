"""Charts of the reports (matplotlib/seaborn), with Vietnamese labels.

Every chart uses DejaVu Sans, which ships with matplotlib and has every
Vietnamese letter (precomposed ``ạ ầ ễ ợ ữ Đ`` ...); :func:`missing_glyphs`
checks a text against the font's character map, and the tests run it over every
string a chart draws. Percentages are written the Vietnamese way (``45%``,
``37,5%``) and months as ``01/2019``.

>>> missing_glyphs("Tỷ lệ hồ sơ trực tuyến — Đúng tiến độ")
set()
"""

from __future__ import annotations

import weakref
from functools import lru_cache

import numpy as np
import pandas as pd

from . import labels
from .labels import CHANNELS as CHANNEL_LABELS, STATUSES as STATUS_LABELS, status_key as status_kind
from .vi import fmt_date, fmt_num, fmt_pct

# matplotlib, seaborn and IPython are imported inside the functions that draw (lazy): importing
# this module for its labels and colours (tests, glyph checks) must not pay for them.

FONT_FAMILY = "DejaVu Sans"
STATUS_COLORS = {"met": "#17703a", "on_track": "#4c9a5f", "at_risk": "#d08a1a",
                 "off_track": "#c0392b", "unreachable": "#8e1b12", "no_data": "#9aa5b1"}
CHANNEL_COLORS = {"online": "#1f5fa8", "direct": "#b8c4d2", "postal": "#e0b84c"}
TARGET_COLOR = "#c0392b"
FAN_COLOR = "#1f5fa8"

# Every text the charts draw lives in chitieu_lib.labels (the tests check their glyphs).
LABELS = labels.CHART


def setup_style() -> None:
    """Use DejaVu Sans everywhere, PNG output and a light grid. Idempotent."""
    import matplotlib.pyplot as plt
    plt.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": [FONT_FAMILY],
        "axes.unicode_minus": True,
        "figure.dpi": 100,
        "savefig.dpi": 110,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "legend.frameon": False,
    })


def use_inline_png() -> None:
    """In a notebook: inline PNG charts (HTML export embeds them as base64)."""
    try:
        from IPython import get_ipython
        ip = get_ipython()
        if ip is not None:
            ip.run_line_magic("matplotlib", "inline")
            from matplotlib_inline.backend_inline import set_matplotlib_formats
            set_matplotlib_formats("png")
    except ImportError:  # outside IPython: nothing to configure
        pass
    setup_style()


@lru_cache(maxsize=1)
def font_path() -> str:
    """Path of the DejaVu Sans file matplotlib uses (fails if it would fall back)."""
    from matplotlib import font_manager
    return font_manager.findfont(font_manager.FontProperties(family=FONT_FAMILY),
                                 fallback_to_default=False)


@lru_cache(maxsize=1)
def _charmap() -> frozenset:
    from matplotlib.ft2font import FT2Font
    return frozenset(FT2Font(font_path()).get_charmap())


def missing_glyphs(text: str) -> set:
    """Characters of ``text`` that the report font cannot draw (whitespace ignored)."""
    cmap = _charmap()
    return {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}


def figure_texts(fig) -> list[str]:
    """Every string drawn on a figure: titles, labels, tick labels, legends, annotations."""
    from matplotlib.text import Text
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def _pct_axis(ax, axis="y") -> None:
    from matplotlib.ticker import FuncFormatter
    fmt = FuncFormatter(lambda v, _: fmt_num(v * 100, 0 if abs(v * 100 - round(v * 100)) < 1e-9 else 1) + "%")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def _month_axis(ax, start, end) -> None:
    """A tick and a label (mm/yyyy, at 45°) on the first day of each month shown."""
    left, right = pd.Timestamp(start) - pd.Timedelta(days=3), pd.Timestamp(end) + pd.Timedelta(days=6)
    ax.set_xlim(left, right)
    # The months are set, not found by a date locator: the same ticks as MonthLocator's,
    # without laying the axis out once more before the figure is drawn.
    months = pd.date_range(left.to_period("M").to_timestamp(), right, freq="MS")
    months = months[months >= left]
    ax.set_xticks(months, [m.strftime("%m/%Y") for m in months], rotation=45, ha="right")


def _window(window) -> tuple[pd.Timestamp, pd.Timestamp]:
    start, end = window
    return pd.Timestamp(start), pd.Timestamp(end)


def trend_chart(monthly: pd.DataFrame, target: float, as_of, projection: dict | pd.Series | None = None,
                fan: pd.DataFrame | None = None, *, window):
    """Monthly online share (bars), cumulative rate (line), target, projection fan to the window's end.

    ``window``: the decision's first and last counted day (``view.window``).
    ``monthly``: one unit's rows with ``month, online, total`` (``rate`` and ``cum_rate``
    computed when absent). ``projection``: ``projected_rate, projected_low, projected_high``.
    ``fan``: rows of ``projection_fan`` for this unit (``date, q10, q25, q50, q75, q90``);
    without it the fan is drawn straight from the cumulative rate on the as-of day to
    the projected interval on the window's last day.
    """
    import matplotlib.pyplot as plt
    setup_style()
    start, end = _window(window)
    as_of = pd.Timestamp(as_of)
    m = monthly.sort_values("month").reset_index(drop=True).copy()
    m["month"] = pd.to_datetime(m["month"])
    m["rate"] = m["online"] / m["total"].where(m["total"] > 0)
    cum_total = m["total"].cumsum()
    m["cum_rate"] = m["online"].cumsum() / cum_total.where(cum_total > 0)
    # A month is drawn at its middle; the last (possibly partial) cumulative point at the as-of day.
    mid = m["month"] + pd.Timedelta(days=14)
    cum_x = (m["month"] + pd.offsets.MonthEnd(0)).clip(upper=as_of)

    fig, ax = plt.subplots(figsize=(10, 4.6))
    ax.bar(mid, m["rate"].fillna(0), width=22, color="#9cc3e6", label=LABELS["monthly_rate"], zorder=2)
    ax.plot(cum_x, m["cum_rate"], color="#1f3b63", marker="o", lw=2.2, ms=4,
            label=LABELS["cumulative"].format(start=fmt_date(start)), zorder=4)
    ax.axhline(target, color=TARGET_COLOR, lw=1.6, ls="--",
               label=LABELS["target"].format(target=fmt_pct(target, 0)), zorder=3)
    top = max(float(np.nanmax(m["rate"].to_numpy(dtype=float), initial=0)), target) if len(m) else target
    has_fan = fan is not None and len(fan) > 1 and {"q10", "q50", "q90"} <= set(fan.columns)
    if has_fan and as_of < end:
        f = fan.sort_values("date")
        x = pd.to_datetime(f["date"])
        ax.fill_between(x, f["q10"].astype(float), f["q90"].astype(float), color=FAN_COLOR, alpha=0.15,
                        lw=0, label=LABELS["fan"], zorder=1)
        if {"q25", "q75"} <= set(f.columns):
            ax.fill_between(x, f["q25"].astype(float), f["q75"].astype(float), color=FAN_COLOR,
                            alpha=0.18, lw=0, zorder=1)
        ax.plot(x, f["q50"].astype(float), color=FAN_COLOR, lw=1.8, ls=":",
                label=LABELS["projection"].format(end=fmt_date(end)), zorder=4)
        top = max(top, float(f["q90"].astype(float).max()))
    elif projection is not None and not pd.isna(projection.get("projected_rate")) and len(m) \
            and not pd.isna(m["cum_rate"].iloc[-1]) and as_of < end:
        x0, y0 = pd.Timestamp(cum_x.iloc[-1]), float(m["cum_rate"].iloc[-1])
        low, high = float(projection.get("projected_low")), float(projection.get("projected_high"))
        mid_rate = float(projection.get("projected_rate"))
        ax.fill_between([x0, end], [y0, low], [y0, high], color=FAN_COLOR, alpha=0.18, lw=0,
                        label=LABELS["fan"], zorder=1)
        ax.plot([x0, end], [y0, mid_rate], color=FAN_COLOR, lw=1.8, ls=":",
                label=LABELS["projection"].format(end=fmt_date(end)), zorder=4)
        top = max(top, high)
    ax.axvline(as_of, color="#5b6775", lw=1, ls="-.", alpha=0.7,
               label=LABELS["as_of"].format(as_of=fmt_date(as_of)))
    ax.set_ylim(0, min(1.0, top * 1.15 + 0.02))
    _pct_axis(ax)
    return _finish_monthly(fig, ax, start, end, LABELS["rate_axis"], LABELS["trend_title"], "trend")


# Margins of the monthly charts, in inches (left, right, bottom, top): room for the percent or
# count labels, the legend beside the plot and the rotated month labels. Fixed rather than
# ``tight_layout``, which lays every text out once more for each chart: the same picture,
# a third of each report's chart time (bench/README.md).
_MARGINS = {"trend": (0.85, 2.75, 1.0, 0.42), "volume": (0.95, 1.5, 1.0, 0.42)}


# Figures laid out by _place: shown as drawn, without the second drawing pass that crops a
# picture to its texts (IPython's ``bbox_inches="tight"``, kept for every other figure).
_PLACED: "weakref.WeakSet" = weakref.WeakSet()


def _place(fig, margins) -> None:
    _PLACED.add(fig)
    left, right, bottom, top = margins
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height,
                        top=1 - top / height)


def _finish_monthly(fig, ax, start, end, ylabel: str, title: str, kind: str):
    """Month axis over the window, labels, title and a legend beside the plot."""
    _month_axis(ax, start, end)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(LABELS["month_axis"])
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    _place(fig, _MARGINS[kind])
    return fig


def volume_chart(monthly: pd.DataFrame, *, window):
    """Stacked bars: dossiers per month by channel (online, direct, postal), over the window."""
    import matplotlib.pyplot as plt
    setup_style()
    start, end = _window(window)
    m = monthly.sort_values("month").copy()
    m["month"] = pd.to_datetime(m["month"])
    mid = m["month"] + pd.Timedelta(days=14)
    fig, ax = plt.subplots(figsize=(10, 3.8))
    bottom = np.zeros(len(m))
    for channel in ("online", "direct", "postal"):
        values = m[channel].to_numpy(dtype=float) if channel in m else np.zeros(len(m))
        ax.bar(mid, values, bottom=bottom, width=22, color=CHANNEL_COLORS[channel],
               label=CHANNEL_LABELS[channel], zorder=2)
        bottom += values
    from matplotlib.ticker import FuncFormatter
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_num(v, 0)))
    return _finish_monthly(fig, ax, start, end, LABELS["volume_axis"], LABELS["volume_title"], "volume")


def commune_heatmap(monthly: pd.DataFrame, names: dict, target: float):
    """Communes × months, cell = online share that month, coloured around the target."""
    import matplotlib.pyplot as plt
    import seaborn as sns
    setup_style()
    m = monthly.copy()
    m["month"] = pd.to_datetime(m["month"])
    m["rate"] = m["online"] / m["total"].where(m["total"] > 0)
    grid = m.pivot_table(index="unit_code", columns="month", values="rate", aggfunc="first", dropna=False)
    order = (m.groupby("unit_code")[["online", "total"]].sum()
             .assign(r=lambda t: t["online"] / t["total"].where(t["total"] > 0))
             .sort_values("r", ascending=False, na_position="last").index)
    grid = grid.reindex(order)
    grid.index = [names.get(c, c) for c in grid.index]
    grid.columns = [pd.Timestamp(c).strftime("%m/%y") for c in grid.columns]
    annot = grid.map(lambda v: "" if pd.isna(v) else fmt_num(v * 100, 0))
    height = 1.2 + 0.32 * max(len(grid), 1)
    fig, ax = plt.subplots(figsize=(10, height))
    vmax = max(0.6, float(np.nanmax(grid.to_numpy(dtype=float), initial=0)))
    sns.heatmap(grid * 100, ax=ax, cmap="RdYlGn", center=target * 100, vmin=0, vmax=vmax * 100,
                annot=annot, fmt="", annot_kws={"fontsize": 8}, linewidths=0.5, linecolor="white",
                cbar_kws={"label": LABELS["rate_axis"] + " (%)", "shrink": 0.8})
    ax.set_facecolor("#d9dde2")
    ax.grid(False)
    ax.set_xlabel(LABELS["month_axis"])
    ax.set_ylabel(LABELS["heatmap_axis"])
    ax.set_title(LABELS["heatmap_title"], loc="left", fontsize=12, fontweight="bold")
    ax.tick_params(axis="x", rotation=0)
    fig.text(0.01, 0.005, LABELS["heatmap_note"], fontsize=8, color="#5b6775")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def ranking_chart(summary: pd.DataFrame, group_labels: dict | None = None):
    """Each unit's rate so far, one row of dots per clause of Article 1, coloured by status.

    ``summary``: ``target_group, target, rate, status`` per unit.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    setup_style()
    groups = list(dict.fromkeys(summary["target_group"]))
    labels = [(group_labels or {}).get(g, g) for g in groups]
    fig, ax = plt.subplots(figsize=(10, 0.75 * len(groups) + 1.6))
    rng = np.random.default_rng(0)  # fixed jitter: the same data give the same picture
    for i, g in enumerate(groups):
        s = summary[summary["target_group"] == g]
        y = i + rng.uniform(-0.22, 0.22, len(s))
        colors = [STATUS_COLORS[status_kind(st)] for st in s["status"]]
        ax.scatter(s["rate"].astype(float).fillna(0), y, c=colors, s=28, edgecolor="white", lw=0.5, zorder=3)
        t = float(s["target"].iloc[0])
        ax.plot([t, t], [i - 0.38, i + 0.38], color=TARGET_COLOR, lw=2, zorder=4)
    ax.set_yticks(range(len(groups)), labels)
    ax.invert_yaxis()
    _pct_axis(ax, "x")
    ax.set_xlim(0, max(0.6, float(summary["rate"].astype(float).max(skipna=True) or 0) + 0.05))
    ax.set_xlabel(LABELS["ranking_axis"])
    ax.set_title(LABELS["ranking_title"], loc="left", fontsize=12, fontweight="bold")
    handles = [Line2D([], [], color=TARGET_COLOR, lw=2, label=LABELS["target_mark"])]
    kinds = {status_kind(st) for st in summary["status"]}
    present = [st for st in STATUS_COLORS if st in kinds]
    handles += [Line2D([], [], ls="", marker="o", color=STATUS_COLORS[st], label=STATUS_LABELS[st])
                for st in present]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    fig.tight_layout()
    return fig


def show(fig) -> None:
    """Display a figure once (as PNG) and free it."""
    import matplotlib.pyplot as plt
    from IPython.core.pylabtools import print_figure
    from IPython.display import Image, display
    display(Image(print_figure(fig, "png", bbox_inches=None if fig in _PLACED else "tight")))
    plt.close(fig)
