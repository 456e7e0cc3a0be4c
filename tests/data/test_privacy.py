"""Tests of the detector of personal data (pii.py, pii_names.py) and of privacy.py: pseudonyms,
scrubbing, the contact list in every format, the leak scanner, the false-positive count.

The corpus below holds the forms in which personal data reaches free text (docs/contracts.md
§9): each text holds exactly one piece, and the detector must find every one (zero misses).
"""
import unicodedata

import pandas as pd
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.data import pii, privacy, readers

RAW = config.DEFAULT_RAW_DIR

MAPPING = pd.DataFrame({
    "full_name": ["Per Berg", "Anne Marie Vik", "Ola Nordmann", "Anne Amundsen", "Bente Andersen",
                  "Asbjørn Hansen", "Øyvind Ås", "Håkon Bøe", "Kari Strand"],
    "email": ["per.berg@vik.kommune.no", "anne.marie.vik@vikfk.no", "ola@nes.kommune.no",
              "anne.amundsen@bodo.kommune.no", "bente.andersen@halden.kommune.no", "asbjorn.hansen@ski.kommune.no",
              "oyvind.as@baerum.kommune.no", "hakon.boe@moss.kommune.no", "kari.strand@lier.kommune.no"],
    "phone": ["452 16 899", "41 75 54 22", "92345678", "20 36 48 06", "75 05 44 07", "446 33 613",
              "915 10 117", "908 89 307", "418 62 822"],
})


def fnr(first9: str) -> str:
    """A fødselsnummer with its two check digits (Skatteetaten's weights, computed here)."""
    w1, w2 = (3, 7, 6, 1, 8, 9, 4, 5, 2), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    k1 = (11 - sum(a * int(b) for a, b in zip(w1, first9))) % 11
    k2 = (11 - sum(a * int(b) for a, b in zip(w2, first9 + str(k1)))) % 11
    assert k1 < 10 and k2 < 10, "individual number without valid check digits: pick another"
    return first9 + str(k1) + str(k2)


VALID_FNR = fnr("151086950")     # the example of stdnum's documentation: 15108695088
D_NUMBER = fnr("551086950")      # day + 40
H_NUMBER = fnr("155086950")      # month + 40

#: (text, kind): one piece of personal data in each
CORPUS = [
    # e-mail addresses: plain, IDN, disguised
    ("Skriv til ola.nordmann@bodo.kommune.no", "email"),
    ("ola.nordmann (at) bodo.kommune.no", "email"),
    ("ola.nordmann[at]bodo.kommune.no", "email"),
    ("ola.nordmann at bodo.kommune.no", "email"),
    ("ola.nordmann {at} bodo.kommune.no", "email"),
    ("ola.nordmann(at)bodo(dot)kommune(dot)no", "email"),
    ("ola dot nordmann at bodo dot kommune dot no", "email"),
    ("ola.nordmann [at] bodo [dot] kommune [dot] no", "email"),
    ("ola.nordmann (krøllalfa) bodo.kommune.no", "email"),
    ("øyvind.ås@bærum.kommune.no", "email"),
    ("oyvind.as@xn--brum-roa.kommune.no", "email"),
    ("OLA.NORDMANN@BODO.KOMMUNE.NO", "email"),
    ("ola_nordmann+sosiale@gmail.com", "email"),
    ("Send til post@bodo.kommune.no.", "email"),
    ("<mailto:ola.nordmann@bodo.kommune.no>", "email"),
    ("ola.nordmann＠bodo.kommune.no", "email"),                       # full-width @
    ("per-arne.o'neil@vik.kommune.no", "email"),
    ("ola.nordmann @ bodo.kommune.no", "email"),
    # telephone numbers in every grouping, with and without the country code
    ("Ring 97512345", "phone"),
    ("tlf 975 12 345", "phone"),
    ("97 51 23 45", "phone"),
    ("Ring meg på 9751 2345", "phone"),
    ("mob 97 512 345", "phone"),
    ("97.51.23.45", "phone"),
    ("97-51-23-45", "phone"),
    ("+47 975 12 345", "phone"),
    ("+4797512345", "phone"),
    ("0047 97512345", "phone"),
    ("(+47) 975 12 345", "phone"),
    ("+47 22 33 44 55", "phone"),
    ("sentralbord 22 33 44 55.", "phone"),
    ("tlf: 41 75 54 22", "phone"),
    ("Ring 75 05 44 07 (Bodø)", "phone"),
    ("ring +46 70 123 45 67", "phone"),
    ("+47-975-12-345", "phone"),
    # fødselsnummer and D-nummer: valid, mistyped (check digits fail), with a space or dash
    (f"fnr {VALID_FNR}", "national_id"),
    (f"{VALID_FNR[:6]} {VALID_FNR[6:]}", "national_id"),
    (f"{VALID_FNR[:6]}-{VALID_FNR[6:]}", "national_id"),
    (f"D-nummer {D_NUMBER}", "national_id"),
    (f"{D_NUMBER[:6]} {D_NUMBER[6:]}", "national_id"),
    (f"H-nummer {H_NUMBER}", "national_id"),
    ("fødselsnummer 01017012345", "national_id"),
    ("010170 12345", "national_id"),
    ("Mitt personnummer er 31129912345.", "national_id"),
    # names from the contact list, in their variants
    ("Anne Amundsen svarte", "name"),
    ("Anne Amundsens kontor", "name"),
    ("Amundsen, Anne", "name"),
    ("A. Amundsen", "name"),
    ("ANNE AMUNDSEN", "name"),
    ("Andersen, Bente", "name"),
    ("Bente Andersens team", "name"),
    ("kontakt B. Andersen", "name"),
    (unicodedata.normalize("NFD", "Asbjørn Hansen"), "name"),
    ("AsbjÃ¸rn Hansen", "name"),                                      # mojibake
    ("Asbjorn Hansen", "name"),                                       # ø written o
    ("Anne Marie Vik", "name"),
    ("Anne-Marie Vik", "name"),
    ("Anne Vik leder arbeidet", "name"),
    ("A. M. Vik", "name"),
    ("A.M. Vik", "name"),
    ("Vik, Anne Marie", "name"),
    ("Øyvind Ås", "name"),
    ("Oyvind Aas", "name"),                                           # å written aa
    ("HÃ¥kon BÃ¸e", "name"),                                          # mojibake ftfy leaves alone
    ("Håkon\u00a0 Bøe", "name"),                                      # no-break space
    ("spør per   berg!", "name"),
    ("Kari Strands forslag", "name"),
]

