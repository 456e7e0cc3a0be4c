"""The notebook graph, declared once (CONTRACTS §3).

Each chapter names the raw files it reads (glob patterns inside the raw folder), the
processed files it reads and writes (names inside ``data/processed``), and the
papermill parameters it declares. Dependencies between notebooks follow from
``reads``/``writes``; ``run_all.py`` and the report footer both read this table.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Raw survey files a chapter may read. Exports may come as .csv, .xlsx or .sav.
SURVEY_CODEBOOK = "survey/codebook.yaml"
SYNTHETIC_FLAG = "survey/SYNTHETIC.yaml"


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
        writes=("weights.parquet",),
    ),
    Chapter(
        "04_adoption", "Adoption of social media and the channels in use",
        raw=(SURVEY_CODEBOOK, SYNTHETIC_FLAG),
        reads=("population.parquet", "responses.parquet", "weights.parquet"),
    ),
    Chapter(
        "05_areas_of_use", "Areas of use",
        raw=(SURVEY_CODEBOOK, SYNTHETIC_FLAG),
        reads=("population.parquet", "responses.parquet", "weights.parquet"),
    ),
    Chapter(
        "06_strategy_leadership", "Strategies, formalisation and leadership",
        raw=(SURVEY_CODEBOOK, SYNTHETIC_FLAG),
        reads=("population.parquet", "responses.parquet", "weights.parquet"),
    ),
    Chapter(
        "07_benefit_advice", "Experienced benefit and expectations of advice",
        raw=(SURVEY_CODEBOOK, SYNTHETIC_FLAG),
        reads=("population.parquet", "responses.parquet", "weights.parquet"),
    ),
    Chapter(
        "08_sharing", "Awareness, sharing and collaboration",
        raw=(SURVEY_CODEBOOK, SYNTHETIC_FLAG),
        reads=("population.parquet", "responses.parquet", "weights.parquet"),
    ),
    Chapter(
        "09_size_differences", "Differences between size classes and unit types",
        raw=(SURVEY_CODEBOOK, SYNTHETIC_FLAG),
        reads=("population.parquet", "responses.parquet", "weights.parquet"),
    ),
    Chapter(
        "10_involvement", "Citizens, social media and local development work",
        raw=(SURVEY_CODEBOOK, "survey/generator_params.yaml", SYNTHETIC_FLAG),
        reads=("population.parquet", "responses.parquet", "weights.parquet"),
        cores=2,
    ),
    Chapter(
        "11_simulation", "Appendix: are the tests honest? A simulation",
        raw=(SURVEY_CODEBOOK, "survey/generator_params.yaml", "frame/municipalities_2013.csv",
             "frame/counties_2013.csv", "frame/centrality_2013.csv", SYNTHETIC_FLAG),
        cores=2,
    ),
)


def by_stem(key: str) -> Chapter:
    """Find a chapter by stem (``03_weighting``) or number (``03`` or ``3``)."""
    key = str(key).strip()
    if re.fullmatch(r"\d{1,2}", key):
        key = key.zfill(2)
        hits = [c for c in CHAPTERS if c.number == key]
    else:
        hits = [c for c in CHAPTERS if c.stem == key]
    if not hits:
        known = ", ".join(c.stem for c in CHAPTERS)
        raise KeyError(f"no notebook {key!r}; known: {known}")
    return hits[0]


def producers() -> dict[str, str]:
    """Processed file name -> stem of the chapter that writes it."""
    out: dict[str, str] = {}
    for c in CHAPTERS:
        for w in c.writes:
            if w in out:
                raise ValueError(f"{w} is written by both {out[w]} and {c.stem}")
            out[w] = c.stem
    return out


def dependencies(stem: str) -> list[str]:
    """Stems of the chapters whose outputs ``stem`` reads (direct dependencies)."""
    prod = producers()
    chapter = by_stem(stem)
    missing = [r for r in chapter.reads if r not in prod]
    if missing:
        raise ValueError(f"{stem} reads {missing}, which no chapter writes")
    return sorted({prod[r] for r in chapter.reads})


def closure(stems: list[str]) -> list[str]:
    """The given chapters and everything they need first, in run order."""
    need: set[str] = set()
    stack = [by_stem(s).stem for s in stems]
    while stack:
        s = stack.pop()
        if s not in need:
            need.add(s)
            stack.extend(dependencies(s))
    return [c.stem for c in CHAPTERS if c.stem in need]
