"""Write the synthetic sample chapter 10's R reference is computed on (run from the repository
root with the project's environment; then run ``Rscript make_reference.R`` here).

The sample is the generator's respondents of seed 11 with provisional raked weights, passed
through ``involvement.derive`` (exactly ``make_sample`` in ../conftest.py); written are the
municipalities with the columns R needs (``sample.csv``) and the municipal population margins
the weights were raked to (``margins.csv``). Floats are written with round-trip precision.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from sosiale_kommuner import config
from sosiale_kommuner.chapters import involvement as inv
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import frame, respondents, synth

HERE = Path(__file__).resolve().parent
SEED = 11
COLUMNS = ["unit_id", "stratum", "size_class", "region", "centrality", "weight", "base_weight",
           "has_involved", "involved", "involved_dk_no", "involved_all", "practice",
           *inv.NUMERIC_TERMS]


def sample_table() -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(municipal sample rows, population margins)`` in the layout R reads."""
    cb = cbm.load_codebook(config.paths().raw)
    pop = frame.load_population(config.paths().frame)
    pop["unit_id"] = pop["unit_id"].astype(str)
    pop["unit_type"] = pop["unit_type"].astype(str)
    resp = synth.generate(seed=SEED, population=pop, codebook=cb, exports=False).responses()
    data = inv.derive(respondents.merge(resp, pop, respondents.provisional_weights_for(resp, pop)))
    k = data[data["unit_type"].astype(str) == "kommune"].reset_index(drop=True)
    out = k.assign(has_involved=k[inv.OUTCOME].astype(object), involved_all=k[inv.INVOLVED_ALL].astype(object),
                   practice=k[inv.PRACTICE].astype(object), size_class=k["size_class"].astype(str),
                   region=k["region"].astype(str), centrality=k["centrality"].astype(int))[COLUMNS]
    mun = pop[pop["unit_type"] == "kommune"]
    margins = pd.concat([
        pd.DataFrame({"margin": "size_class", "level": mun["size_class"].astype(str).value_counts().index,
                      "N": mun["size_class"].astype(str).value_counts().to_numpy()}),
        pd.DataFrame({"margin": "region", "level": mun["region"].astype(str).value_counts().index,
                      "N": mun["region"].astype(str).value_counts().to_numpy()}),
    ], ignore_index=True)
    return out, margins


if __name__ == "__main__":
    rows, margins = sample_table()
    rows.to_csv(HERE / "sample.csv", index=False, lineterminator="\n")
    margins.sort_values(["margin", "level"]).to_csv(HERE / "margins.csv", index=False, lineterminator="\n")
    print(f"wrote {len(rows)} rows to sample.csv and {len(margins)} margins to margins.csv")