#: no personal data (with the contact list above)
NEGATIVES = [
    "Berg og Vik er steder; Per er et fornavn.",
    "Stranda og Strand kommune, Vik sentrum, i Vik",
    "Vi mener at vg.no er en god kilde.",
    "Møte 30.05.2013 kl. 10, åpent 12.30-14.00",
    "2013-05-30 23:59:59",
    "Andel 0.25123456 og 0,12345678901",
    "5 051 275 innbyggere, 4 989 702 i kommunene",
    "0301 Oslo, 1804 Bodø",
    "I perioden 2012-2013 og 2012/13",
    "Saksnummer 2013040001",
    "Per, Kari og Anne deltok.",
    "Vi brukte Facebook aktivt under uværet i fjor, og det fungerte godt.",
    "Stedsutviklingen i Strand fikk mye engasjement i sosiale medier.",
]


def test_corpus_is_large_enough_and_covers_every_kind():
    assert len(CORPUS) >= 60
    assert {k for _, k in CORPUS} == set(pii.KINDS)


@pytest.mark.parametrize("text, kind", CORPUS)
def test_detector_finds_every_form(text, kind):
    det = pii.Detector(privacy.contacts_from_mapping(MAPPING))
    fixed, hits = det.find(text)
    assert [h.kind for h in hits] == [kind], (text, hits)
    out, counts = det.scrub(text)
    assert counts[kind] == 1 and pii.MASKS[kind] in out


def test_recall_on_the_corpus():
    """Zero misses (the number the report gives: n forms, misses)."""
    det = pii.Detector(privacy.contacts_from_mapping(MAPPING))
    misses = [t for t, k in CORPUS if k not in det.kinds(t)]
    assert misses == [] and len(CORPUS) == 67


@pytest.mark.parametrize("text", NEGATIVES)
def test_no_false_alarm(text):
    det = pii.Detector(privacy.contacts_from_mapping(MAPPING))
    assert det.find(text)[1] == []
    assert det.scrub(text)[0] == text


@pytest.mark.parametrize("text, expected", [
    ("Kontakt per.berg@vik.kommune.no for mer.", "Kontakt [e-post] for mer."),
    ("Ring 452 16 899 eller +47 41 75 54 22.", "Ring [telefon] eller [telefon]."),
    ("Tlf. 0047 92345678 / 22.33.44.55", "Tlf. [telefon] / [telefon]"),
    ("Spør Per Berg om Berg sentrum.", "Spør [navn] om Berg sentrum."),
    ("Anne Marie Vik leder arbeidet i Vik.", "[navn] leder arbeidet i Vik."),
    ("Per Berg, per.berg@vik.kommune.no, 452 16 899", "[navn], [e-post], [telefon]"),
    (f"fnr {VALID_FNR}, tlf 97512345", "fnr [fødselsnummer], tlf [telefon]"),
])
def test_scrub_text(text, expected):
    assert privacy.scrub_text(text, MAPPING) == expected


