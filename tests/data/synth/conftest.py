"""Fixtures of the generator's tests: the 2013 frame, the shipped parameters, one dataset."""
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.data import frame, synth


@pytest.fixture(scope="session")
def frame2013():
    return frame.load_population(config.DEFAULT_RAW_DIR / "frame")


@pytest.fixture(scope="session")
def params():
    return synth.load_params()


@pytest.fixture(scope="session")
def syn():
    """The shipped dataset in memory, without exports (the simulations' fast path)."""
    return synth.generate(exports=False)


@pytest.fixture(scope="session")
def full():
    """The shipped dataset with exports and truth (process values on 2 replications only)."""
    return synth.generate(process_reps=2)
