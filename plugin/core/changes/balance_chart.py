"""The chart of the farmland balance sheet (balance.png): per township the farmland lost (by
destination) and gained (by origin) with the net change, and the county's waterfall from the
start to the end of the year.

Every bar carries its value. The waterfall's value axis starts near the smallest level, not at
zero, so that changes of a few 亩 against a stock of thousands stay visible; the cut is marked
with an axis break on the axis and across the two stock bars, and said in the axis label. The
group 其他 is defined under the chart.
"""

from .balance import COUNTY, GROUPS, OTHER_DEFINITION
from .balance_sheet import save_atomic

COLOURS = ["#c0504d", "#9bbb59", "#4f8a3c", "#4bacc6", "#a6a6a6"]
STOCK_COLOUR, GAIN_COLOUR = "#7f7f7f", "#2e75b6"
BREAK_AT = 0.045  # height of the axis break, as a fraction of the axis


def write_balance_chart(path, rows, labels, notes=None):
    """A PNG chart of the balance sheet's ``rows``. Returns False (with a note) where matplotlib
    is not installed."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        if notes is not None:
            from ..errors import Note
            notes.append(Note("耕地进出平衡表", "-", "未安装 matplotlib (python3-matplotlib)，未生成统计图"))
        return False
    fig = balance_figure(rows, labels)
    try:
        save_atomic(lambda p: fig.savefig(p, dpi=130, format="png"), path, ".png")
    finally:
        plt.close(fig)
    return True


def balance_figure(rows, labels):
    """The chart as a matplotlib figure (matplotlib must be importable)."""
    import matplotlib.pyplot as plt

    towns = [r for r in rows if r["township"] != COUNTY]
    with plt.rc_context(_cjk_style()):
        fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, max(4.8, 0.45 * len(towns) + 2.8)),
                                     gridspec_kw={"width_ratios": [3, 2]})
        _township_bars(ax, towns)
        _county_waterfall(bx, rows[-1], labels)
        fig.text(0.01, 0.01, OTHER_DEFINITION + "。", fontsize=8, ha="left", va="bottom")
        fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def _cjk_style():
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    # matplotlib sees only the first face of Debian's .ttc files (JP); its Han glyphs serve.
    family = next((f for f in ("Noto Sans CJK SC", "WenQuanYi Zen Hei", "SimHei",
                               "Microsoft YaHei") if f in names), None) or \
        next((f for f in sorted(names) if "CJK" in f and "Sans" in f), None) or \
        next((f for f in sorted(names) if "CJK" in f), None)
    return {"font.family": family, "axes.unicode_minus": False} if family else {}


def _township_bars(ax, towns):
    """Lost to the left, gained (hatched) to the right, stacked by group; totals at the ends."""
    y = list(range(len(towns)))
    left = [0.0] * len(towns)
    right = [0.0] * len(towns)
    for (g, name), colour in zip(GROUPS, COLOURS):
        lost = [-r[f"lost_{g}_mu"] for r in towns]
        gained = [r[f"gained_{g}_mu"] for r in towns]
        ax.barh(y, lost, left=left, color=colour, label=name + ("*" if g == "other" else ""),
                edgecolor="white")
        ax.barh(y, gained, left=right, color=colour, hatch="//", edgecolor="white", alpha=0.8)
        left = [a + b for a, b in zip(left, lost)]
        right = [a + b for a, b in zip(right, gained)]
    ax.scatter([r["net_mu"] for r in towns], y, color="black", marker="D", zorder=3, label="净变化")
    for k, r in enumerate(towns):
        if r["lost_mu"] > 0:
            ax.annotate(f"减少 {r['lost_mu']:.2f}", (left[k], k), xytext=(-8, 0),
                        textcoords="offset points", ha="right", va="center", fontsize=8)
        if r["gained_mu"] > 0:
            ax.annotate(f"增加 {r['gained_mu']:.2f}", (right[k], k), xytext=(8, 0),
                        textcoords="offset points", ha="left", va="center", fontsize=8)
        ax.annotate(f"净 {r['net_mu']:+.2f}", (r["net_mu"], k), xytext=(0, -9),
                    textcoords="offset points", ha="center", va="top", fontsize=8)
    low, high = min(left + [0.0]), max(right + [0.0])
    pad = (high - low) * 0.25 or 1.0  # room for the labels at the ends
    ax.set_xlim(low - pad, high + pad)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([str(r["township"]) for r in towns])
    ax.invert_yaxis()
    ax.set_xlabel("亩　左: 减少 (按去向)　右 (斜线): 增加 (按来源)")
    ax.set_title("各乡镇耕地进出")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=6, fontsize=8, frameon=False)


def _county_waterfall(bx, county, labels):
    """Start, each loss, the gain and the end as floating bars, each with its value."""
    steps = [("期初", county["start_mu"], None)]
    steps += [(f"−{name}" + ("*" if g == "other" else ""), -county[f"lost_{g}_mu"], c)
              for (g, name), c in zip(GROUPS, COLOURS)]
    steps += [("+增加", county["gained_mu"], GAIN_COLOUR), ("期末", county["end_mu"], None)]
    level, names, heights, bottoms, colours, values = 0.0, [], [], [], [], []
    for label, v, c in steps:
        names.append(label)
        values.append(v)
        if c is None:
            bottoms.append(0.0)
            heights.append(v)
            level = v
            colours.append(STOCK_COLOUR)
        else:
            bottoms.append(level + min(v, 0))
            heights.append(abs(v))
            level += v
            colours.append(c)
    bars = bx.bar(names, heights, bottom=bottoms, color=colours)
    for bar, v, stock in zip(bars, values, [c is None for _, _, c in steps]):
        text = f"{v:.2f}" if stock else f"{v:+.2f}"
        bx.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height()),
                    xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=8)
    bx.set_title(f"全县耕地 {labels[0]} → {labels[1]} (亩)")
    bx.tick_params(axis="x", rotation=30)
    low = min(bottoms[1:-1]) if len(bottoms) > 2 else 0.0
    top = max(county["start_mu"], county["end_mu"])
    span = top - low
    if county["start_mu"] > 0 and span > 0 and low - span * 0.5 > 0:
        floor = low - span * 0.5
        bx.set_ylim(floor, top + span * 0.3)
        _axis_break(bx, [bars[0], bars[-1]])
        bx.set_ylabel(f"亩 (纵轴自 {floor:.0f} 起，已截断)")
    else:
        bx.set_ylabel("亩")


def _axis_break(bx, stock_bars):
    """The conventional break mark (two slanted strokes) on the value axis near its foot and
    across the stock bars, which the cut shortens."""
    kw = dict(transform=bx.transAxes, color="black", clip_on=False, linewidth=1)
    d = 0.012
    for y in (BREAK_AT - 0.012, BREAK_AT + 0.012):
        bx.plot((-d, d), (y - d, y + d), **kw)
    low, high = bx.get_ylim()
    y0 = low + (high - low) * BREAK_AT
    gap = (high - low) * 0.012
    for bar in stock_bars:
        x0, x1 = bar.get_x() - 0.05, bar.get_x() + bar.get_width() + 0.05
        bx.fill_between([x0, x1], y0 - gap, y0 + gap, color="white", zorder=3)
        for y in (y0 - gap, y0 + gap):
            bx.plot([x0, x1], [y - gap / 2, y + gap / 2], color="black", linewidth=1, zorder=4)
