"""Write the generated raw files: ``python -m sosiale_kommuner.data.synth``.

:func:`render_files` turns a :class:`~.dataset.Synthetic` into the bytes of every generated
file of ``<raw>/survey/`` (:data:`~.params.GENERATED_FILES`); :func:`write_raw` generates and
writes them atomically (the codebook and the parameters are read, never written);
:func:`main` is the command line. The same seed and parameters give byte-identical files.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import yaml

from sosiale_kommuner import config, files

from .dataset import Synthetic
from .exports import export_csv_text
from .flag import synthetic_flag
from .generator import generate
from .params import PARAMS_FILE, SYNTHETIC_FILE, TRUTH_FILE


def dump_yaml(doc: dict) -> str:
    """A YAML document as the generated files write it (key order kept, UTF-8, 100 columns)."""
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def render_files(syn: Synthetic) -> dict[str, bytes]:
    """File name -> bytes of every generated raw file."""
    out = {name: export_csv_text(df).encode("utf-8") for name, df in syn.exports.items()}
    out[TRUTH_FILE] = ("# SYNTHETIC DATA: ground truth of the demonstration data (sosiale_kommuner.synth)\n"
                       + dump_yaml(syn.truth)).encode("utf-8")
    out[SYNTHETIC_FILE] = dump_yaml(synthetic_flag(syn.seed)).encode("utf-8")
    return out


def write_raw(raw_dir: str | os.PathLike | None = None, seed: int | None = None,
              params: str | os.PathLike | None = None) -> list[Path]:
    """Generate and write every file of ``<raw_dir>/survey/`` except the codebook and the
    parameters (which it reads). Returns the paths written."""
    raw = config.paths(raw_dir).raw
    syn = generate(seed=seed, params=params or raw / "survey" / PARAMS_FILE, raw_dir=raw)
    written = []
    for name, data in render_files(syn).items():
        written.append(files.atomic_write_bytes(raw / "survey" / name, data))
    return written


def main(argv: list[str] | None = None) -> int:
    """The command line: write the files, list them, remind to update the manifest."""
    ap = argparse.ArgumentParser(prog="python -m sosiale_kommuner.data.synth",
                                 description="Write the synthetic demonstration survey files into <raw-dir>/survey/.")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: the parameters' seed)")
    ap.add_argument("--raw-dir", default=None, help="raw folder with frame/ and survey/codebook.yaml")
    ap.add_argument("--params", default=None, help="parameters YAML (default <raw-dir>/survey/generator_params.yaml)")
    args = ap.parse_args(argv)
    for p in write_raw(args.raw_dir, args.seed, args.params):
        print(p)
    print("Raw files changed: run `python run_all.py --update-manifest` to record them.", file=sys.stderr)
    return 0

