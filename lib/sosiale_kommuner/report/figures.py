"""One look for every figure, drawn to be read at the size it is shown.

Chapters call :func:`use_style` once, draw with the chart functions of :mod:`.charts`
(forest plots, points with intervals, diverging Likert bars, grouped bars) or with
matplotlib directly, and hand the figure to :meth:`ChapterPage.figure
<sosiale_kommuner.report.editions.ChapterPage.figure>` (or :func:`show` outside a chapter page)::

    from sosiale_kommuner.report import charts, figures
    figures.use_style()
    page.figure(lambda lang: charts.forest(part, lang, axis="difference_pp", scale=100),
                label="forest_size_1", caption="forest_size", n=n)

**Size.** A figure is :data:`WIDTH_IN` inches wide (``figsize=(figures.width(), h)``), and
one figure inch is :data:`CSS_DPI` CSS pixels on the page: its *natural width* is 880 CSS
px, which fits the 920 px text column of a page at 1280 px, so it is shown at full size
and its text (:data:`MIN_TEXT_PT` points or more, 14 CSS px) as large as the page's. The
PNG holds :data:`SCALE` device pixels per CSS pixel, so it is sharp on HiDPI screens; the
page's ``<img width=...>`` gives the CSS size. Nothing limits a figure's height: a long
figure is split into parts instead (:func:`sosiale_kommuner.report.tables.split_rows`).

**Phones.** Under ``with figures.layout("narrow"):`` the same drawing code makes a figure
:data:`NARROW_IN` inches wide, with labels wrapped shorter; the chapter page draws every
figure once in each layout and lets the browser pick (``<picture>``), so figure text stays
readable at 390 px. Code that ignores :func:`width` simply gets one layout.

**Colour.** The Okabe–Ito palette (:data:`OKABE_ITO`), safe for the common colour-vision
deficiencies, in an order that never puts orange beside vermilion; where more than two
series share a figure each also has its own marker (:data:`MARKERS`) or hatching
(:data:`HATCHES`), so colour is never the only cue.

**Numbers.** Axis numbers follow the reader's locale: :func:`locale_axis` (``0,5`` /
``0.5``, ``50 %`` / ``50%``, typographic minus).

PNGs carry no timestamp or software tag, so rebuilds are byte-identical.
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import matplotlib

matplotlib.use("Agg")  # no display on build machines; notebooks still show the PNG
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib import transforms  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from .text import formats  # noqa: E402

#: CSS pixels per figure inch: a figure's natural width on the page is inches x CSS_DPI.
CSS_DPI = 100
#: Device pixels per CSS pixel in the PNG (sharp on HiDPI screens).
SCALE = 2
#: Width (inches) of a figure for the page's text column (920 CSS px at 1280 px) ...
WIDTH_IN = 8.8
#: ... and of its phone layout (fits a 390 px screen at 80 % or more).
NARROW_IN = 4.2
LAYOUTS = {"wide": WIDTH_IN, "narrow": NARROW_IN}
#: Screens on which the browser shows the narrow drawing (below this the wide one would
#: shrink under about 77 % of its size).
NARROW_MEDIA = "(max-width: 45rem)"
#: The page's text column at 1280 px (CSS px): a figure this wide or less is shown unscaled.
COLUMN_PX = 920
#: The smallest text in a figure (points): 10 pt is 14 CSS px at the natural size.
MIN_TEXT_PT = 10.0
#: Kept for code that still sets the old size (inches at 100 dpi).
FIGSIZE = (WIDTH_IN, 4.8)
DPI = CSS_DPI

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with every common
#: colour-vision deficiency.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermilion": "#D55E00", "reddish_purple": "#CC79A7",
}
#: Series colours in the order used: blue, orange, bluish green, reddish purple, vermilion,
#: sky blue, black (yellow is left out: too light on white). Orange and vermilion, the pair
#: hardest to tell apart, are never neighbours.
SERIES = tuple(OKABE_ITO[k] for k in ("blue", "orange", "bluish_green", "reddish_purple", "vermilion",
                                      "sky_blue", "black"))
#: The second cue of each series: marker shapes ...
MARKERS = ("o", "s", "D", "^", "v", "P", "X")
#: ... and bar hatchings (the first series is plain).
HATCHES = ("", "///", "...", "xxx", "\\\\\\", "+++", "ooo")
#: Text and lines that are not data.
INK = "#333333"
GRID = "#D9D9D9"
PALETTE = list(SERIES)

_layout = {"name": "wide"}


def use_style() -> None:
    """Set the project's figure style (call once at the top of a chapter)."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    plt.rcParams.update({
        "figure.figsize": FIGSIZE,
        "figure.dpi": CSS_DPI,
        "savefig.dpi": CSS_DPI * SCALE,
        "font.size": 11,
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "axes.labelsize": 11,
        "xtick.labelsize": MIN_TEXT_PT,
        "ytick.labelsize": MIN_TEXT_PT,
        "legend.fontsize": MIN_TEXT_PT,
        "legend.title_fontsize": MIN_TEXT_PT,
        "axes.edgecolor": INK,
        "axes.labelcolor": INK,
        "text.color": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "grid.color": GRID,
        "axes.unicode_minus": True,
        "svg.hashsalt": "sosiale-kommuner",
        "path.simplify": True,
    })


