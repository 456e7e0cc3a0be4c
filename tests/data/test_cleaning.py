"""Tests of cleaning.py: docs/contracts.md §5 on the shipped data, and every bad-input case."""
import hashlib
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.data import cleaning, privacy, readers, submissions, synth, validation
from sosiale_kommuner.data.readers import ExportError

RAW = config.DEFAULT_RAW_DIR
MAIN = RAW / "survey" / "main_survey.csv"


@pytest.fixture(scope="module")
def scrubber():
    return privacy.Scrubber(readers.read_export(RAW / "survey" / "respondent_mapping.csv").table)


def clean_main(path, book, population, scrubber, log=None):
    et = readers.read_export(path, book, "main")
    return cleaning.clean_survey(et, population, book, "main", log or cleaning.CleaningLog(), scrubber)


def lines():
    return MAIN.read_text(encoding="utf-8").split("\n")


def write_lines(tmp_path, ls, name="main_survey.csv"):
    p = tmp_path / name
    p.write_text("\n".join(ls), encoding="utf-8")
    return p


def set_cell(ls, header, row_pred, value):
    """Set the cell of the first data row matching row_pred(fields) in column header."""
    head = ls[0].split(";")
    j = head.index(header)
    for i in range(1, len(ls)):
        f = ls[i].split(";")
        if len(f) == len(head) and row_pred(f, head):
            f[j] = value
            ls[i] = ";".join(f)
            return i + 1  # file row
    raise AssertionError("no row matched")


def real_row(f, head):
    """A counting respondent row without quoted text (safe to split)."""
    return f[head.index("Status")] == "Fullført" and f[head.index("1.1 Bruker sosiale medier")] == "1" \
        and not cleaning.TEST_RE.match(f[head.index("0.2 Kommunenummer/fylkesnummer")]) and '"' not in ";".join(f)


# --------------------------------------------------------------------------- shipped data
def test_shipped_counts(shipped):
    r = shipped.responses
    assert (r.unit_type == "kommune").sum() == 200
    assert (r.unit_type == "fylkeskommune").sum() == 11
    assert r.unit_id.is_unique and r.respondent_id.is_unique
    assert len(shipped.presurvey) == 161
    cov = shipped.coverage
    assert len(cov) == 446 and list(cov.columns) == ["unit_id", "unit_type", "mapped", "presurvey", "responded", "facebook_page"]
    k = cov[cov.unit_type == "kommune"]
    assert (k.mapped.sum(), k.responded.sum(), k.facebook_page.sum()) == (316, 200, 210)
    assert cov.loc[cov.unit_type == "fylkeskommune", "mapped"].sum() == 15


def test_log_counts(shipped):
    log = shipped.log
    main = log[log.survey == "main"].set_index("rule")
    rules = list(main.index)
    assert rules[0].startswith("read") and "respondents after cleaning" in rules[-1]
    row = lambda p: main[main.index.str.startswith(p)].iloc[0]
    assert row("remove test")["removed"] == 3
    assert row("remove empty")["removed"] == 22
    assert row("one submission")["removed"] == 13
    assert row("link")["repaired"] > 0
    assert (log["rows_in"] - log["rows_out"] == log["removed"]).all()
    assert set(log.columns) == set(cleaning.LOG_COLUMNS)


def test_cleaning_recovers_the_generated_truth(shipped):
    syn = synth.generate(exports=False)
    truth = syn.typed("responded").set_index("unit_id")
    got = shipped.responses.set_index("unit_id").loc[truth.index]
    for col in truth.columns:
        if col == "unit_type" or col not in got.columns:
            continue
        m = got[col].notna()
        assert (truth.loc[m, col].astype(str) == got.loc[m, col].astype(str)).all(), col
    assert got["a1_uses_some"].notna().all()


def test_typed_columns(shipped, book):
    r = shipped.responses
    lik = r["a5_admin_leadership"]
    assert isinstance(lik.dtype, pd.CategoricalDtype) and lik.cat.ordered
    assert list(lik.cat.categories) == book.item("a5_admin_leadership").level_keys
    dk = r["a7_need_knowledge"]
    assert (dk == "dont_know").sum() > 0 and dk.isna().sum() > 0   # Vet ikke apart from missing
    assert r["a1_channels__facebook"].dtype == "boolean"
    assert str(r["bg_comm_fte"].dtype) == "Float64"
    assert "bg_kommunenummer" not in r.columns
    assert list(r.columns[:3]) == ["unit_id", "unit_type", "respondent_id"]
    assert r["respondent_id"].str.fullmatch(r"R[0-9a-f]{12}").all()


