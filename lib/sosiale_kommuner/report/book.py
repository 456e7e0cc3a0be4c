"""The book: its chapters in reading order, as the report sees them.

The report does not read the chapter graph (that is the build's); the build hands it a
:class:`Book` of :class:`ChapterInfo` — stem, title and whether the chapter shows SSB's
figures — and, per page, the code hash and raw-file checksums for the footer.

Besides the chapters the book has its own pages, written after the chapters by the build:
the contents page ``index.html`` and :data:`BOOK_PAGES` (methods, questionnaire, glossary),
in every edition. :func:`reading_order` is the order of the previous/next links.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

#: The contents page, in every edition.
INDEX = "index"
#: The book's own pages after the chapters (``reports/<name>.html``), in reading order.
BOOK_PAGES = ("methods", "questionnaire", "glossary")
#: The whole report as one PDF, in every edition.
PDF_NAME = "sosiale-kommuner-2013.pdf"


@dataclass(frozen=True)
class ChapterInfo:
    """One chapter as a page of the book: ``reports/<stem>.html``."""

    stem: str
    title: str
    #: the page shows Statistics Norway's figures, so it carries SSB's attribution
    shows_ssb: bool = True

    @property
    def number(self) -> str:
        return self.stem[:2]


@dataclass(frozen=True)
class Book:
    """The chapters in reading order."""

    chapters: tuple[ChapterInfo, ...] = ()

    def __iter__(self):
        return iter(self.chapters)

    def __len__(self) -> int:
        return len(self.chapters)

    @property
    def stems(self) -> list[str]:
        return [c.stem for c in self.chapters]

    def get(self, stem: str) -> ChapterInfo | None:
        return next((c for c in self.chapters if c.stem == stem), None)

    @classmethod
    def of(cls, chapters: Iterable[ChapterInfo]) -> "Book":
        return cls(tuple(chapters))


def reading_order(book: Book) -> list[str]:
    """Every page of the book in reading order: contents, chapters, the book's own pages."""
    return [INDEX, *book.stems, *BOOK_PAGES]