# -- layout -------------------------------------------------------------------------------
@contextlib.contextmanager
def layout(name: str) -> Iterator[None]:
    """Draw in the ``"wide"`` (page column) or ``"narrow"`` (phone) layout inside the block."""
    if name not in LAYOUTS:
        raise ValueError(f"layout must be one of {sorted(LAYOUTS)}, not {name!r}")
    before = _layout["name"]
    _layout["name"] = name
    try:
        yield
    finally:
        _layout["name"] = before


def layout_name() -> str:
    """``"wide"`` or ``"narrow"``: the layout being drawn."""
    return _layout["name"]


def width() -> float:
    """The figure width (inches) of the current layout: use it as ``figsize=(figures.width(), h)``."""
    return LAYOUTS[_layout["name"]]


def wrap_chars() -> int:
    """How many characters a row label's line holds: beside the plot (wide) or above it (narrow)."""
    return 40 if _layout["name"] == "wide" else 46


def wrap(label: str, chars: int | None = None) -> str:
    """``label`` wrapped into lines of at most ``chars`` characters (never cut)."""
    import textwrap

    s = " ".join(str(label).split())
    lines = textwrap.wrap(s, chars or wrap_chars(), break_long_words=False, break_on_hyphens=True)
    return "\n".join(lines) or s


# -- rows of labelled marks (forest plots, points by group, bars) --------------------------------
#: Height of one line of 10 pt label text (inches); a row's marks take ``mark`` lines.
LINE_IN = 0.2
_GAP = 0.45


@dataclass
class Rows:
    """Where the rows of a chart go: ``y`` (centre of each row's marks, top to bottom, in lines),
    the wrapped ``labels``, section ``headers`` and the ``total`` height in lines.

    Wide layout: labels beside the plot (tick labels), headers bold among them. Narrow layout
    (phones): each label on the full width *above* its marks, so the plot keeps its width.
    """

    labels: list[str]
    y: np.ndarray
    label_top: np.ndarray
    headers: list[tuple[float, str]]
    total: float
    narrow: bool

    def inches(self) -> float:
        return self.total * LINE_IN

    def place(self, ax) -> None:
        """Put the labels and headers on ``ax`` and set its y range (top row first)."""
        ax.set_ylim(self.total, 0)
        ax.grid(axis="y", visible=False)
        if not self.narrow:
            ticks = list(self.y) + [y for y, _ in self.headers]
            words = list(self.labels) + [h for _, h in self.headers]
            ax.set_yticks(ticks, words)
            for tick in ax.get_yticklabels()[len(self.labels):]:
                tick.set_fontweight("bold")
            ax.tick_params(axis="y", length=0)
            return
        ax.set_yticks([])
        where = transforms.blended_transform_factory(ax.transAxes, ax.transData)
        box = dict(boxstyle="square,pad=0.05", fc="white", ec="none")
        for top, words in zip(self.label_top, self.labels):
            ax.text(0.01, top, words, transform=where, ha="left", va="top", fontsize=MIN_TEXT_PT, bbox=box,
                    zorder=4)
        for top, words in self.headers:
            ax.text(0.01, top, words, transform=where, ha="left", va="top", fontsize=MIN_TEXT_PT,
                    fontweight="bold", bbox=box, zorder=4)


