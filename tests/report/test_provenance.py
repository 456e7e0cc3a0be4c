"""What every page says about where it came from: footer, notice, attribution, how to cite."""
from __future__ import annotations

import hashlib
import re

import pytest
from report_kit import FAKE_HASH, export, make_raw, section

import sosiale_kommuner
from sosiale_kommuner.report import provenance


@pytest.fixture
def raw(tmp_path):
    return make_raw(tmp_path)


def test_footer_provenance(raw, tmp_path):
    page = export(raw, tmp_path / "out", params={"raw_dir": str(raw), "out_dir": str(tmp_path / "out"),
                                                  "lang": "en", "seed": 7, "export_path": "/x/y", "k_min": 3})
    footer = section(page, '<footer class="sk-footer">', "</footer>")
    # the build details are there, but collapsed
    assert "<details class=\"sk-build\"><summary>Build details</summary>" in footer
    assert f"sosiale-kommuner {sosiale_kommuner.__version__}" in footer
    assert FAKE_HASH in footer
    assert '<code>k_min = 3</code>, <code>lang = "en"</code>, <code>seed = 7</code>' in footer
    assert "raw_dir" not in footer and "out_dir" not in footer and "export_path" not in footer
    assert str(tmp_path) not in page
    # the chapter's raw files by path inside the raw folder, with their real SHA-256
    for name in ("frame/municipalities_2013.csv", "frame/counties_2013.csv"):
        digest = hashlib.sha256((raw / name).read_bytes()).hexdigest()
        assert f"<code>{name}</code></td><td class=\"sk-hash\">{digest}</td>" in footer
    assert "survey/export.csv" not in footer
    for pkg in provenance.KEY_PACKAGES:
        assert re.search(rf"\b{pkg} \d+\.\d+", footer), pkg
    assert "Kilde: Statistisk sentralbyrå" in footer
    assert '<a href="index.html#cite">How to cite this report</a>' in footer
    # nothing of the build in the page's prose
    main = section(page, "<main", "</main>")
    assert FAKE_HASH not in main and "notebooks/" not in main


def test_public_params_drop_folders_and_paths():
    shown = provenance.public_params({"raw_dir": "/r", "b": 2, "a_path": "x", "c": "./rel", "a": 1})
    assert list(shown) == ["a", "b"]


def test_notice_in_both_languages():
    assert provenance.notice_html(False, "nb") == ""
    assert "Syntetiske demonstrasjonsdata." in provenance.notice_html(True, "nb")
    assert "Synthetic demonstration data." in provenance.notice_html(True, "en")


def test_how_to_cite_comes_from_citation_cff(tmp_path):
    cff = tmp_path / "CITATION.cff"
    cff.write_text(
        "cff-version: 1.2.0\ntitle: A title\nversion: 2.0.1\nlicense: MIT\n"
        "authors:\n  - given-names: Kari\n    family-names: Nordmann\n  - name: The team\n"
        "references:\n  - type: report\n    title: Sosiale kommuner 2013\n    year: 2014\n"
        "    authors:\n      - name: I all offentlighet\n", encoding="utf-8")
    got = provenance.citation_html("nb", provenance.citation(cff))
    assert ('<p class="sk-cite-ref"><span lang="en">Kari Nordmann, The team</span>. <cite lang="en">A title</cite>. '
            'Versjon 2.0.1. Lisens: MIT.</p>') in got
    assert ('Den opprinnelige rapporten: <span lang="nb">I all offentlighet (2014): Sosiale kommuner 2013</span>'
            in got)
    en = provenance.citation_html("en", provenance.citation(cff))
    assert "<span>Kari Nordmann, The team</span>. <cite>A title</cite>. Version 2.0.1. Licence: MIT." in en
    assert "The original report: " in en
    assert provenance.citation(tmp_path / "missing.cff") == {} and provenance.citation_html("nb", {}) == ""
    # the repository's own file is read
    assert "Sosiale kommuner 2013" in provenance.citation_html("en")
