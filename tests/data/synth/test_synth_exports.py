"""The survey-tool exports (synth.exports): their shape and the defects the parameters plant."""
import pandas as pd

from sosiale_kommuner.data import synth
from sosiale_kommuner.data.synth import exports

import synth_data


def test_three_exports_with_the_planted_defects(book):
    full = synth_data.shipped_full()
    params = synth_data.params()
    ex = full.exports
    assert list(ex) == [synth.MAPPING_FILE, synth.PRESURVEY_FILE, synth.MAIN_FILE]
    me = params["main_export"]
    main = ex[synth.MAIN_FILE]
    ec = book.export_columns
    # every respondent once, plus the defects the cleaning chapter must remove
    assert len(main) == 211 + me["duplicates_partial"] + me["duplicates_complete"] + me["empty_starts"] + me["tests"]
    assert list(main.columns[:4]) == [ec["respondent"], ec["started"], ec["submitted"], ec["status"]]
    assert list(main[ec["respondent"]]) == [str(2013040001 + i) for i in range(len(main))]
    started = pd.to_datetime(main[ec["started"]])
    assert started.is_monotonic_increasing
    t0 = pd.Timestamp(me["field_start"])
    assert started.min() >= t0 and started.max() < t0 + pd.Timedelta(days=me["field_days"])
    assert (pd.to_datetime(main[ec["submitted"]]) > started).all()
    number = book.item("bg_kommunenummer").export_header()
    assert (main[number] == "Test kommune").sum() >= 1                  # the team's test responses
    partial = book.meta["status_codes"]["partial"]
    assert (main[ec["status"]] == partial).sum() >= me["breakoffs"] + me["duplicates_partial"]
    assert len(ex[synth.PRESURVEY_FILE]) == 161
    assert len(ex[synth.MAPPING_FILE]) == 446


def test_numbers_are_written_as_a_survey_tool_does(book):
    full = synth_data.shipped_full()
    main = full.exports[synth.MAIN_FILE]
    fte = main[book.item("bg_comm_fte").export_header()]
    written = fte[fte != ""]
    assert written.str.fullmatch(r"\d+(,\d)?").all() and written.str.contains(",").any()   # decimal comma
    polls = main[book.item("a9_methods").export_header(book.item("a9_methods").options[2])]
    assert set(polls) <= {"", "0", "1"}


def test_free_text_carries_personal_data_of_the_contacts(book):
    full = synth_data.shipped_full()
    main = full.exports[synth.MAIN_FILE]
    texts = pd.concat([main[it.export_header()] for it in book.items(survey="main", type="text")
                       if it.id != "bg_kommunenummer"])
    emails = set(full.people["email"])
    assert any(e in t for t in texts for e in emails if "@" in t)


def test_export_csv_text():
    df = pd.DataFrame({"1.1 Bruk": ["1", ""], "0.4 Årsverk": ["0,5", "2"]})
    assert exports.export_csv_text(df) == "1.1 Bruk;0.4 Årsverk\n1;0,5\n;2\n"
