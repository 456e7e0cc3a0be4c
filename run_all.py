#!/usr/bin/env python
"""Reproduce the whole analysis with one command.

    python run_all.py            # every chapter whose code, parameters or inputs changed
    python run_all.py --help     # the options (--only, -p, --raw-dir, --out-dir, --force, ...)

All logic lives in ``sosiale_kommuner.build``.
"""
import sys

from sosiale_kommuner.build.pipeline import main

if __name__ == "__main__":
    sys.exit(main())
