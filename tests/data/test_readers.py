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


# --------------------------------------------------------------------------- malformed exports: right diagnoses
def _small_xlsx(path, rows):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return wb


def test_xlsx_blank_rows_keep_excel_row_numbers(tmp_path, book, population):
    """Blank rows are skipped, but a message gives the row Excel shows (it used to be off
    by the number of blank rows above)."""
    import openpyxl
    raw = raw_copy(tmp_path)
    convert(raw, book, "xlsx", stems=("main_survey",))
    path = raw / "survey" / "main_survey.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    header = [c.value for c in ws[1]]
    j = header.index("1.1 Bruker sosiale medier") + 1
    ws.insert_rows(4, 3)                        # Excel rows 4-6 blank: data in 2, 3, then 7, 8, ...
    ws.cell(row=20, column=j).value = 7         # Excel row 20: an unknown code
    wb.save(path)
    et = readers.read_export(path, book, "main")
    assert [et.file_row(i) for i in range(4)] == [2, 3, 7, 8]
    with pytest.raises(ExportError, match=r"row 20, column '1.1 Bruker sosiale medier'.*got '7'"):
        cleaning.validate_export(et, book, "main")


def test_xlsx_title_row_above_header(tmp_path):
    import openpyxl
    path = tmp_path / "main_survey.xlsx"
    _small_xlsx(path, [["Respondent-ID", "Startet", "Status"], ["1", "2013-05-01 10:00:00", "Fullført"]])
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws.insert_rows(1)
    ws["A1"] = "Sosiale kommuner 2013 – hovedundersøkelse"
    ws.merge_cells("A1:C1")
    wb.save(path)
    with pytest.raises(ExportError, match=r"file main_survey.xlsx, row 1: row 1 is a title above the header "
                                          r"\(merged cells A1:C1\), not the column headers.*delete row\(s\) 1-1 "
                                          r"above the header.*now row 2"):
        readers.read_export(path)
    # without merging: one filled cell above a full row is a title too
    _small_xlsx(path, [["Eksport 2013"], ["Respondent-ID", "Startet", "Status"], ["1", "x", "Fullført"]])
    with pytest.raises(ExportError, match=r"row 1 is a title above the header \(one filled cell\)"):
        readers.read_export(path)


def test_utf16_tab_separated_is_named_as_such(tmp_path):
    """Excel's "Unicode text" is UTF-16 with tabs; calling it latin-1 (and suggesting iconv
    from Windows-1252) would garble it."""
    p = tmp_path / "main_survey.csv"
    text = "Respondent-ID\tStartet\tStatus\r\n1\t2013-05-01 10:00:00\tFullført\r\n"
    for data in (text.encode("utf-16"), text.encode("utf-16-le")):           # with and without BOM
        p.write_bytes(data)
        with pytest.raises(ExportError) as e:
            readers.read_export(p)
        msg = str(e.value)
        assert "row 1: the file is UTF-16 text, tab-separated (Excel's 'Unicode text'), not UTF-8" in msg
        assert "save it as 'Excel workbook (.xlsx)'" in msg and "WINDOWS-1252 -t" not in msg


def test_semicolon_at_end_of_every_line(tmp_path):
    p = tmp_path / "main_survey.csv"
    p.write_text("a;b;c;\n1;2;3;\n4;5;6;\n", encoding="utf-8")
    with pytest.raises(ExportError, match=r"row 1, column 'position 4 \(no header\)': every line ends with ';', "
                                          r"which adds an empty last column.*remove the ';' at the end of every line"):
        readers.read_export(p)
    p.write_text("a;b;c\n1;2;3;\n4;5;6;\n", encoding="utf-8")
    with pytest.raises(ExportError, match=r"row 2, column 'position 4 \(no header\)': every data row ends with ';'"):
        readers.read_export(p)


def test_every_line_wrapped_in_quotes(tmp_path):
    p = tmp_path / "main_survey.csv"
    p.write_text('"a;b;c"\n"1;2;3"\n"4;5;6"\n', encoding="utf-8")
    with pytest.raises(ExportError, match=r"row 1: every line is wrapped in quotes, so each line reads as one "
                                          r"field.*remove the quote at the start and at the end of every line"):
        readers.read_export(p)
