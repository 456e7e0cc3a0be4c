"""One generated dataset (synth.dataset): its typed views."""
import pandas as pd

import synth_data


def test_typed_views_of_all_mapped_and_responding_units():
    syn = synth_data.shipped()
    st = syn.status
    assert len(syn.typed("all")) == 446
    assert len(syn.typed("mapped")) == int(st["mapped"].sum())
    t = syn.typed("responded")
    assert list(t["unit_id"]) == list(st.loc[st["responded"], "unit_id"])
    assert isinstance(t["a5_admin_leadership"].dtype, pd.CategoricalDtype)
    assert t["a1_channels__facebook"].dtype == "boolean"


def test_responses_are_shaped_like_the_processed_table():
    syn = synth_data.shipped()
    r = syn.responses()
    assert list(r.columns[:3]) == ["unit_id", "unit_type", "respondent_id"]
    assert (r.unit_type == "kommune").sum() == 200 and (r.unit_type == "fylkeskommune").sum() == 11
    assert r["respondent_id"].iloc[0] == "S00001" and r["respondent_id"].is_unique
