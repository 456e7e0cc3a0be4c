"""What a chapter shows, in every edition at once: text, headings, numbered tables and figures.

A chapter notebook makes one :class:`ChapterPage` and hands it everything a reader sees::

    page = ChapterPage("09_size_differences", lang)
    page.text("intro", n_f=n_f)                                  # Markdown from the text layer
    page.heading("size_classes")                                 # <h2 id="size_classes">
    page.table(lambda lang: tables.Table(df, lang, columns), label="significant", n=n_k, source="tests")
    page.figure(lambda lang: charts.forest(part, lang, scale=100), label="forest_1", caption="forest",
                n=n_k, source="tests", area=...)

Run by ``run_all.py``, the notebook executes once and every call emits one output per
edition (bokmål and English), each marked with its language in the output's metadata
(``sk_lang``); the exporter builds ``reports/<stem>.html`` from the ``nb`` outputs and
``reports/en/<stem>.html`` from the ``en`` ones. Figures are drawn once per language from
the same numbers. Opened in JupyterLab, the notebook shows the language of its ``lang``
parameter only. Which editions to emit comes from the environment variable
:data:`EDITIONS_ENV`, which the build sets.

Figures and tables are numbered per chapter (``Figur 9.2`` / ``Figure 9.2``); their
captions come from the chapter's text file (``caption.<label>``, or ``caption.<caption>``
when several figures share one text), with the number of respondents behind them, a link to
the result table they were drawn from, and the notes the chart or table asks for
(``tables.yaml`` ``note.*``). How tables and figures are made readable: :mod:`.tables`,
:mod:`.figures`, :mod:`.charts`.
"""
from __future__ import annotations

import base64
import html
import os
import re
from typing import Any, Callable

from . import labels, text
from .text.formats import LANGS, check_lang

#: Set by the build: the editions every chapter emits (``"nb,en"``).
EDITIONS_ENV = "SOSIALE_KOMMUNER_EDITIONS"
#: Where each edition's pages live, relative to ``reports/`` (the tables are shared).
EDITION_DIRS = {"nb": "", "en": "en/"}


def editions(lang: str) -> tuple[str, ...]:
    """The languages to emit: every edition under the build, else the notebook's ``lang``."""
    env = os.environ.get(EDITIONS_ENV, "").strip()
    if env:
        return tuple(check_lang(x.strip()) for x in env.split(",") if x.strip())
    return (check_lang(lang),)


def tables_href(lang: str, name: str) -> str:
    """Link from a page of edition ``lang`` to ``reports/tables/<name>``."""
    up = "../" * EDITION_DIRS[lang].count("/")
    return f"{up}tables/{name}"


def slug(key: str) -> str:
    """An HTML id from a text key (``size_classes`` -> ``size-classes``)."""
    return re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


def boxed_tables(page_html: str, lang: str) -> str:
    """Every ``<table>`` of a text passage in a box that scrolls on a narrow screen and can take
    focus (a Markdown table has no caption: a table a reader must find is a :meth:`ChapterPage.table`)."""
    def box(m: re.Match) -> str:
        heads = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", m.group(0), re.S)]
        name = ", ".join(h for h in heads if h) or labels.vocab("table.unnamed", lang)
        return (f'<div class="sk-table-box" role="region" tabindex="0" aria-label="{html.escape(name, quote=True)}">'
                f"{m.group(0)}</div>")

    return re.sub(r"<table\b.*?</table>", box, page_html, flags=re.S)


class Ref:
    """A cross-reference to a numbered figure or table, written in each language."""

    def __init__(self, kind: str, number: str, anchor: str):
        self.kind, self.number, self.anchor = kind, number, anchor

    def localize(self, lang: str, spec: str = "") -> str:
        word = text.common(f"ref.{self.kind}", lang)
        return f"[{word} {self.number}](#{self.anchor})"


