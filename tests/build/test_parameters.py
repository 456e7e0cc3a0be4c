"""`-p KEY VALUE` values are read as YAML scalars, as run_all.py --help says."""
import pytest

from sosiale_kommuner.build.options import parse_value


@pytest.mark.parametrize("text, value", [
    ("20", 20), ("0.5", 0.5), ("1e-10", 1e-10), ("1E5", 1e5), ("-2.5e-3", -2.5e-3),
    ("true", True), ("false", False), ("null", None), ("[5000, 20000]", [5000, 20000]),
    ('["size_class", "region"]', ["size_class", "region"]), ("en", "en"), ("centrality", "centrality"),
])
def test_parse_value(text, value):
    got = parse_value(text)
    assert got == value and type(got) is type(value)
