"""Paths and constants, defined once (docs/contracts.md §1 and §4).

Every folder the project reads or writes is derived here from two roots:

* the **raw folder** (``--raw-dir``, default ``<repo>/data/raw``): immutable inputs;
* the **output root** (``--out-dir``, default the repository root): ``data/processed``,
  ``reports``, ``reports/tables`` and ``.pipeline`` always sit under it.

Notebooks take ``raw_dir`` and ``out_dir`` as papermill parameters (``None`` means the
default) and call :func:`paths` so that a notebook opened in JupyterLab and one run by
``run_all.py`` resolve the same folders.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: The repository root (this file is ``<root>/lib/sosiale_kommuner/config.py``).
REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
DEFAULT_RAW_DIR = REPO_ROOT / "data" / "raw"
DEFAULT_OUT_DIR = REPO_ROOT

#: Name of the Jupyter kernel registered for this project (see ``kernel.py``).
KERNEL_NAME = "sosiale-kommuner"

#: Environment variables that override the defaults (used by run_all.py workers).
ENV_RAW_DIR = "SOSIALE_KOMMUNER_RAW_DIR"
ENV_OUT_DIR = "SOSIALE_KOMMUNER_OUT_DIR"

MANIFEST_NAME = "MANIFEST.sha256"
#: Inside the raw folder: the codebook, and the flag saying whether the survey data are synthetic.
CODEBOOK_FILE = "survey/codebook.yaml"
SYNTHETIC_FLAG = "survey/SYNTHETIC.yaml"

# --- Populations (docs/contracts.md §4) -------------------------------------------------
KOMMUNE = "kommune"
FYLKESKOMMUNE = "fylkeskommune"
UNIT_TYPES = (KOMMUNE, FYLKESKOMMUNE)
N_MUNICIPALITIES = 428
N_COUNTY_MUNICIPALITIES = 18
OSLO_KOMMUNENUMMER = "0301"
OSLO_FYLKESNUMMER = "03"

#: SSB's national population total on 1 January 2013.
NATIONAL_POPULATION_2013 = 5_051_275

#: Municipalities with no 1 January 2013 figure in the sources: classed by 2015.
MUNICIPALITIES_WITHOUT_2013_FIGURE = ("0706", "0719", "0720")

#: Default size-class lower bounds (inhabitants on 1 January 2013). A municipality
#: with population p is in the last class whose lower bound is <= p.
DEFAULT_SIZE_BOUNDARIES = (5_000, 20_000)

#: NUTS-2 regions (landsdeler) by fylkesnummer, in SSB's order.
REGIONS: dict[str, tuple[str, ...]] = {
    "Oslo og Akershus": ("02", "03"),
    "Hedmark og Oppland": ("04", "05"),
    "Sør-Østlandet": ("01", "06", "07", "08"),
    "Agder og Rogaland": ("09", "10", "11"),
    "Vestlandet": ("12", "14", "15"),
    "Trøndelag": ("16", "17"),
    "Nord-Norge": ("18", "19", "20"),
}

#: SSB's 2008 centrality classes (Klass 128), code -> label.
CENTRALITY_2008 = {
    0: "Minst sentrale kommuner",
    1: "Mindre sentrale kommuner",
    2: "Noe sentrale kommuner",
    3: "Sentrale kommuner",
}

SSB_ATTRIBUTION = "Kilde: Statistisk sentralbyrå"


@dataclass(frozen=True)
class Paths:
    """All folders of one run, derived from a raw folder and an output root."""

    raw: Path
    out: Path

    @property
    def frame(self) -> Path:
        return self.raw / "frame"

    @property
    def survey(self) -> Path:
        return self.raw / "survey"

    @property
    def manifest(self) -> Path:
        return self.raw / MANIFEST_NAME

    @property
    def processed(self) -> Path:
        return self.out / "data" / "processed"

    @property
    def reports(self) -> Path:
        return self.out / "reports"

    @property
    def tables(self) -> Path:
        return self.reports / "tables"

    @property
    def pipeline_state(self) -> Path:
        return self.out / ".pipeline"

    def raw_relative(self, path: Path) -> str:
        """A raw file's name as printed in reports: its POSIX path inside the raw folder."""
        return Path(path).resolve().relative_to(self.raw.resolve()).as_posix()


def paths(raw_dir: str | os.PathLike | None = None, out_dir: str | os.PathLike | None = None) -> Paths:
    """Resolve the folders of a run.

    ``None`` falls back to the environment variables ``SOSIALE_KOMMUNER_RAW_DIR`` /
    ``SOSIALE_KOMMUNER_OUT_DIR`` and then to the repository defaults. Relative paths
    are taken relative to the repository root, so a notebook (whose working
    directory is ``notebooks/``) and ``run_all.py`` agree.
    """
    raw = raw_dir or os.environ.get(ENV_RAW_DIR) or DEFAULT_RAW_DIR
    out = out_dir or os.environ.get(ENV_OUT_DIR) or DEFAULT_OUT_DIR
    raw, out = Path(raw), Path(out)
    if not raw.is_absolute():
        raw = REPO_ROOT / raw
    if not out.is_absolute():
        out = REPO_ROOT / out
    return Paths(raw=raw.resolve(), out=out.resolve())
