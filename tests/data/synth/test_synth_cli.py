"""Writing the raw files (synth.cli): ``python -m sosiale_kommuner.data.synth`` reproduces the
shipped files byte for byte."""
import shutil
import subprocess
import sys

import pytest

from sosiale_kommuner import config
from sosiale_kommuner.data import synth

import synth_data


def _raw_without_generated_files(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(config.DEFAULT_RAW_DIR / "frame", raw / "frame")
    (raw / "survey").mkdir()
    for f in ("codebook.yaml", synth.PARAMS_FILE):
        shutil.copy(config.DEFAULT_RAW_DIR / "survey" / f, raw / "survey" / f)
    return raw


def test_render_files_names_every_generated_file():
    full = synth_data.shipped_full()
    out = synth.render_files(full)
    assert list(out) == [synth.MAPPING_FILE, synth.PRESURVEY_FILE, synth.MAIN_FILE, synth.TRUTH_FILE,
                         synth.SYNTHETIC_FILE]
    assert set(out) == set(synth.GENERATED_FILES)
    assert out[synth.TRUTH_FILE].startswith(b"# SYNTHETIC DATA")
    assert out[synth.MAPPING_FILE] == (config.DEFAULT_RAW_DIR / "survey" / synth.MAPPING_FILE).read_bytes()


@pytest.mark.slow
def test_regeneration_is_byte_identical(tmp_path):
    raw = _raw_without_generated_files(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "sosiale_kommuner.data.synth", "--seed", "2013",
                           "--raw-dir", str(raw)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "--update-manifest" in proc.stderr
    for name in synth.GENERATED_FILES:
        assert (raw / "survey" / name).read_bytes() == (config.DEFAULT_RAW_DIR / "survey" / name).read_bytes(), name