def rows(names: Sequence[str], sections: Sequence[Any] | None = None, mark: float = 1.0) -> Rows:
    """The layout of one row per name (see :class:`Rows`); ``sections`` (one value per row, or
    ``None``) start a bold header wherever the value changes, and ``mark`` is the height of a
    row's marks in lines (more for several groups side by side)."""
    narrow = _layout["name"] == "narrow"
    wrapped = [wrap(s) for s in names]
    y, tops, headers, pos, last = [], [], [], 0.0, object()
    for i, words in enumerate(wrapped):
        if sections is not None and sections[i] is not None and sections[i] != last:
            head = wrap(str(sections[i]))
            n_head = head.count("\n") + 1
            headers.append((pos + (0 if narrow else n_head / 2), head))
            pos += n_head + 0.2
            last = sections[i]
        lines = words.count("\n") + 1
        if narrow:
            tops.append(pos)
            y.append(pos + lines + mark / 2)
            pos += lines + mark + _GAP
        else:
            h = max(lines, mark)
            tops.append(pos)
            y.append(pos + h / 2)
            pos += h + _GAP
    return Rows(wrapped, np.asarray(y, float), np.asarray(tops, float), headers, pos, narrow)


def legend_above(fig: matplotlib.figure.Figure, handles: list, ncols: int | None = None) -> int:
    """The legend above the plot, outside the axes (never on data), its labels wrapped to the
    layout; returns the lines it takes (for the figure's height)."""
    if not handles:
        return 0
    narrow = _layout["name"] == "narrow"
    ncols = 1 if narrow else (ncols or min(len(handles), 2))
    chars = 48 if narrow else (84 if ncols == 1 else 44)
    lines_per = 1
    for h in handles:
        words = wrap(h.get_label(), chars)
        h.set_label(words)
        lines_per = max(lines_per, words.count("\n") + 1)
    fig.legend(handles=handles, loc="outside upper left", ncols=ncols, frameon=False, handlelength=1.8,
               borderaxespad=0.2)
    return -(-len(handles) // ncols) * lines_per


def chart_figure(layout_rows: Rows, legend_lines: int = 2, axis_lines: int = 3) -> tuple[Any, Any]:
    """A figure of the current layout's width, tall enough for ``layout_rows``, a legend of
    ``legend_lines`` and the x axis; constrained layout keeps every text inside."""
    height = layout_rows.inches() + (legend_lines * 1.25 + axis_lines) * LINE_IN + 0.35
    fig = plt.figure(figsize=(width(), max(2.2, height)), layout="constrained")
    return fig, fig.add_subplot()


# -- numbers on axes ------------------------------------------------------------------------
def tick_text(value: float, lang: str, kind: str = "num", digits: int = 0) -> str:
    """One axis number in the reader's locale.

    ``kind``: ``"num"`` (``0,5`` / ``0.5``), ``"int"``, ``"pct"`` (a proportion 0–1 shown as
    ``50 %`` / ``50%``), ``"pctn"`` (a number already in per cent, shown bare: ``50``),
    ``"pp"`` (signed percentage points from a value in points: ``+10``, ``−10``, ``0``),
    ``"abs_pctn"`` (the absolute value in per cent, for diverging bars).
    """
    if kind == "int":
        return formats.integer(value, lang)
    if kind == "pct":
        return formats.percent(value, digits, lang)
    if kind == "pctn":
        return formats.number(value, digits, lang)
    if kind == "abs_pctn":
        return formats.number(abs(value), digits, lang)
    if kind == "pp":
        return formats.signed(value, digits, lang)
    if kind == "num":
        return formats.number(value, digits, lang)
    raise ValueError(f"unknown tick kind {kind!r}")


def locale_axis(ax, lang: str, axis: str = "x", kind: str = "num", digits: int = 0) -> None:
    """Format the numbers of ``ax``'s ``axis`` (``"x"``, ``"y"`` or ``"both"``) for ``lang``."""
    fmt = FuncFormatter(lambda v, _pos: tick_text(v, lang, kind, digits))
    for name in (("x", "y") if axis == "both" else (axis,)):
        getattr(ax, f"{name}axis").set_major_formatter(fmt)


# -- output -----------------------------------------------------------------------------------
#: Colours kept in a figure's PNG: charts have few colours, so a 256-colour palette (fast
#: octree, no dithering) looks the same and weighs about a quarter of a full-colour PNG; the
#: octree is ten times quicker than median cut on these images and gives smaller files.
PNG_COLOURS = 256


def png_bytes(fig: matplotlib.figure.Figure, scale: int = SCALE) -> bytes:
    """The figure as PNG bytes at ``scale`` x its natural size: palette colours, no metadata
    (no timestamp or software tag), so the same figure gives the same bytes."""
    from PIL import Image

    buf = io.BytesIO()
    # the first PNG is only read back: written without compression (same pixels, ~15 % quicker)
    fig.savefig(buf, format="png", dpi=CSS_DPI * scale, bbox_inches="tight", pad_inches=0.08,
                metadata={"Software": None}, pil_kwargs={"compress_level": 0})
    image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    small = image.quantize(colors=PNG_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels of PNG ``data`` (from its IHDR header)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def css_size(data: bytes, scale: int = SCALE) -> tuple[int, int]:
    """The natural size on the page (CSS px) of a PNG made by :func:`png_bytes` with ``scale``."""
    w, h = png_size(data)
    return round(w / scale), round(h / scale)


def min_text_px(fig: matplotlib.figure.Figure) -> float:
    """The smallest visible text of ``fig`` in CSS px at its natural size (pt x CSS_DPI / 72)."""
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text)
             if t.get_visible() and t.get_text().strip() and t.get_alpha() != 0]
    return round(min(sizes) * CSS_DPI / 72, 1) if sizes else 0.0


