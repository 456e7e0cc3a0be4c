"""The SYNTHETIC.yaml flag (synth.flag, docs/contracts.md §8)."""
import shutil

import pytest
import yaml

from sosiale_kommuner import config
from sosiale_kommuner.data import synth


@pytest.fixture()
def raw(tmp_path):
    (tmp_path / "survey").mkdir()
    return tmp_path


def test_flag_content_names_the_files_and_the_seed():
    flag = synth.synthetic_flag(2013)
    assert flag["synthetic"] is True and flag["seed"] == 2013
    assert flag["files"] == [synth.MAPPING_FILE, synth.PRESURVEY_FILE, synth.MAIN_FILE, synth.TRUTH_FILE]
    assert flag["notice"] == synth.SYNTHETIC_NOTICE and set(flag["notice"]) == {"nb", "en"}


def test_notice_follows_the_flag(raw):
    flag = raw / "survey" / synth.SYNTHETIC_FILE
    assert synth.synthetic_notice(raw) is None                          # no flag: real data
    flag.write_text("synthetic: false\n", encoding="utf-8")
    assert synth.synthetic_notice(raw) is None
    flag.write_text(yaml.safe_dump({"synthetic": True, "notice": {"nb": "Syntetisk.", "en": "Synthetic."}}),
                    encoding="utf-8")
    assert synth.synthetic_notice(raw, "nb") == "Syntetisk."
    assert synth.synthetic_notice(raw, "en") == "Synthetic."
    flag.write_text(yaml.safe_dump({"synthetic": True, "notice": {"en": "Synthetic."}}), encoding="utf-8")
    assert synth.synthetic_notice(raw, "nb") == "Synthetic."             # English when nb is missing
    flag.write_text("synthetic: true\ndescription: Made up.\n", encoding="utf-8")
    assert synth.synthetic_notice(raw, "nb") == "Made up."


def test_shipped_flag(raw):
    shutil.copy(config.DEFAULT_RAW_DIR / "survey" / synth.SYNTHETIC_FILE, raw / "survey")
    assert synth.synthetic_notice(raw, "nb") == synth.SYNTHETIC_NOTICE["nb"]