def test_scrub_counts_and_missing():
    s = privacy.Scrubber(MAPPING)
    out, c = s.scrub("Per Berg, per.berg@vik.kommune.no, 452 16 899")
    assert c == {"email": 1, "phone": 1, "national_id": 0, "name": 1}
    assert s.scrub(None)[0] is None
    ser, tot = s.scrub_series(pd.Series(["Ola Nordmann", None, "ok"]))
    assert ser.tolist()[0] == "[navn]" and pd.isna(ser.iloc[1]) and tot["name"] == 1


def test_scrub_repairs_mojibake_and_composes():
    assert privacy.scrub_text("HÃ¥kon BÃ¸e og AsbjÃ¸rn Hansen", MAPPING) == "[navn] og [navn]"
    assert privacy.scrub_text(unicodedata.normalize("NFD", "Tønsberg og Ås"), MAPPING) == "Tønsberg og Ås"


def test_free_text_bare_eight_digits_but_outputs_need_evidence():
    c = privacy.contacts_from_mapping(MAPPING)
    free, out = pii.Detector(c), pii.Detector(c, outputs=True)
    # 20131235 is no valid Norwegian number (libphonenumber) and on no list: scrubbed from
    # free text, but in an output (a seed, an id) it needs evidence; 45678901 is a valid
    # mobile number; 20364806 is a contact's number although the series is not valid
    assert [h.kind for h in free.find("id 20131235")[1]] == ["phone"]
    assert out.find("seed 20131235")[1] == []
    assert [h.kind for h in out.find("id 45678901")[1]] == ["phone"]
    assert [h.kind for h in out.find("nr 20364806")[1]] == ["phone"]
    assert [h.kind for h in out.find("tlf. 29999999")[1]] == ["phone"]
    assert [h.kind for h in out.find("+47 29999999")[1]] == ["phone"]
    assert out.find("id 12345678")[1] == [] and free.find("id 12345678")[1] == []   # starts with 1


def test_decimals_in_tables_are_not_numbers():
    out = pii.Detector(privacy.contacts_from_mapping(MAPPING), outputs=True)
    csv = ("item,estimate,se\na,0.0311403217243,-0.0546893686355\nb,0.91359038,12345678901.5\n"
           "c,-5.514953271,0.97512345\nd,01017012345.25,2026-12-01T05:16:33.930223+00:00\n")
    assert out.find(csv)[1] == []


def test_shapes_and_safe_values():
    assert pii.shape("01017012345") == "11 digits"
    assert pii.shape("010170 12345") == "11 digits (6 + 5)"
    assert pii.shape("ola@x.no") == "text of 8 characters with '@'"
    assert pii.safe_repr("0999") == "'0999'"
    assert pii.safe_repr("01017012345") == "11 digits, like a fødselsnummer/D-nummer"
    assert pii.safe_repr("ola@x.no") == "text of 8 characters with '@', like an e-mail address"
    assert pii.safe_repr("Fint å delta", sensitive=True) == "text of 12 characters"
    assert pii.redact("got '01017012345'") == "got '<fødselsnummer/D-nummer: 11 digits>'"


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
    et = readers.read_export(RAW / "survey" / "respondent_mapping.csv")
    c1 = privacy.contacts_from_mapping(et)            # an ExportTable
    c2 = privacy.contacts_from_mapping(et.table)      # its DataFrame
    assert c1 == c2 and len(c1.names) == 331 and len(c1.emails) == 331 and len(c1.phones) >= 330
    assert privacy.contacts_from_mapping(None).names == ()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav"])
def test_read_contacts_in_every_format(tmp_path, book, fmt):
    src = RAW / "survey" / "respondent_mapping.csv"
    expected = privacy.contacts_from_mapping(readers.read_export(src))
    survey = tmp_path / "survey"
    survey.mkdir()
    table = readers.read_export(src).table
    dst = survey / f"respondent_mapping.{fmt}"
    if fmt == "csv":
        dst.write_bytes(src.read_bytes())
    elif fmt == "xlsx":
        readers.write_xlsx(table, dst, book, "mapping")
    else:
        readers.write_sav(table, dst, book, "mapping")
    contacts, problem = privacy.read_contacts(survey)
    assert problem is None and contacts.names == expected.names and contacts.emails == expected.emails
    assert {pii.phone_key(p) for p in contacts.phones} == {pii.phone_key(p) for p in expected.phones}


