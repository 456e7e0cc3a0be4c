"""Every sentence describes the data at hand: a build from a second raw folder (another seed, other
response counts, not synthetic, no truth file) states none of the shipped data's facts."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from conftest import OTHER_COUNTS

pytestmark = [pytest.mark.slow, pytest.mark.pipeline]

#: Counts of the shipped demonstration data that a page about other data must not state.
SHIPPED = re.compile(r"(?<![\d.,])(200|211|161|207)(?![\d.,])|\b(eleven|elleve)\b", re.IGNORECASE)
ELEVEN_COUNTIES = re.compile(r"(?<![\d.,])11\s+(fylkeskommun|county)", re.IGNORECASE)
SYNTHETIC = re.compile(r"synthetic|syntetisk|demonstration data|demonstrasjonsdata", re.IGNORECASE)
PROSE_TAGS = {"p", "li", "h1", "h2", "h3", "h4", "figcaption", "caption", "summary", "dd", "dt"}


#: Quoted, attributed figures of the 2014 report (the contents page's claims) may be stated as such.
QUOTED_CLASSES = {"sk-claim-said"}
#: A figure's or table's "n = …" is filled in by the page from the data, never typed: a computed n
#: that happens to equal a shipped count is not an offence.
COMPUTED_N = re.compile(r"\bn\s*=\s*$")


class Prose(HTMLParser):
    """The running text of a page: paragraphs, list items, headings and captions, not tables' cells,
    the footer, or the published claims quoted on the contents page."""

    SKIP = ("footer", "script", "style", "td", "th")

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.skip = 0
        self.parts: list[str] = []

    def skips(self, tag, attrs) -> bool:
        classes = set((dict(attrs).get("class") or "").split())
        return tag in self.SKIP or bool(classes & QUOTED_CLASSES)

    def handle_starttag(self, tag, attrs):
        skipped = self.skips(tag, attrs)
        self.stack.append((tag, skipped))
        self.skip += skipped

    def handle_endtag(self, tag):
        if any(t == tag for t, _ in self.stack):
            while self.stack:
                t, skipped = self.stack.pop()
                self.skip -= skipped
                if t == tag:
                    break

    def handle_data(self, data):
        if not self.skip and any(t in PROSE_TAGS for t, _ in self.stack):
            self.parts.append(data)


def prose(path) -> str:
    p = Prose()
    p.feed(path.read_text(encoding="utf-8"))
    return " ".join(p.parts)


def pages(build):
    return sorted(build.paths.reports.rglob("*.html"))


def test_the_other_build_succeeds(other_build):
    assert other_build.returncode == 0, other_build.stdout[-4000:]


def test_no_page_states_the_shipped_datas_counts(other_build):
    offences = []
    for page in pages(other_build):
        text = prose(page)
        for m in list(SHIPPED.finditer(text)) + list(ELEVEN_COUNTIES.finditer(text)):
            if COMPUTED_N.search(text[max(0, m.start() - 8):m.start()]):
                continue
            offences.append(f"{page.relative_to(other_build.paths.reports)}: …{text[max(0, m.start() - 60):m.end() + 40]}…")
    assert not offences, "\n".join(offences[:40])


def test_the_pages_state_these_datas_counts(other_build):
    """The positive control: the respondents of this raw folder are named where the shipped ones were."""
    cleaning = prose(other_build.paths.reports / "02_cleaning.html")
    assert str(OTHER_COUNTS["kommune"]) in cleaning and str(OTHER_COUNTS["fylkeskommune"]) in cleaning


class Visible(Prose):
    """Every piece of text a reader sees outside the footer (tables' cells and quoted claims too)."""

    SKIP = ("footer", "script", "style")

    def skips(self, tag, attrs) -> bool:
        return tag in self.SKIP

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def test_nothing_calls_real_data_synthetic(other_build):
    """No word a reader sees says "synthetic" (the footer names the raw files, SYNTHETIC.yaml among them)."""
    offences = []
    for page in pages(other_build):
        v = Visible()
        v.feed(page.read_text(encoding="utf-8"))
        for m in SYNTHETIC.finditer(" ".join(v.parts)):
            offences.append(f"{page.name}: {m.group(0)}")
    assert not offences, offences[:20]


def test_no_truth_based_check_without_a_truth_file(other_build):
    assert not (other_build.paths.tables / "03_weighting__truth_coverage.csv").exists()
    for page in pages(other_build):
        assert "truth_coverage" not in page.read_text(encoding="utf-8"), page.name


def test_the_simulations_estimate_their_generator_parameters(other_build):
    """A real raw folder has no generator parameters: chapters 10 and 11 draw from parameters
    estimated from the processed data of this build (data/synth/fit.py)."""
    from sosiale_kommuner.data.synth import fit

    assert not (other_build.paths.survey / "generator_params.yaml").exists()
    sp = fit.simulation_params(other_build.paths)
    assert sp.source == "estimated"
    assert sp.params["response"]["kommune"]["count"] == OTHER_COUNTS["kommune"]
    assert sp.params["response"]["fylkeskommune"]["count"] == OTHER_COUNTS["fylkeskommune"]
    assert sp.params["presurvey"]["count"] == OTHER_COUNTS["presurvey"]