def test_no_contact_detail_under_processed(shipped, tmp_path):
    P = config.paths(RAW, tmp_path)
    cleaning.write_outputs(shipped, P)
    mapping = readers.read_export(RAW / "survey" / "respondent_mapping.csv").table
    assert privacy.scan_for_leaks([P.processed], mapping) == []
    text = "\n".join(pd.read_parquet(f).astype(str).to_csv() for f in P.processed.glob("*.parquet"))
    for col in ("K4 Navn", "K6 E-post", "K7 Telefon"):
        for v in mapping[col]:
            if v:
                assert v not in text, v
    # the raw export does contain such details (the scrub had work to do)
    assert privacy.scan_for_leaks([MAIN], mapping)


def test_raw_files_never_modified(population, tmp_path):
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (RAW / "survey").iterdir()}
    cleaning.run_cleaning(RAW, population)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (RAW / "survey").iterdir()}
    assert before == after


# --------------------------------------------------------------------------- bad input
def test_missing_column(tmp_path, book, population, scrubber):
    df = pd.read_csv(MAIN, sep=";", dtype=str, keep_default_na=False)
    p = tmp_path / "main_survey.csv"
    p.write_text(df.drop(columns=["1.5 Publiseringshyppighet"]).to_csv(sep=";", index=False), encoding="utf-8")
    with pytest.raises(ExportError, match=r"main_survey.csv, row 1, column '1.5 Publiseringshyppighet': column missing"):
        clean_main(p, book, population, scrubber)


def test_renamed_column(tmp_path, book, population, scrubber):
    df = pd.read_csv(MAIN, sep=";", dtype=str, keep_default_na=False)
    p = tmp_path / "main_survey.csv"
    p.write_text(df.rename(columns={"5.1 Administrativ ledelse engasjert": "5.1 Adm. ledelse engasjert"})
                 .to_csv(sep=";", index=False), encoding="utf-8")
    with pytest.raises(ExportError, match=r"column '5.1 Administrativ ledelse engasjert': column missing "
                                          r"\(renamed to '5.1 Adm. ledelse engasjert'\?\)"):
        clean_main(p, book, population, scrubber)


def test_unknown_column(tmp_path, book, population, scrubber):
    df = pd.read_csv(MAIN, sep=";", dtype=str, keep_default_na=False)
    df["IP-adresse"] = "10.0.0.1"
    p = tmp_path / "main_survey.csv"
    p.write_text(df.to_csv(sep=";", index=False), encoding="utf-8")
    with pytest.raises(ExportError, match=r"column 'IP-adresse': unknown column"):
        clean_main(p, book, population, scrubber)


def test_unknown_code(tmp_path, book, population, scrubber):
    ls = lines()
    row = set_cell(ls, "1.1 Bruker sosiale medier", real_row, "7")
    with pytest.raises(ExportError) as e:
        clean_main(write_lines(tmp_path, ls), book, population, scrubber)
    msg = str(e.value)
    assert f"row {row}," in msg and "column '1.1 Bruker sosiale medier'" in msg and "got '7'" in msg
    assert "[1, 2, 3]" in msg and e.value.row == row


def test_out_of_range_likert(tmp_path, book, population, scrubber):
    ls = lines()
    row = set_cell(ls, "5.1 Administrativ ledelse engasjert", real_row, "6")
    with pytest.raises(ExportError, match=rf"row {row}, column '5.1 Administrativ ledelse engasjert': value not "
                                          r"allowed by the codebook; expected 1-5 or 9 \(Vet ikke\) or empty, got '6'"):
        clean_main(write_lines(tmp_path, ls), book, population, scrubber)


def test_number_out_of_range(tmp_path, book, population, scrubber):
    ls = lines()
    row = set_cell(ls, "0.4 Årsverk kommunikasjon", real_row, "500")
    with pytest.raises(ExportError, match=rf"row {row}, column '0.4 Årsverk kommunikasjon'.*in 0-60"):
        clean_main(write_lines(tmp_path, ls), book, population, scrubber)


