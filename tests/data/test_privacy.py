"""Tests of privacy.py: pseudonyms, scrubbing and the leak scanner."""
import pandas as pd
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.data import privacy, readers

MAPPING = pd.DataFrame({
    "full_name": ["Per Berg", "Anne Marie Vik", "Ola Nordmann"],
    "email": ["per.berg@vik.kommune.no", "anne.marie.vik@vikfk.no", "ola@nes.kommune.no"],
    "phone": ["452 16 899", "41 75 54 22", "92345678"],
})


@pytest.mark.parametrize("text, expected", [
    ("Kontakt per.berg@vik.kommune.no for mer.", "Kontakt [e-post] for mer."),
    ("Ring 452 16 899 eller +47 41 75 54 22.", "Ring [telefon] eller [telefon]."),
    ("Tlf. 0047 92345678 / 22.33.44.55", "Tlf. [telefon] / [telefon]"),
    ("Spør Per Berg om Berg sentrum.", "Spør [navn] om Berg sentrum."),
    ("spør per   berg!", "spør [navn]!"),
    ("Anne Marie Vik leder arbeidet i Vik.", "[navn] leder arbeidet i Vik."),
    ("Berg og Vik er steder; Per er et fornavn.", "Berg og Vik er steder; Per er et fornavn."),
])
def test_scrub_text(text, expected):
    assert privacy.scrub_text(text, MAPPING) == expected


def test_scrub_leaves_numbers_that_are_not_phones():
    t = "0301 Oslo, 5 051 275 innbyggere, andel 0.25123456, år 2013, id 2013040001, hash a12345678b, 12345678"
    assert privacy.scrub_text(t, MAPPING) == t


def test_scrub_counts_and_missing():
    s = privacy.Scrubber(MAPPING)
    out, c = s.scrub("Per Berg, per.berg@vik.kommune.no, 452 16 899")
    assert out == "[navn], [e-post], [telefon]" and c == {"email": 1, "phone": 1, "name": 1}
    assert s.scrub(None)[0] is None
    ser, tot = s.scrub_series(pd.Series(["Ola Nordmann", None, "ok"]))
    assert ser.tolist()[0] == "[navn]" and pd.isna(ser.iloc[1]) and tot["name"] == 1


def test_pseudonymous_ids():
    a = privacy.pseudonymous_ids(["1", "2", "3"])
    assert a == privacy.pseudonymous_ids(["1", "2", "3"])
    assert len(set(a)) == 3 and all(x.startswith("R") and len(x) == 13 for x in a)
    assert privacy.pseudonymous_id("1", salt="secret") != a[0]


def test_pseudonym_salt_from_environment(monkeypatch):
    base = privacy.pseudonymous_id("42")
    monkeypatch.setenv(privacy.SALT_ENV, "another")
    assert privacy.pseudonymous_id("42") != base


def test_contacts_from_raw_mapping():
    et = readers.read_export(config.DEFAULT_RAW_DIR / "survey" / "respondent_mapping.csv")
    c1 = privacy.contacts_from_mapping(et)            # an ExportTable
    c2 = privacy.contacts_from_mapping(et.table)      # its DataFrame
    assert c1 == c2 and len(c1.names) == 331 and len(c1.emails) == 331 and len(c1.phones) >= 330
    assert privacy.contacts_from_mapping(None).names == ()


def test_scan_for_leaks(tmp_path):
    reports, processed = tmp_path / "reports", tmp_path / "data" / "processed"
    (reports / "tables").mkdir(parents=True)
    processed.mkdir(parents=True)
    (reports / "clean.html").write_text("<p>200 kommuner, 5 051 275 innbyggere</p>"
                                        '<img src="data:image/png;base64,AAAA/92345678/BBBB">', encoding="utf-8")
    (reports / "tables" / "x.csv").write_text("item,estimate\na,0.25123456\n", encoding="utf-8")
    pd.DataFrame({"unit_id": ["0101", "0102"], "text": ["fint", "ok"]}).to_parquet(processed / "ok.parquet")
    assert privacy.scan_for_leaks([reports, processed], MAPPING) == []
    (reports / "leak.html").write_text("<p>Spør Per Berg (per.berg@vik.kommune.no)</p>", encoding="utf-8")
    pd.DataFrame({"text": ["ring 41 75 54 22"]}).to_parquet(processed / "leak.parquet")
    found = privacy.scan_for_leaks([reports, processed, tmp_path / "missing"], MAPPING)
    kinds = {(f.file.split("/")[-1], f.kind, f.match) for f in found}
    assert ("leak.html", "name", "Per Berg") in kinds
    assert ("leak.html", "email", "per.berg@vik.kommune.no") in kinds
    assert ("leak.parquet", "phone", "41 75 54 22") in kinds
    file, match = found[0]   # findings unpack as (file, match)
    assert file.endswith((".html", ".parquet"))
    # without a mapping: e-mail addresses and phone numbers still found, names not
    found = privacy.scan_for_leaks(reports, None)
    assert {f.kind for f in found} == {"email"}


def test_scanner_bare_eight_digits_need_context():
    c = privacy.contacts_from_mapping(MAPPING)
    assert privacy.scan_text("seed 20131234, id 45678901", c) == []
    assert [f.match for f in privacy.scan_text("tlf. 45678901", c)] == ["45678901"]
    assert [f.match for f in privacy.scan_text("ring meg på 45678901", c)] == ["45678901"]
    assert [f.match for f in privacy.scan_text("nr 92345678", c)] == ["92345678"]   # a mapping number
    assert [f.match for f in privacy.scan_text("+47 45678901", c)] == ["+47 45678901"]
    # scrubbing stays aggressive: every 8-digit run starting 2-9 goes
    assert privacy.scrub_text("id 45678901", MAPPING) == "id [telefon]"
