"""Fake contacts for the respondent mapping (SYNTHETIC personal data).

One invented contact per unit (Faker ``no_NO``, seeded): Norwegian first and last names,
an e-mail address at the unit's own domain and a Norwegian telephone number (mobile or
landline). They exist so that the cleaning chapter and the leak scanner have real-looking
personal data to remove; none belongs to a real person.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from sosiale_kommuner import config

from .params import stream

_TRANS = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})


def slug(text: str, sep: str = "-") -> str:
    """``text`` as ASCII lower case for an address (æ/ø/å spelt out), words joined by ``sep``."""
    t = text.split(" - ")[-1] if " - " in text else text  # Sami/Kven double names: last form
    t = unicodedata.normalize("NFKD", t.translate(_TRANS)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", sep, t.lower()).strip(sep)


def make_people(population: pd.DataFrame, status: pd.DataFrame, answers: pd.DataFrame,
                seed: int) -> pd.DataFrame:
    """Fake contacts (Faker ``no_NO``, seeded): one per unit (``found`` for mapped units).
    Columns: unit_id, found, first_name, last_name, full_name, email, phone, role."""
    from faker import Faker

    fake = Faker("no_NO")
    fake.seed_instance(int(seed))
    rng = stream(seed, "people", "phones")
    names: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(names) < len(population):
        first, last = fake.first_name(), fake.last_name()
        if f"{first} {last}" not in seen:
            seen.add(f"{first} {last}")
            names.append((first, last))
    emails, phones = [], []
    for (first, last), name, utype in zip(names, population["name"], population["unit_type"]):
        domain = f"{slug(name)}.kommune.no" if utype == config.KOMMUNE else f"{slug(name, '')}fk.no"
        emails.append(f"{slug(first, '.')}.{slug(last, '.')}@{domain}")
    mobile = rng.random(len(population)) < 0.6
    digits = rng.integers(0, 10, size=(len(population), 7))
    first_digit = np.where(mobile, rng.choice([4, 9], size=len(population)), rng.integers(2, 8, size=len(population)))
    for m, f, d in zip(mobile, first_digit, digits):
        s = f"{f}" + "".join(map(str, d))
        phones.append(f"{s[:3]} {s[3:5]} {s[5:]}" if m else f"{s[:2]} {s[2:4]} {s[4:6]} {s[6:]}")
    return pd.DataFrame({
        "unit_id": population["unit_id"].to_numpy(),
        "found": status["mapped"].to_numpy(),
        "first_name": [a for a, _ in names],
        "last_name": [b for _, b in names],
        "full_name": [f"{a} {b}" for a, b in names],
        "email": emails,
        "phone": phones,
        "role": answers["bg_role"].to_numpy(),
    })
