"""Fake contacts (synth.people): addresses built from names, Norwegian number formats."""
import re

import pytest

from sosiale_kommuner.data.synth import people

import synth_data


@pytest.mark.parametrize("text, sep, expected", [
    ("Bø", "-", "bo"),
    ("Aurskog-Høland", "-", "aurskog-holand"),
    ("Nord-Trøndelag", "", "nordtrondelag"),
    ("Kárášjohka - Karasjok", "-", "karasjok"),        # Sami/Kven double names: the last form
    ("Åse Marie", ".", "ase.marie"),
    ("Ærøy", "-", "aeroy"),
])
def test_slug(text, sep, expected):
    assert people.slug(text, sep) == expected


def test_contacts_of_the_shipped_dataset():
    full = synth_data.shipped_full()
    p = full.people
    assert len(p) == 446 and p["full_name"].is_unique
    assert (p["full_name"] == p["first_name"] + " " + p["last_name"]).all()
    assert p["found"].sum() == 316 + 15
    pop = full.population
    for row, name, utype in zip(p.itertuples(), pop["name"], pop["unit_type"]):
        local, domain = row.email.split("@")
        assert local == f"{people.slug(row.first_name, '.')}.{people.slug(row.last_name, '.')}"
        assert domain == (f"{people.slug(name)}.kommune.no" if utype == "kommune" else f"{people.slug(name, '')}fk.no")
        # mobile "xxx xx xxx" starting with 4 or 9, or landline "xx xx xx xx": eight digits either way
        assert re.fullmatch(r"[49]\d\d \d\d \d{3}|\d\d \d\d \d\d \d\d", row.phone), row.phone
    assert p["role"].isin([1.0, 2.0, 3.0, 4.0, 5.0]).all()