class ChapterPage:
    """The outputs of one chapter (see the module docstring)."""

    def __init__(self, stem: str, lang: str = "nb"):
        self.stem = stem
        self.lang = check_lang(lang)
        self.langs = editions(lang)
        self.chapter_number = int(stem[:2])
        self._counts = {"figure": 0, "table": 0}
        self.refs: dict[str, Ref] = {}

    # -- text ------------------------------------------------------------------------
    def t(self, key: str, lang: str, **values: Any) -> str:
        """The chapter's text ``key`` in ``lang`` (Markdown), filled in with ``values``."""
        return text.get(self.stem, key, lang, **values)

    def _emit(self, make: Callable[[str], str]) -> None:
        from IPython.display import HTML, display

        for lang in self.langs:
            display(HTML(make(lang)), metadata={"sk_lang": lang})

    def text(self, key: str, **values: Any) -> None:
        """A passage of the chapter's text (Markdown in the text layer) in every edition."""
        self._emit(lambda lang: boxed_tables(text.to_html(self.t(key, lang, **values)), lang))

    def markdown(self, make: Callable[[str], str]) -> None:
        """Markdown that a chapter helper composed per language (``make(lang) -> str``)."""
        self._emit(lambda lang: boxed_tables(text.to_html(make(lang)), lang))

    def title(self) -> None:
        """The chapter's title (``title`` in its texts) as the page's first heading."""
        self._emit(lambda lang: f'<h1 id="top">{self.stem[:2]} · '
                                f'{text.to_html(self.t("title", lang), inline=True)}</h1>')

    def heading(self, key: str, level: int = 2, **values: Any) -> None:
        """A section heading (``heading.<key>`` of the chapter's texts, else of ``common``);
        its anchor is the same in every edition."""
        anchor = slug(key)

        def make(lang: str) -> str:
            page = self.stem if text.has(self.stem, f"heading.{key}", lang) else text.COMMON
            words = text.get(page, f"heading.{key}", lang, **values)
            return f'<h{level} id="{anchor}">{text.to_html(words, inline=True)}</h{level}>'

        self._emit(make)

    # -- numbered figures and tables -------------------------------------------------------
    def _number(self, kind: str, label: str) -> Ref:
        if label in self.refs:
            raise ValueError(f"{self.stem}: label {label!r} is used twice")
        self._counts[kind] += 1
        ref = Ref(kind, f"{self.chapter_number}.{self._counts[kind]}", f"{kind[:3]}-{slug(label)}")
        self.refs[label] = ref
        return ref

    def ref(self, label: str) -> Ref:
        """A cross-reference to an earlier figure or table (a value for a text's placeholder)."""
        return self.refs[label]

    def _caption(self, ref: Ref, key: str, lang: str, n: int | None, source: str | None,
                 values: dict, notes: dict[str, dict] | None = None) -> str:
        head = f'<span class="sk-number">{html.escape(text.common(f"ref.{ref.kind}_title", lang))} {ref.number}.</span>'
        body = text.to_html(self.t(f"caption.{key}", lang, **values), inline=True)
        parts = [head, body]
        if n is not None:
            parts.append(f'<span class="sk-n">{html.escape(text.common("caption.n", lang, n=n))}</span>')
        if source:
            name = source if source.endswith(".csv") else f"{self.stem}__{source}.csv"
            parts.append(f'<a class="sk-source" href="{html.escape(tables_href(lang, name))}">'
                         f'{html.escape(text.common("caption.data", lang))}</a>')
        if notes:
            words = " ".join(labels.vocab(f"note.{k}", lang, **v) for k, v in notes.items())
            parts.append(f'<span class="sk-caption-notes">{html.escape(words)}</span>')
        return " ".join(parts)

    def _title(self, ref: Ref, key: str, lang: str, values: dict) -> str:
        """``Tabell 9.2. <caption words>`` as plain text (a box's ``aria-label``)."""
        words = re.sub(r"<[^>]+>", "", text.to_html(self.t(f"caption.{key}", lang, **values), inline=True))
        return f'{text.common(f"ref.{ref.kind}_title", lang)} {ref.number}. {html.unescape(words)}'

    def figure(self, draw: Callable[[str], Any], *, label: str, caption: str | None = None,
               n: int | None = None, source: str | None = None, narrow: bool = True, **values: Any) -> Ref:
        """A numbered figure: ``draw(lang)`` returns a matplotlib figure, drawn per language.

        Caption ``caption.<caption>`` and alt text ``alt.<caption>`` come from the text layer
        (``caption`` defaults to ``label``, so several parts of one figure can share a text;
        filled in with ``values``); ``n`` is the number of respondents behind it; ``source``
        names the result table it was drawn from (``reports/tables/<stem>__<source>.csv``).
        Notes that the chart attached (:func:`figures.notes`: why a significant point's
        interval crosses zero, small groups, suppressed cells) are written under the caption.

        The figure is shown at its natural width (:mod:`.figures`: 880 CSS px for the page's
        column), from a PNG with twice the pixels (sharp on HiDPI screens). With ``narrow``
        the figure is drawn a second time in the phone layout (``figures.layout("narrow")``),
        which the browser picks on small screens; a ``draw`` that ignores the layout gets one.
        """
        import matplotlib.pyplot as plt

        from . import figures

        ref = self._number("figure", label)
        key = caption or label

        def render(lang: str, layout: str) -> tuple[bytes, float, dict]:
            with figures.layout(layout):
                fig = draw(lang)
            try:
                return figures.png_bytes(fig), figures.min_text_px(fig), figures.notes(fig)
            finally:
                plt.close(fig)

        def img_attrs(data: bytes, text_px: float) -> str:
            w, h = figures.css_size(data)
            return f'width="{w}" height="{h}" data-text-px="{text_px:g}"'

        def make(lang: str) -> str:
            data, text_px, notes = render(lang, "wide")
            alt = text.to_html(self.t(f"alt.{key}", lang, **values), inline=True)
            alt = html.escape(html.unescape(re.sub(r"<[^>]+>", "", alt)), quote=True)
            small = None
            if narrow:
                small, small_px, _ = render(lang, "narrow")
                if figures.css_size(small)[0] >= 0.8 * figures.css_size(data)[0]:
                    small = None
            # the shown width: the natural one (tables.css reads --sk-w, or --sk-wn on a phone)
            widths = f"--sk-w: {figures.css_size(data)[0]}px" + (
                f"; --sk-wn: {figures.css_size(small)[0]}px" if small else "")
            img = (f'<img class="sk-plot" src="data:image/png;base64,{base64.b64encode(data).decode()}" '
                   f'{img_attrs(data, text_px)} style="{widths}" alt="{alt}">')
            if small:
                img = (f'<picture><source media="{figures.NARROW_MEDIA}" '
                       f'srcset="data:image/png;base64,{base64.b64encode(small).decode()}" '
                       f"{img_attrs(small, small_px)}>{img}</picture>")
            return (f'<figure class="sk-figure" id="{ref.anchor}">{img}'
                    f"<figcaption>{self._caption(ref, key, lang, n, source, values, notes)}</figcaption></figure>")

        self._emit(make)
        return ref

    def table(self, make_table: Callable[[str], Any], *, label: str, caption: str | None = None,
              n: int | None = None, source: str | None = None, **values: Any) -> Ref:
        """A numbered table: ``make_table(lang)`` returns a :class:`tables.Table` (the one table
        toolkit; anything else is a ``TypeError``).

        The caption (``caption.<caption>``, default ``caption.<label>``) goes into the table's
        ``<caption>``; the table sits in a box that scrolls on its own on a narrow screen and can
        take keyboard focus, shows at most ``tables.MAX_ROWS`` rows, the rest behind a
        ``<details>``, and its notes under it.
        """
        from . import tables

        ref = self._number("table", label)
        key = caption or label

        def make(lang: str) -> str:
            body = make_table(lang)
            if not isinstance(body, tables.Table):
                raise TypeError(f"table {label!r} of {self.stem}: make_table(lang) must return a "
                                f"report.tables.Table, got {type(body).__name__}")
            title = self._title(ref, key, lang, values)
            return body.html(self._caption(ref, key, lang, n, source, values), title, ref.anchor)

        self._emit(make)
        return ref


__all__ = ["ChapterPage", "Ref", "boxed_tables", "editions", "tables_href", "EDITIONS_ENV", "EDITION_DIRS", "LANGS"]