def notes(fig: matplotlib.figure.Figure) -> dict[str, dict]:
    """The caption notes a chart function attached (``tables.yaml`` ``note.<key>`` -> values)."""
    return dict(getattr(fig, "sk_notes", {}) or {})


def add_note(fig: matplotlib.figure.Figure, key: str, **values) -> None:
    """Ask the caption to explain something the figure shows (``tables.yaml`` ``note.<key>``)."""
    current = notes(fig)
    current[key] = values
    fig.sk_notes = current


def show(fig: matplotlib.figure.Figure, alt: str) -> None:
    """Display ``fig`` as a PNG with alt text ``alt`` and close it (outside a chapter page).

    ``alt`` says in a sentence what the figure shows; the report template writes it
    into the page's ``<img alt="...">``. The page template knows nothing of the PNG's
    scale, so this PNG has one pixel per CSS pixel (not sharp on HiDPI screens, and not
    numbered): chapters use :meth:`ChapterPage.figure` instead.
    """
    from IPython.display import Image, display

    if not alt or not alt.strip():
        raise ValueError("every figure needs alt text")
    data = png_bytes(fig, scale=1)
    plt.close(fig)
    display(Image(data=data, format="png", alt=alt))


__all__ = ["use_style", "layout", "layout_name", "width", "wrap", "wrap_chars", "Rows", "rows", "legend_above",
           "chart_figure", "LINE_IN", "tick_text", "locale_axis",
           "png_bytes", "png_size", "css_size", "min_text_px", "notes", "add_note", "show", "OKABE_ITO",
           "SERIES", "MARKERS", "HATCHES", "CSS_DPI", "SCALE", "WIDTH_IN", "NARROW_IN", "COLUMN_PX",
           "MIN_TEXT_PT", "NARROW_MEDIA", "PNG_COLOURS", "FIGSIZE", "DPI", "PALETTE", "INK", "GRID"]
