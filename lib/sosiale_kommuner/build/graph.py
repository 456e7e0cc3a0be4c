"""The chapter graph, declared once (docs/contracts.md §3).

Each chapter names the raw files it reads (glob patterns inside the raw folder) and the
processed files it reads and writes (names inside ``data/processed``). Dependencies
between notebooks follow from ``reads``/``writes``. :class:`Graph` answers every question
about them (which chapter, what it needs first, in which order); :class:`Project` adds
where the notebooks and the package live (tests substitute a small synthetic one); and
:meth:`Graph.book` is what the report is told of the chapters.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from sosiale_kommuner import config
from sosiale_kommuner.config import CODEBOOK_FILE as SURVEY_CODEBOOK, SYNTHETIC_FLAG
from sosiale_kommuner.report.book import Book, ChapterInfo


@dataclass(frozen=True)
class Chapter:
    """One notebook: ``notebooks/<stem>.ipynb``."""

    stem: str
    title: str
    raw: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    #: Extra cores the chapter uses itself (the simulation); the scheduler accounts for it.
    cores: int = 1

    @property
    def number(self) -> str:
        return self.stem[:2]


#: The generator parameters of the synthetic data. Optional: a raw glob that matches nothing
#: adds nothing to a fingerprint, and a real raw folder has no such file — chapters 10 and 11
#: then estimate the parameters from the processed data (``data.synth.fit``), so they also
#: read what the estimation reads (:data:`SIMULATION_READS` and the weighted respondents).
GENERATOR_PARAMS = "survey/generator_params.yaml"
#: Processed files the estimation reads beyond the weighted respondents (pre-survey count,
#: step-1 coverage and the Facebook page).
SIMULATION_READS = ("coverage.parquet", "presurvey.parquet")

CHAPTERS: tuple[Chapter, ...] = (
    Chapter(
        "00_population", "The population of local governments",
        raw=("frame/municipalities_2013.csv", "frame/counties_2013.csv", "frame/centrality_2013.csv"),
        writes=("population.parquet",),
    ),
    Chapter(
        "01_presurvey", "The pre-survey",
        raw=(SURVEY_CODEBOOK, SYNTHETIC_FLAG),
        reads=("presurvey.parquet", "responses.parquet", "coverage.parquet", "population.parquet"),
    ),
    Chapter(
        "02_cleaning", "From survey exports to respondents",
        raw=(SURVEY_CODEBOOK, "survey/respondent_mapping.*", "survey/presurvey.*", "survey/main_survey.*",
             SYNTHETIC_FLAG),
        reads=("population.parquet",),
        writes=("responses.parquet", "presurvey.parquet", "coverage.parquet"),
    ),
    Chapter(
        "03_weighting", "Survey weights",
        raw=(SURVEY_CODEBOOK, "survey/truth.yaml", SYNTHETIC_FLAG),
        reads=("population.parquet", "responses.parquet", "coverage.parquet"),
        writes=("weights.parquet", "calibration.json"),
    ),
    Chapter(
        "04_adoption", "Adoption of social media and the channels in use",
        raw=(SURVEY_CODEBOOK, SYNTHETIC_FLAG),
        reads=("population.parquet", "responses.parquet", "weights.parquet", "calibration.json"),
    ),
    Chapter(
        "05_areas_of_use", "Areas of use",
        raw=(SURVEY_CODEBOOK, SYNTHETIC_FLAG),
        reads=("population.parquet", "responses.parquet", "weights.parquet", "calibration.json"),
    ),
    Chapter(
        "06_strategy_leadership", "Strategies, formalisation and leadership",
        raw=(SURVEY_CODEBOOK, SYNTHETIC_FLAG),
        reads=("population.parquet", "responses.parquet", "weights.parquet", "calibration.json"),
    ),
    Chapter(
        "07_benefit_advice", "Experienced benefit and expectations of advice",
        raw=(SURVEY_CODEBOOK, SYNTHETIC_FLAG),
        reads=("population.parquet", "responses.parquet", "weights.parquet", "calibration.json"),
    ),
    Chapter(
        "08_sharing", "Awareness, sharing and collaboration",
        raw=(SURVEY_CODEBOOK, SYNTHETIC_FLAG),
        reads=("population.parquet", "responses.parquet", "weights.parquet", "calibration.json"),
    ),
    Chapter(
        "09_size_differences", "Differences between size classes and unit types",
        raw=(SURVEY_CODEBOOK, SYNTHETIC_FLAG),
        reads=("population.parquet", "responses.parquet", "weights.parquet", "calibration.json"),
    ),
    Chapter(
        "10_involvement", "Citizens, social media and local development work",
        raw=(SURVEY_CODEBOOK, GENERATOR_PARAMS, SYNTHETIC_FLAG),
        reads=("population.parquet", "responses.parquet", "weights.parquet", "calibration.json",
               *SIMULATION_READS),
        cores=2,
    ),
    Chapter(
        "11_simulation", "Appendix: are the tests honest? A simulation",
        raw=(SURVEY_CODEBOOK, GENERATOR_PARAMS, "frame/municipalities_2013.csv",
             "frame/counties_2013.csv", "frame/centrality_2013.csv", SYNTHETIC_FLAG),
        reads=("population.parquet", "responses.parquet", "weights.parquet", "calibration.json",
               *SIMULATION_READS),
        cores=2,
    ),
)


class GraphError(ValueError):
    """A chapter that does not exist, or a graph that cannot be run (names the chapters)."""


@dataclass(frozen=True)
class Graph:
    """Questions about a tuple of chapters: which one, what it needs first, in which order."""

    chapters: tuple[Chapter, ...] = CHAPTERS

    def chapter(self, key: str) -> Chapter:
        """A chapter by stem (``03_weighting``) or number (``03`` or ``3``)."""
        key = str(key).strip()
        if key.isdigit() and len(key) <= 2:
            hits = [c for c in self.chapters if c.number == key.zfill(2)]
        else:
            hits = [c for c in self.chapters if c.stem == key]
        if not hits:
            known = ", ".join(c.stem for c in self.chapters)
            raise GraphError(f"--only {key}: no such notebook; known: {known}")
        return hits[0]

    def producers(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for c in self.chapters:
            for w in c.writes:
                if w in out:
                    raise GraphError(f"build/graph.py: {w} is written by both {out[w]} and {c.stem}")
                out[w] = c.stem
        return out

    def dependencies(self, stem: str) -> list[str]:
        """Stems of the chapters whose outputs ``stem`` reads."""
        prod = self.producers()
        return sorted({prod[r] for r in self.chapter(stem).reads if r in prod})

    def unproduced(self, stem: str) -> list[str]:
        """Processed files ``stem`` reads that no chapter writes (the chapter can't run)."""
        prod = self.producers()
        return [r for r in self.chapter(stem).reads if r not in prod]

    def order(self, stems: Iterable[str] | None = None) -> list[str]:
        """``stems`` (default all) and everything they need first, in a valid run order.

        The order is that of ``CHAPTERS`` where it allows (it is the reading order);
        a chapter listed before one it reads from is moved after it.
        """
        need: set[str] = set()
        stack = [self.chapter(s).stem for s in (stems if stems else [c.stem for c in self.chapters])]
        while stack:
            s = stack.pop()
            if s not in need:
                need.add(s)
                stack.extend(self.dependencies(s))
        done: list[str] = []
        pending = [c.stem for c in self.chapters if c.stem in need]
        while pending:
            for s in pending:
                if all(d in done for d in self.dependencies(s)):
                    done.append(s)
                    pending.remove(s)
                    break
            else:
                raise GraphError(f"build/graph.py: dependency cycle among {', '.join(pending)}")
        return done

    def notebook(self, stem: str) -> Path:
        return Path(self.notebook_dir) / f"{stem}.ipynb"


    def shows_ssb(self, stem: str) -> bool:
        """Does the chapter show SSB figures (so its page needs "Kilde: Statistisk sentralbyrå")?

        True for chapter 00, for every chapter reading SSB's frame files (``frame/...``), and
        for every chapter reading a processed file written by such a chapter (the population
        frame ``population.parquet``: population counts, size classes, weighting targets).
        """
        chapter = self.chapter(stem)
        if chapter.number == "00" or any(g.startswith("frame/") for g in chapter.raw):
            return True
        frame_readers = {c.stem for c in self.chapters if any(g.startswith("frame/") for g in c.raw)}
        writers = {w: c.stem for c in self.chapters for w in c.writes}
        return any(writers.get(r) in frame_readers for r in chapter.reads)

    def info(self, stem: str) -> ChapterInfo:
        """What the report is told of one chapter."""
        c = self.chapter(stem)
        return ChapterInfo(c.stem, c.title, shows_ssb=self.shows_ssb(c.stem))

    def book(self) -> Book:
        """The chapters in reading order, as the report sees them."""
        return Book.of(self.info(c.stem) for c in self.chapters)


@dataclass(frozen=True)
class Project(Graph):
    """A graph and where its notebooks and code live (tests substitute a synthetic one)."""

    notebook_dir: Path = config.NOTEBOOK_DIR
    #: the package whose modules the code hashes follow (``lib/sosiale_kommuner``)
    package_dir: Path = Path(__file__).resolve().parents[1]
    kernel_name: str = config.KERNEL_NAME
    #: "report" exports with ``report.chapter_page.export_chapter``; "plain" with nbconvert only.
    exporter: str = "report"

    def notebook(self, stem: str) -> Path:
        return Path(self.notebook_dir) / f"{stem}.ipynb"

    def with_notebook_dir(self, folder: str | os.PathLike) -> "Project":
        from dataclasses import replace

        return replace(self, notebook_dir=Path(folder).resolve())
