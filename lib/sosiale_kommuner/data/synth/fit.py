"""Which generator parameters the simulation appendices draw from (chapters 10 and 11).

With the project's synthetic demonstration data (``SYNTHETIC.yaml`` says ``synthetic: true``
and ``generator_params.yaml`` is there) the appendices draw from the parameters that made the
data: ``source = "shipped"``. With any other data — real exports — they must draw from
parameters estimated from the cleaned, weighted data at hand: ``source = "estimated"``.

:func:`simulation_params` is the one entry point the chapters call; the chapters say which
source was used through the text layer (keys ``params_shipped`` / ``params_estimated``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import yaml

from sosiale_kommuner.config import Paths

from .params import PARAMS_FILE, SYNTHETIC_FILE, load_params

SOURCES = ("shipped", "estimated")


@dataclass(frozen=True)
class SimulationParams:
    """Generator parameters for a simulation, where they came from, and (when estimated) a
    table of what was estimated from which data (one row per parameter group)."""

    params: dict
    source: str
    fitted: pd.DataFrame = field(default_factory=pd.DataFrame)


def data_are_synthetic(paths: Paths) -> bool:
    """True iff ``<raw>/survey/SYNTHETIC.yaml`` exists and says ``synthetic: true``."""
    flag = paths.survey / SYNTHETIC_FILE
    if not flag.is_file():
        return False
    doc = yaml.safe_load(flag.read_text(encoding="utf-8"))
    return isinstance(doc, dict) and doc.get("synthetic") is True


def simulation_params(paths: Paths) -> SimulationParams:
    """The parameters chapters 10 (appendix) and 11 simulate from (see the module docstring)."""
    shipped = paths.survey / PARAMS_FILE
    if data_are_synthetic(paths) and shipped.is_file():
        return SimulationParams(load_params(shipped), "shipped")
    # TODO(fitparams): estimate from the cleaned, weighted data at hand.
    return SimulationParams(load_params(shipped), "estimated")
