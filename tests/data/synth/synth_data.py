"""Data the generator's tests share, made once per test session (cached)."""
from __future__ import annotations

from functools import lru_cache

from sosiale_kommuner import config
from sosiale_kommuner.data import frame, synth


@lru_cache(maxsize=None)
def frame2013():
    """The 2013 population frame."""
    return frame.load_population(config.DEFAULT_RAW_DIR / "frame")


@lru_cache(maxsize=None)
def params():
    """The shipped parameters (copy before changing them)."""
    return synth.load_params()


@lru_cache(maxsize=None)
def shipped():
    """The shipped dataset in memory, without exports (the simulations' fast path)."""
    return synth.generate(exports=False)


@lru_cache(maxsize=None)
def shipped_full():
    """The shipped dataset with exports and truth (process values on 2 replications only)."""
    return synth.generate(process_reps=2)