def test_duplicate_respondent(tmp_path, book, population, scrubber):
    ls = lines()
    first_id = ls[1].split(";")[0]
    set_cell(ls, "Respondent-ID", lambda f, h: f[0] != first_id and real_row(f, h), first_id)
    with pytest.raises(ExportError, match=r"row 2, column 'Respondent-ID': duplicate respondent id in rows \[2, \d+\]"):
        clean_main(write_lines(tmp_path, ls), book, population, scrubber)


def test_kommunenummer_not_in_frame(tmp_path, book, population, scrubber):
    ls = lines()
    row = set_cell(ls, "0.2 Kommunenummer/fylkesnummer", lambda f, h: real_row(f, h) and f[h.index("0.1 Type enhet")] == "1", "0999")
    with pytest.raises(ExportError, match=rf"row {row}, column '0.2 Kommunenummer/fylkesnummer': kommunenummer not "
                                          r"in the population frame.*got '0999'"):
        clean_main(write_lines(tmp_path, ls), book, population, scrubber)


def test_ambiguous_name(tmp_path, book, population, scrubber):
    ls = lines()
    row = set_cell(ls, "0.2 Kommunenummer/fylkesnummer", lambda f, h: real_row(f, h) and f[h.index("0.1 Type enhet")] == "1", "Våler")
    with pytest.raises(ExportError, match=rf"row {row}.*the name matches several units \['0137', '0426'\]"):
        clean_main(write_lines(tmp_path, ls), book, population, scrubber)


