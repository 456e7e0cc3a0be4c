"""One look for every figure.

Chapters draw with matplotlib/seaborn after :func:`use_style` and hand each finished
figure to :func:`show`, which embeds it as a PNG with alt text (read by the report
template) and closes it. PNGs carry no timestamp, so rebuilds are byte-identical.
"""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display on build machines; notebooks still show the PNG
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

#: Width x height in inches at 100 dpi: fits a laptop screen at full report width.
FIGSIZE = (8.0, 4.5)
DPI = 100
PALETTE = "colorblind"


def use_style() -> None:
    """Set the project's figure style (call once at the top of a chapter)."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    plt.rcParams.update({
        "figure.figsize": FIGSIZE,
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "axes.titleweight": "bold",
        "axes.titlesize": 12,
        "svg.hashsalt": "sosiale-kommuner",
        "path.simplify": True,
    })


def png_bytes(fig: matplotlib.figure.Figure) -> bytes:
    """The figure as PNG bytes, with fixed metadata (no timestamps)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight",
                metadata={"Software": None})
    return buf.getvalue()


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels of PNG ``data`` (from its IHDR header)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def show(fig: matplotlib.figure.Figure, alt: str) -> None:
    """Display ``fig`` as a PNG with alt text ``alt`` and close it.

    ``alt`` says in a sentence what the figure shows; the report template writes it
    into the page's ``<img alt="...">``.
    """
    from IPython.display import Image, display

    if not alt or not alt.strip():
        raise ValueError("every figure needs alt text")
    data = png_bytes(fig)
    plt.close(fig)
    display(Image(data=data, format="png", alt=alt))
