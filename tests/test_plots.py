"""Charts: right font, every glyph they draw exists in it, values drawn where expected."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from fontTools.ttLib import TTFont  # noqa: E402  (ships with matplotlib: a second cmap reader)

from chitieu_lib import plots  # noqa: E402

MONTHS = pd.date_range("2018-12-01", "2019-09-01", freq="MS")
WINDOW = (pd.Timestamp("2018-12-01"), pd.Timestamp("2019-11-30"))


def _monthly(code="571", online=None, total=None):
    online = online if online is not None else np.arange(10, 20)
    total = total if total is not None else np.full(10, 40)
    return pd.DataFrame({"unit_code": code, "month": MONTHS, "online": online,
                         "direct": total - online - 1, "postal": 1, "total": total})


@pytest.fixture(scope="module")
def cmap():
    return set(TTFont(plots.font_path()).getBestCmap())


def _figures():
    proj = {"projected_rate": 0.36, "projected_low": 0.33, "projected_high": 0.39}
    fan = pd.DataFrame({"unit_code": "571", "date": pd.to_datetime(["2019-09-30", "2019-10-31", "2019-11-30"]),
                        "q10": [0.35, 0.33, 0.32], "q25": [0.35, 0.34, 0.34], "q50": [0.35, 0.355, 0.36],
                        "q75": [0.35, 0.365, 0.37], "q90": [0.35, 0.38, 0.39]})
    communes = pd.concat([_monthly("22516"), _monthly("22519", online=np.arange(0, 10))])
    summary = pd.DataFrame({"target_group": ["Điều 1, khoản 2, điểm b"] * 3, "target": 0.25,
                            "rate": [0.1, 0.3, np.nan], "status": ["off_track", "met", None]})
    return {
        "trend": plots.trend_chart(_monthly(), 0.35, "2019-09-30", proj, fan, window=WINDOW),
        "trend_no_fan": plots.trend_chart(_monthly(), 0.35, "2019-09-30", proj, window=WINDOW),
        "volume": plots.volume_chart(_monthly(), window=WINDOW),
        "heatmap": plots.commune_heatmap(communes, {"22516": "Xã Vạn Thắng", "22519": "Xã Vạn Thạnh"}, 0.25),
        "ranking": plots.ranking_chart(summary),
    }


def test_font_is_dejavu_sans():
    assert plots.font_path().endswith("DejaVuSans.ttf")
    plots.setup_style()
    assert plt.rcParams["font.sans-serif"][0] == "DejaVu Sans"


def test_every_fixed_label_has_its_glyphs(cmap):
    for key, text in plots.LABELS.items():
        missing = {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}
        assert not missing, f"label {key!r}: no glyph for {missing}"
        assert plots.missing_glyphs(text) == missing


def test_every_drawn_text_has_its_glyphs_and_is_vietnamese(cmap):
    for name, fig in _figures().items():
        texts = plots.figure_texts(fig)
        assert texts, name
        for text in texts:
            missing = {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}
            assert not missing, f"{name}: {text!r} has no glyph for {missing}"
        # drawn with DejaVu Sans, not a fallback
        for t in fig.findobj(matplotlib.text.Text):
            if t.get_text():
                assert matplotlib.font_manager.findfont(t.get_fontproperties()).endswith(".ttf")
                assert "DejaVu" in matplotlib.font_manager.findfont(t.get_fontproperties())
        plt.close(fig)


def test_missing_glyphs_detects_a_character_outside_the_font():
    assert plots.missing_glyphs("Hà Nội 漢") == {"漢"}
    assert plots.missing_glyphs("ạảãàáâậầấẩẫăặằắẳẵđĐơợờớởỡưựừứửữỵỳýỷỹ") == set()


def test_trend_chart_draws_cumulative_rate_and_target():
    online, total = np.arange(10, 20), np.full(10, 40)
    fig = plots.trend_chart(_monthly(online=online, total=total), 0.35, "2019-09-30", window=WINDOW)
    ax = fig.axes[0]
    lines = {l.get_label(): l for l in ax.get_lines()}
    cum = lines[plots.LABELS["cumulative"].format(start="01/12/2018")].get_ydata()
    np.testing.assert_allclose(cum, np.cumsum(online) / np.cumsum(total))  # by a second method
    target = lines[plots.LABELS["target"].format(target="35%")].get_ydata()
    assert set(np.asarray(target, dtype=float)) == {0.35}
    tick_texts = [t.get_text() for t in ax.get_yticklabels()]
    assert any("," in t or t.endswith("%") for t in tick_texts)
    plt.close(fig)


def test_heatmap_cells_are_monthly_rates():
    online = np.arange(0, 10)
    fig = plots.commune_heatmap(_monthly("22519", online=online), {"22519": "Xã Vạn Thạnh"}, 0.25)
    annotations = [t.get_text() for t in fig.axes[0].texts]
    # half-up rounding done by hand with Decimal: 2.5 % -> "3", 7.5 % -> "8"
    from decimal import ROUND_HALF_UP, Decimal
    expected = [str(int(o) * 100 // 40) if (int(o) * 100) % 40 == 0 else
                str((Decimal(int(o) * 100) / Decimal(40)).quantize(Decimal(1), ROUND_HALF_UP)) for o in online]
    assert annotations == expected
    plt.close(fig)


@pytest.mark.parametrize("name", ["trend", "trend_no_fan", "volume"])
def test_every_text_lies_inside_the_picture(name):
    # The monthly charts are shown as drawn (no crop to a tight box): a legend or label beyond
    # the figure's edge would be cut off in the report.
    fig = _figures()[name]
    assert fig in plots._PLACED
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())   # inches: everything drawn
    width, height = fig.get_size_inches()
    plt.close("all")
    assert drawn.x0 >= -0.01 and drawn.y0 >= -0.01, drawn
    assert drawn.x1 <= width + 0.01 and drawn.y1 <= height + 0.01, drawn