def test_latin1_file(tmp_path, book, population, scrubber):
    p = tmp_path / "main_survey.csv"
    p.write_bytes(MAIN.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    with pytest.raises(ExportError, match=r"file main_survey.csv, row 1: not valid UTF-8.*latin-1"):
        clean_main(p, book, population, scrubber)


def test_comma_separator(tmp_path, book, population, scrubber):
    df = pd.read_csv(MAIN, sep=";", dtype=str, keep_default_na=False)
    p = tmp_path / "main_survey.csv"
    p.write_text(df.to_csv(sep=",", index=False), encoding="utf-8")
    with pytest.raises(ExportError, match=r"row 1: the header row has no semicolons; expected semicolon-separated "
                                          r"columns, got 'comma-separated'"):
        clean_main(p, book, population, scrubber)


def test_empty_file(tmp_path, book, population, scrubber):
    p = tmp_path / "main_survey.csv"
    p.write_bytes(b"")
    with pytest.raises(ExportError, match=r"file main_survey.csv: the file is empty"):
        clean_main(p, book, population, scrubber)
    p.write_bytes(MAIN.read_bytes().split(b"\n", 1)[0] + b"\n")
    with pytest.raises(ExportError, match="header but no data rows"):
        clean_main(p, book, population, scrubber)


def test_ragged_row(tmp_path, book, population, scrubber):
    ls = lines()
    ls[5] = ls[5] + ";extra"
    with pytest.raises(ExportError, match=r"row 6: wrong number of fields"):
        clean_main(write_lines(tmp_path, ls), book, population, scrubber)


def test_utf8_bom_is_repaired(tmp_path, book, population, scrubber, shipped):
    p = tmp_path / "main_survey.csv"
    p.write_bytes(b"\xef\xbb\xbf" + MAIN.read_bytes())
    log = cleaning.CleaningLog()
    out = clean_main(p, book, population, scrubber, log)
    pd.testing.assert_frame_equal(out, shipped.responses)
    assert log.rows[0]["repaired"] == 1 and "byte-order mark" in log.rows[0]["note"]


def test_lost_leading_zero_is_repaired(tmp_path, book, population, scrubber, shipped):
    ls = lines()
    row = set_cell(ls, "0.2 Kommunenummer/fylkesnummer",
                   lambda f, h: real_row(f, h) and f[h.index("0.2 Kommunenummer/fylkesnummer")].startswith("0"), "X")
    f = ls[row - 1].split(";")
    j = ls[0].split(";").index("0.2 Kommunenummer/fylkesnummer")
    original = MAIN.read_text(encoding="utf-8").split("\n")[row - 1].split(";")[j]
    f[j] = original.lstrip("0")
    ls[row - 1] = ";".join(f)
    log = cleaning.CleaningLog()
    out = clean_main(write_lines(tmp_path, ls), book, population, scrubber, log)
    pd.testing.assert_frame_equal(out, shipped.responses)
    link = [r for r in log.rows if r["rule"].startswith("link")][0]
    base = [r for r in shipped.log.to_dict("records") if r["survey"] == "main" and r["rule"].startswith("link")][0]
    assert link["repaired"] == base["repaired"] + 1


def test_link_units_oslo_and_names(book, population):
    t = pd.DataFrame({"0.1 Type enhet": ["1", "2", "1", "2", ""], "0.2 Kommunenummer/fylkesnummer":
                      ["301", "3", "Halden kommune", "Akershus fylkeskommune", "1"]})
    et = readers.ExportTable(t, "x.csv", "csv")
    ids, rep = cleaning.link_units(et, population, book, "main", np.arange(5))
    assert list(ids) == ["0301", "0301", "0101", "02", "01"]
    assert rep == {"lost leading zero": 3, "name instead of number": 2, "Oslo as county": 1}


def test_most_complete_then_latest(tmp_path, book, population, scrubber):
    ls = [x for x in lines() if x]
    head = ls[0].split(";")
    # duplicate a counting row with a later timestamp but fewer answers: the earlier, fuller one stays
    jn = head.index("0.2 Kommunenummer/fylkesnummer")
    typed = [x.split(";")[jn] if len(x.split(";")) == len(head) else None for x in ls]
    i = next(i for i in range(1, len(ls)) if real_row(ls[i].split(";"), head)
             and typed.count(typed[i]) == 1 and len(typed[i]) == 4 and typed[i].isdigit())
    f = ls[i].split(";")
    g = list(f)
    g[0] = "999999"
    g[head.index("Sist endret")] = "2013-05-30 23:59:59"
    j = head.index("5.1 Administrativ ledelse engasjert")
    g[j] = ""
    ls.append(";".join(g))
    out = clean_main(write_lines(tmp_path, ls), book, population, scrubber)
    assert len(out) == 211
    kept = out.set_index("respondent_id")
    assert privacy.pseudonymous_id("999999") not in kept.index
    assert privacy.pseudonymous_id(f[0]) in kept.index


def test_tool_missing_codes_are_missing(tmp_path, book, population, scrubber, shipped):
    ls = lines()
    head = ls[0].split(";")
    j = head.index("5.1 Administrativ ledelse engasjert")
    i = next(i for i in range(1, len(ls)) if len(ls[i].split(";")) == len(head) and real_row(ls[i].split(";"), head)
             and ls[i].split(";")[j] != "")
    f = ls[i].split(";")
    f[j] = "-9"
    ls[i] = ";".join(f)
    out = clean_main(write_lines(tmp_path, ls), book, population, scrubber)
    changed = out["a5_admin_leadership"].isna() & shipped.responses["a5_admin_leadership"].notna()
    assert changed.sum() == 1


def test_unit_type_mismatch(book, population):
    t = pd.DataFrame({"0.1 Type enhet": ["2"], "0.2 Kommunenummer/fylkesnummer": ["0101"]})
    et = readers.ExportTable(t, "x.csv", "csv")
    with pytest.raises(ExportError, match=r"file x.csv, row 2, column '0.2 Kommunenummer/fylkesnummer': number "
                                          r"belongs to a kommune, but the respondent ticked fylkeskommune"):
        cleaning.link_units(et, population, book, "main", np.arange(1))


# --------------------------------------------------------------------------- one submission per unit
def _sub(rows):
    """A submissions table from (pos, unit, complete, submitted, started) tuples."""
    ts = lambda v: pd.Timestamp(v) if v else None
    return pd.DataFrame([{"pos": p, "unit_id": u, "complete": c, "submitted": ts(s), "started": ts(st)}
                         for p, u, c, s, st in rows])


def test_choose_submissions_rule_by_hand():
    # unit A: more complete beats later; B: an undated twin never beats a dated one (it
    # counts as the earliest); C: same time, later start wins; D: full tie, later row wins;
    # E: alone
    sub = _sub([
        (0, "A", 40, "2013-05-01 10:00:00", "2013-05-01 09:00:00"),
        (1, "A", 30, "2013-05-20 10:00:00", "2013-05-20 09:00:00"),
        (2, "B", 35, "2013-05-02 10:00:00", "2013-05-02 09:00:00"),
        (3, "B", 35, None, "2013-05-03 09:00:00"),
        (4, "C", 20, "2013-05-05 10:00:00", "2013-05-04 09:00:00"),
        (5, "C", 20, "2013-05-05 10:00:00", "2013-05-03 09:00:00"),
        (6, "D", 10, None, None),
        (7, "D", 10, None, None),
        (8, "E", 5, None, None),
    ])
    kept, dec = submissions.choose_submissions(sub)
    assert dict(zip(kept["unit_id"], kept["pos"])) == {"A": 0, "B": 2, "C": 4, "D": 7, "E": 8}
    assert dict(zip(dec["unit_id"], dec["rule"])) == {"A": "complete", "B": "submitted", "C": "started",
                                                      "D": "pos"}
    assert dict(zip(dec["unit_id"], dec["undated"])) == {"A": 0, "B": 1, "C": 0, "D": 2}
    assert dec.set_index("unit_id").loc["B", "dropped_pos"] == [3]


def test_undated_duplicate_does_not_win(tmp_path, book, population, scrubber):
    """An equally complete twin with an empty 'Sist endret', later in the file, used to be
    kept (a missing time sorted as the latest). The dated one is kept, and the log names the
    unit with its kept pseudonymous id and the rule."""
    ls = [x for x in lines() if x]
    head = ls[0].split(";")
    jn = head.index("0.2 Kommunenummer/fylkesnummer")
    typed = [x.split(";")[jn] if len(x.split(";")) == len(head) else None for x in ls]
    j51 = head.index("5.1 Administrativ ledelse engasjert")
    i = next(i for i in range(1, len(ls)) if real_row(ls[i].split(";"), head) and ls[i].split(";")[j51] != ""
             and typed.count(typed[i]) == 1 and len(typed[i]) == 4 and typed[i].isdigit())
    f = ls[i].split(";")
    g = list(f)
    g[0] = "999999"
    g[head.index("Sist endret")] = ""
    g[j51] = "1" if f[j51] != "1" else "2"                            # another answer, as complete
    ls.append(";".join(g))
    log = cleaning.CleaningLog()
    out = clean_main(write_lines(tmp_path, ls), book, population, scrubber, log)
    kept = set(out["respondent_id"])
    assert privacy.pseudonymous_id(f[0]) in kept and privacy.pseudonymous_id("999999") not in kept
    note = [r for r in log.rows if r["rule"].startswith("one submission")][0]["note"]
    assert f"{typed[i]} kept {privacy.pseudonymous_id(f[0])} (latest 'Sist endret', 2 submissions)" in note
    assert "14 units had 28 submissions" in note and "1 of these units had a submission without 'Sist endret'" in note


def test_log_lists_every_duplicated_unit(shipped):
    note = shipped.log[(shipped.log.survey == "main") & shipped.log.rule.str.startswith("one submission")].iloc[0]
    listed = re.findall(r"(\d{2,4}) kept (R[0-9a-f]{12}) \(", note["note"])
    assert len(listed) == note["removed"] == 13                     # 13 units with 2 submissions each
    resp = shipped.responses.set_index("unit_id")["respondent_id"]
    assert all(resp[u] == r for u, r in listed)


# --------------------------------------------------------------------------- errors: where and what to do, no values
def test_unmapped_respondent_stops_cleaning_naming_unit_and_remedy(tmp_path, population, shipped):
    raw = tmp_path / "raw"
    shutil.copytree(RAW / "survey", raw / "survey")
    shutil.copytree(RAW / "frame", raw / "frame")
    unit = shipped.responses.loc[shipped.responses.unit_type == "kommune", "unit_id"].iloc[5]
    name = population.set_index("unit_id").loc[unit, "name"]
    mp = raw / "survey" / "respondent_mapping.csv"
    ml = mp.read_text(encoding="utf-8").split("\n")
    row = next(k for k, x in enumerate(ml) if x.startswith(unit + ";"))
    f = ml[row].split(";")
    f[2] = "2"                                                       # K3 Kontakt funnet: no
    ml[row] = ";".join(f)
    mp.write_text("\n".join(ml), encoding="utf-8")
    with pytest.raises(ExportError) as e:
        cleaning.run_cleaning(raw, population)
    msg = str(e.value)
    assert f"respondent(s) not mapped in step 1: {unit} {name} (row " in msg
    assert f"survey/respondent_mapping.csv row {row + 1})" in msg
    assert "set 'K3 Kontakt funnet' to 1" in msg and "correct it in the export" in msg


@pytest.mark.parametrize("value, shape", [
    ("01017012345", "11 digits, like a fødselsnummer/D-nummer"),
    ("010170 12345", "11 digits (6 + 5), like a fødselsnummer/D-nummer"),
    ("ola.nordmann@bodo.kommune.no", "text of 28 characters with '@', like an e-mail address"),
])
def test_personal_data_in_kommunenummer_is_never_quoted(tmp_path, book, population, scrubber, value, shape):
    ls = lines()
    row = set_cell(ls, "0.2 Kommunenummer/fylkesnummer", real_row, value)
    with pytest.raises(ExportError) as e:
        clean_main(write_lines(tmp_path, ls), book, population, scrubber)
    msg = str(e.value)
    assert f"row {row}, column '0.2 Kommunenummer/fylkesnummer'" in msg and f"got {shape}" in msg
    assert value not in msg and "ola.nordmann" not in msg and "correct the cell" in msg


def test_contact_name_in_kommunenummer_is_never_quoted(tmp_path, book, population, scrubber):
    name = scrubber.contacts.names[0]
    ls = lines()
    row = set_cell(ls, "0.2 Kommunenummer/fylkesnummer", real_row, name)
    with pytest.raises(ExportError) as e:
        clean_main(write_lines(tmp_path, ls), book, population, scrubber)
    assert f"row {row}," in str(e.value) and name not in str(e.value) and "like a name from the contact list" in str(e.value)


def test_sensitive_columns(book):
    """Cells of free-text and contact columns are never quoted in a message; identifiers are."""
    assert validation.sensitive_columns(book, "main") == {
        "6.6 Eksempel på god erfaring", "9.9 Eksempel på involvering", "10.1 Andre kommentarer"}
    assert validation.sensitive_columns(book, "mapping") == {"K4 Navn", "K6 E-post", "K7 Telefon"}


def test_hostile_free_text_never_reaches_processed(tmp_path, population):
    """The forms of the issue (16 pieces of personal data written into free-text answers, of
    which 11 used to reach responses.parquet with both scans reporting 0) are all scrubbed,
    and the scan of the processed folder agrees."""
    import unicodedata

    forms = ["ola.nordmann (at) bodo.kommune.no", "øyvind.ås@bærum.kommune.no", "9751 2345", "97 512 345",
             "01017012345", "010170 12345", "Marius Amundsens", "Andersen, Bente",
             unicodedata.normalize("NFD", "Jorunn Bøe"), "Jan Ã˜degÃ¥rd", "Bjørn Simonsen", "synnøve aasen",
             "ola.nordmann[at]bodo.kommune.no", "+47 975 12 345", "B. Andersen", "Kristin Sørensens"]
    raw = tmp_path / "raw"
    shutil.copytree(RAW / "survey", raw / "survey")
    shutil.copytree(RAW / "frame", raw / "frame")
    ls = lines()
    head = ls[0].split(";")
    j = head.index("10.1 Andre kommentarer")
    rows = [i for i in range(1, len(ls)) if len(ls[i].split(";")) == len(head) and real_row(ls[i].split(";"), head)]
    for i, form in zip(rows, forms):
        f = ls[i].split(";")
        f[j] = f"Hilsen {form}, takk"
        ls[i] = ";".join(f)
    (raw / "survey" / "main_survey.csv").write_text("\n".join(ls), encoding="utf-8")
    res = cleaning.run_cleaning(raw, population)
    P = config.paths(raw, tmp_path / "out")
    cleaning.write_outputs(res, P)
    text = "\n".join(res.responses["bg_comment"].dropna())
    assert text.count("Hilsen [") == 16, [t for t in res.responses["bg_comment"].dropna() if t.startswith("Hilsen")]
    folded = unicodedata.normalize("NFC", text).casefold()
    for bad in ("nordmann", "bærum", "2345", "12345", "amundsen", "andersen", "bøe", "ødegård", "simonsen", "aasen",
                "sørensen"):
        assert bad not in folded, bad
    mapping = readers.read_export(raw / "survey" / "respondent_mapping.csv")
    assert privacy.scan_for_leaks([P.processed], mapping) == []
