"""Tests of readers.py: one reader for .csv, .xlsx and .sav, giving the same cleaned result."""
import shutil

import pandas as pd
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.data import cleaning, readers
from sosiale_kommuner.data.readers import ExportError

RAW = config.DEFAULT_RAW_DIR


def raw_copy(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW / "survey", raw / "survey")
    shutil.copytree(RAW / "frame", raw / "frame")
    return raw


def convert(raw, book, fmt, stems=("main_survey", "presurvey", "respondent_mapping")):
    surveys = {"main_survey": "main", "presurvey": "presurvey", "respondent_mapping": "mapping"}
    for stem in stems:
        src = raw / "survey" / f"{stem}.csv"
        table = readers.read_export(src).table
        dst = raw / "survey" / f"{stem}.{fmt}"
        if fmt == "xlsx":
            readers.write_xlsx(table, dst, book, surveys[stem])
        else:
            readers.write_sav(table, dst, book, surveys[stem])
        src.unlink()


def test_csv_reader_all_strings(book):
    et = readers.read_export(RAW / "survey" / "main_survey.csv", book, "main")
    assert et.format == "csv" and et.repairs == []
    assert (et.table.map(type) == str).all().all()
    assert et.file_row(0) == 2
    assert list(et.table.columns[:4]) == ["Respondent-ID", "Startet", "Sist endret", "Status"]


@pytest.mark.parametrize("fmt", ["xlsx", "sav"])
def test_formats_give_identical_cleaned_result(tmp_path, book, population, shipped, fmt):
    raw = raw_copy(tmp_path)
    convert(raw, book, fmt)
    assert not list((raw / "survey").glob("*_survey.csv"))
    res = cleaning.run_cleaning(raw, population)
    pd.testing.assert_frame_equal(res.responses, shipped.responses)
    pd.testing.assert_frame_equal(res.presurvey, shipped.presurvey)
    pd.testing.assert_frame_equal(res.coverage, shipped.coverage)
    cols = ["survey", "step", "rows_in", "rows_out", "removed", "repaired"]
    pd.testing.assert_frame_equal(res.log[cols], shipped.log[cols])


def test_xlsx_numbers_as_numbers(tmp_path, book):
    raw = raw_copy(tmp_path)
    convert(raw, book, "xlsx", stems=("main_survey",))
    import openpyxl
    ws = openpyxl.load_workbook(raw / "survey" / "main_survey.xlsx").active
    header = [c.value for c in ws[1]]
    j = header.index("1.1 Bruker sosiale medier")
    assert isinstance(ws.cell(row=10, column=j + 1).value, (int, float))
    et = readers.read_export(raw / "survey" / "main_survey.xlsx")
    assert et.table["0.4 Årsverk kommunikasjon"].str.contains(r"\.").any()  # 1.5 read back as text "1.5"


def test_sav_value_labels_checked(tmp_path, book):
    import pyreadstat
    raw = raw_copy(tmp_path)
    convert(raw, book, "sav", stems=("main_survey",))
    path = raw / "survey" / "main_survey.sav"
    df, meta = pyreadstat.read_sav(str(path))
    var = next(v for v, lab in meta.column_names_to_labels.items() if lab == "1.1 Bruker sosiale medier")
    vl = dict(meta.variable_value_labels)
    vl[var] = {1.0: "Ja", 2.0: "Nei", 3.0: "Kanskje"}   # code 3 means something else here
    pyreadstat.write_sav(df, str(path), column_labels=meta.column_names_to_labels, variable_value_labels=vl)
    with pytest.raises(ExportError, match=r"column '1.1 Bruker sosiale medier': value label of code 2 differs "
                                          r"from the codebook; expected 'Nei, men det er planlagt', got 'Nei'"):
        readers.read_export(path, book, "main")
    vl[var] = {1.0: "Ja", 2.0: "Nei, men det er planlagt", 3.0: "Nei", 4.0: "Vet ikke"}
    pyreadstat.write_sav(df, str(path), column_labels=meta.column_names_to_labels, variable_value_labels=vl)
    with pytest.raises(ExportError, match=r"value label for code 4 that the codebook does not have"):
        readers.read_export(path, book, "main")


def test_unsupported_and_missing(tmp_path):
    p = tmp_path / "x.ods"
    p.write_text("a")
    with pytest.raises(ExportError, match=r"unsupported file type '.ods'"):
        readers.read_export(p)
    with pytest.raises(ExportError, match="file not found"):
        readers.read_export(tmp_path / "nope.csv")
    (tmp_path / "m.csv").write_text("a;b\n1;2\n")
    (tmp_path / "m.xlsx").write_text("")
    with pytest.raises(ExportError, match="several exports"):
        readers.find_export(tmp_path, "m")


def test_empty_xlsx_and_sav(tmp_path):
    for suffix in (".xlsx", ".sav"):
        p = tmp_path / f"e{suffix}"
        p.write_bytes(b"")
        with pytest.raises(ExportError, match="the file is empty"):
            readers.read_export(p)


def test_quoted_text_with_semicolon_and_newline(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text('a;b\n1;"x; y"\n2;"line1\nline2"\n3;z\n', encoding="utf-8")
    et = readers.read_export(p)
    assert et.table["b"].tolist() == ["x; y", "line1\nline2", "z"]
    assert [et.file_row(i) for i in range(3)] == [2, 3, 5]
