"""The ``SYNTHETIC.yaml`` flag: what generated data says about itself (docs/contracts.md §8).

:func:`synthetic_flag` is the file's content (written by :mod:`.cli`); :func:`synthetic_notice`
reads a raw folder's flag back and returns the notice a chapter shows in its language, or
``None`` for real data.
"""
from __future__ import annotations

import os

import yaml

from sosiale_kommuner import config

from .params import MAIN_FILE, MAPPING_FILE, PARAMS_FILE, PRESURVEY_FILE, SYNTHETIC_FILE, TRUTH_FILE

SYNTHETIC_NOTICE = {
    "en": ("Synthetic demonstration data. The survey answers, contacts and names in this "
           "report were invented by the project's generator (sosiale_kommuner.synth) from "
           "published totals; they are not the answers of Sosiale kommuner 2013."),
    "nb": ("Syntetiske demonstrasjonsdata. Svarene, kontaktene og navnene i denne rapporten "
           "er laget av prosjektets generator (sosiale_kommuner.synth) ut fra publiserte "
           "totaltall; de er ikke svarene fra Sosiale kommuner 2013."),
}


def synthetic_flag(seed: int) -> dict:
    """The content of ``SYNTHETIC.yaml`` (docs/contracts.md §8)."""
    return {
        "synthetic": True,
        "description": ("Demonstration data made by the project's generator "
                        "(sosiale_kommuner.synth) from a seed and generator_params.yaml, calibrated "
                        "to published totals (316 + 15 mapped units, 161 pre-survey respondents, "
                        "200 + 11 main-survey respondents, 210 of 428 municipalities with a Facebook "
                        "page). Names, e-mail addresses and telephone numbers are fake. The real "
                        "answers of Sosiale kommuner 2013 were never published."),
        "generator": "sosiale_kommuner.synth",
        "seed": int(seed),
        "params": PARAMS_FILE,
        "files": [MAPPING_FILE, PRESURVEY_FILE, MAIN_FILE, TRUTH_FILE],
        "notice": dict(SYNTHETIC_NOTICE),
    }



def synthetic_notice(raw_dir: str | os.PathLike | None = None, lang: str = "en") -> str | None:
    """The notice text of ``<raw>/survey/SYNTHETIC.yaml`` in ``lang`` if it says
    ``synthetic: true``; ``None`` for real data (docs/contracts.md §8)."""
    path = config.paths(raw_dir).survey / SYNTHETIC_FILE
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    if doc.get("synthetic") is not True:
        return None
    notice = doc.get("notice") or {}
    return notice.get(lang) or notice.get("en") or doc.get("description") or "Synthetic data."
