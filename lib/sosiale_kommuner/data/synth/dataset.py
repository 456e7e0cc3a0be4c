"""One generated dataset (:class:`Synthetic`) and its typed views.

``latent`` holds the coded answers (float codes, NaN = not shown) of every unit, routed;
``status`` says who has a Facebook page, was mapped, answered the pre-survey, responded.
:meth:`Synthetic.typed` and :meth:`Synthetic.responses` give them in the typed convention
of the processed data (:mod:`sosiale_kommuner.data.codebook`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import codebook as cbm
from ..typed import to_typed


@dataclass
class Synthetic:
    """One generated dataset. ``latent`` is coded (float codes, NaN = not shown), one row per
    unit, routed; ``status`` says who is mapped/responded; ``exports`` (file name -> DataFrame
    of strings as written) and ``truth`` only when ``generate(..., exports=True)``."""

    seed: int
    population: pd.DataFrame
    latent: pd.DataFrame
    status: pd.DataFrame
    codebook: cbm.Codebook
    params: dict
    exports: dict[str, pd.DataFrame] = field(default_factory=dict)
    truth: dict | None = None
    people: pd.DataFrame | None = None

    def typed(self, units: str = "all", survey: str = "main") -> pd.DataFrame:
        """Typed answers (see :func:`sosiale_kommuner.data.typed.to_typed`) with ``unit_id, unit_type`` first;
        ``units`` = ``all`` (the as-if-all-answered population), ``mapped`` or ``responded``."""
        rows = np.ones(len(self.latent), dtype=bool) if units == "all" else self.status[units].to_numpy()
        coded = self.latent.loc[rows]
        keyed = coded.assign(unit_id=self.status.loc[rows, "unit_id"], unit_type=self.status.loc[rows, "unit_type"])
        return to_typed(keyed, self.codebook, survey=survey, keep=("unit_id", "unit_type")).reset_index(drop=True)

    def responses(self) -> pd.DataFrame:
        """The responded units' answers shaped like ``responses.parquet`` (no defects, no item
        nonresponse, no free text): ``unit_id, unit_type, respondent_id`` + item columns."""
        t = self.typed("responded")
        t.insert(2, "respondent_id", [f"S{i:05d}" for i in range(1, len(t) + 1)])
        return t