def test_unreadable_contact_list_is_reported_not_raised(tmp_path):
    survey = tmp_path / "survey"
    survey.mkdir()
    assert privacy.read_contacts(survey) == (pii.Contacts(), None)          # none: nothing to report
    (survey / "respondent_mapping.sav").write_bytes(b"not spss at all")
    contacts, problem = privacy.read_contacts(survey)
    assert contacts == pii.Contacts() and "survey/respondent_mapping.sav" in problem


def test_scan_for_leaks(tmp_path):
    reports, processed, state = tmp_path / "reports", tmp_path / "data" / "processed", tmp_path / ".pipeline"
    (reports / "tables").mkdir(parents=True)
    processed.mkdir(parents=True)
    (state / "failed").mkdir(parents=True)
    (reports / "clean.html").write_text("<p>200 kommuner, 5 051 275 innbyggere</p>"
                                        '<img src="data:image/png;base64,AAAA/92345678/BBBB">'
                                        "<table><tr><td>41</td><td>75</td><td>54</td><td>22</td></tr></table>",
                                        encoding="utf-8")
    (reports / "tables" / "x.csv").write_text("item,estimate\na,0.25123456\nb,0.0311403217243\n", encoding="utf-8")
    pd.DataFrame({"unit_id": ["0101", "0102"], "text": ["fint", "ok"]}).to_parquet(processed / "ok.parquet")
    (state / "status.json").write_text('{"02": {"reason": "cell 4, line 2: ExportError: 11 digits"}}')
    assert privacy.scan_for_leaks([reports, processed, state], MAPPING) == []
    (reports / "leak.html").write_text("<p>Spør Per&nbsp;Berg (per.berg@vik.kommune.no)</p>", encoding="utf-8")
    pd.DataFrame({"text": ["fint", "ring 41 75 54 22"]}).to_parquet(processed / "leak.parquet")
    (state / "failed" / "02.ipynb").write_text(
        '{"cells": [{"outputs": [{"output_type": "error", "evalue": "got \'01017012345\'",'
        ' "traceback": []}]}]}', encoding="utf-8")
    found = privacy.scan_for_leaks([reports, processed, state, tmp_path / "missing"], MAPPING)
    kinds = {(f.file.split("/")[-1], f.kind) for f in found}
    assert kinds == {("leak.html", "name"), ("leak.html", "email"), ("leak.parquet", "phone"),
                     ("02.ipynb", "national_id")}
    text = "\n".join(map(str, found))
    for value in ("Per", "per.berg", "41 75", "01017012345"):
        assert value not in text                                   # never the value
    assert "leak.parquet: telephone number, first at column 'text', line 2" in text
    # without a contact list: e-mail, phone, fødselsnummer still found, names not
    assert {f.kind for f in privacy.scan_for_leaks([reports, state], None)} == {"email", "national_id"}


def test_shipped_free_text_false_positives(book):
    """Every planted detail of the synthetic free text comes from the contact list, verbatim:
    a text holds personal data iff it contains a contact's name, e-mail or phone as typed.
    The detector must flag exactly those texts, and nothing else."""
    contacts = privacy.contacts_from_mapping(readers.read_export(RAW / "survey" / "respondent_mapping.csv"))
    texts = []
    for stem, survey in (("main_survey", "main"), ("presurvey", "presurvey")):
        t = readers.read_export(RAW / "survey" / f"{stem}.csv").table
        for head, (item, _) in book.column_map(survey).items():
            if item.type == "text" and item.id != "bg_kommunenummer":
                texts += [v for v in t[head] if v.strip()]
    details = contacts.names + contacts.emails + contacts.phones
    truth = [any(d in t for d in details) for t in texts]
    det = pii.Detector(contacts)
    flagged = [bool(det.find(t)[1]) for t in texts]
    assert flagged == truth
    fp = privacy.false_positives(texts, contacts)
    assert fp["texts"] == len(texts) and fp["flagged"] == sum(truth)
    assert fp["unexplained"] == 0 and fp["rate"] == 0.0 and fp["kinds"] == {}
    # a text the list cannot explain counts as a false positive
    assert privacy.false_positives(["Ring 97512345", "fint"], contacts) == {
        "texts": 2, "flagged": 1, "unexplained": 1, "rate": 0.5, "kinds": {"phone": 1}}
