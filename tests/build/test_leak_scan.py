"""The leak scan at the end of every build (build/leak_scan.py, docs/contracts.md §9):
all three output folders, the contact list in every format, never stopping short, the file
and detector named but never the value; and failures recorded without personal data."""
from __future__ import annotations

import json
import shutil

import pytest

from sosiale_kommuner import config
from sosiale_kommuner.build import leak_scan, options, status
from sosiale_kommuner.data import readers

RAW = config.DEFAULT_RAW_DIR
CONTACT = "Bente Andersen"          # row 1 of the shipped contact list (synthetic)
CONTACT_EMAIL = "bente.andersen@halden.kommune.no"


def _paths(tmp_path, fmt="csv", book=None) -> config.Paths:
    raw, out = tmp_path / "raw", tmp_path / "out"
    (raw / "survey").mkdir(parents=True)
    src = RAW / "survey" / "respondent_mapping.csv"
    dst = raw / "survey" / f"respondent_mapping.{fmt}"
    if fmt == "csv":
        shutil.copy(src, dst)
    elif fmt == "xlsx":
        readers.write_xlsx(readers.read_export(src).table, dst, book, "mapping")
    else:
        readers.write_sav(readers.read_export(src).table, dst, book, "mapping")
    P = config.paths(raw, out)
    for d in (P.processed, P.tables, P.pipeline_state / "failed"):
        d.mkdir(parents=True)
    (P.reports / "index.html").write_text("<p>200 kommuner</p>", encoding="utf-8")
    return P


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav"])
def test_names_found_whatever_the_contact_list_format(tmp_path, book, fmt):
    P = _paths(tmp_path, fmt, book)
    assert leak_scan.scan_for_leaks(P) == []
    assert (P.pipeline_state / "leak-scan.key").is_file()          # a clean scan is remembered
    (P.reports / "02_cleaning.html").write_text("<p>Andersen, Bente svarte</p>", encoding="utf-8")
    lines = leak_scan.scan_for_leaks(P)
    assert lines == ["reports/02_cleaning.html: name from the contact list, first at line 2"]  # <p> -> line break


def test_every_output_folder_is_scanned_and_no_value_printed(tmp_path):
    P = _paths(tmp_path)
    (P.processed / "x.csv").write_text(f"text\n{CONTACT_EMAIL}\n", encoding="utf-8")
    (P.tables / "02_cleaning__log.csv").write_text("note\nring 975 12 345\n", encoding="utf-8")
    (P.pipeline_state / "failed" / "02_cleaning.ipynb").write_text(json.dumps(
        {"cells": [{"outputs": [{"output_type": "error", "evalue": "got '01017012345'", "traceback": []}]}]}))
    (P.pipeline_state / "status.json").write_text(json.dumps({"02_cleaning": {"reason": f"{CONTACT} typed"}}))
    lines = leak_scan.scan_for_leaks(P)
    assert lines == [
        ".pipeline/failed/02_cleaning.ipynb: fødselsnummer/D-nummer, first at /cells/0/outputs/0/evalue, line 1",
        ".pipeline/status.json: name from the contact list, first at /02_cleaning/reason, line 1",
        "data/processed/x.csv: e-mail address, first at line 2",
        "reports/tables/02_cleaning__log.csv: telephone number, first at line 2",
    ]
    text = "\n".join(lines)
    assert "bente" not in text.lower() and "975" not in text and "01017012345" not in text
    assert not (P.pipeline_state / "leak-scan.key").exists()       # a finding is never remembered


def test_unreadable_contact_list_is_reported_and_the_scan_goes_on(tmp_path):
    P = _paths(tmp_path)
    (P.survey / "respondent_mapping.csv").unlink()
    (P.survey / "respondent_mapping.sav").write_bytes(b"\x00broken")
    (P.reports / "leak.html").write_text("<p>ring 975 12 345</p>", encoding="utf-8")
    lines = leak_scan.scan_for_leaks(P)
    assert lines[0].startswith("contact list unreadable, names not checked (the other detectors ran): "
                               "survey/respondent_mapping.sav could not be read")
    assert lines[1:] == ["reports/leak.html: telephone number, first at line 2"]


def test_status_records_no_personal_data():
    err = {"cell": 3, "line": 2, "source": "check('ola@x.no')", "ename": "ExportError",
           "evalue": "row 57, column '0.2 Kommunenummer/fylkesnummer', got '01017012345'"}
    text = status.describe_error(err)
    assert text == ("cell 3, line 2 (check('<e-mail address: text of 8 characters with '@'>')): ExportError: "
                    "row 57, column '0.2 Kommunenummer/fylkesnummer', got '<fødselsnummer/D-nummer: 11 digits>'")
    safe = status.safe_error(err)
    assert "ola@x.no" not in json.dumps(safe) and "01017012345" not in json.dumps(safe)


@pytest.mark.slow
@pytest.mark.pipeline
def test_failure_and_leak_in_a_build(toy):
    """A chapter that fails on a fødselsnummer records cell, line and shape, never the
    value (status.json, index page, failed notebook); a chapter that publishes an e-mail
    address makes the build fail with exit code 4, naming file and detector."""
    import nbformat

    t = toy()
    path = t.notebook("02_c")
    nb = nbformat.read(path, as_version=4)
    # the value comes from the data, not the code: split in the source
    nb.cells.append(nbformat.v4.new_code_cell("value = '010170' + '12345'\nraise ValueError(f'got {value} in row 57')"))
    nbformat.write(nb, path)
    res, text = t.build("--jobs", "1")
    assert res.code == options.EXIT_FAILED
    assert ("FAILED  notebooks/02_c.ipynb: cell 4, line 2 (raise ValueError(f'got {value} in row 57')): "
            "ValueError: got <fødselsnummer/D-nummer: 11 digits> in row 57") in text
    for f in (t.paths.pipeline_state / "status.json", t.paths.reports / "index.html",
              t.paths.pipeline_state / "failed" / "02_c.ipynb"):
        assert "01017012345" not in f.read_text(encoding="utf-8"), f
    assert "01017012345" not in text
    nb.cells[-1] = nbformat.v4.new_code_cell("(P.tables / '02_c__contact.csv').write_text('x\\nola.n@x.no\\n')")
    nbformat.write(nb, path)
    res, text = t.build("--jobs", "1")
    assert res.code == options.EXIT_LEAK, text
    assert "  reports/tables/02_c__contact.csv: e-mail address, first at line 2" in text
    assert "ola.n@x.no" not in text


@pytest.mark.slow
@pytest.mark.pipeline
def test_shipped_build_is_clean(built):
    """No detector finds anything in a full build of the shipped data (all three folders)."""
    assert built.returncode == 0, built.stdout
    (built.paths.pipeline_state / "leak-scan.key").unlink(missing_ok=True)   # scan again, for real
    assert leak_scan.scan_for_leaks(built.paths) == []
