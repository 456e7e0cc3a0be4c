"""Chapter 00's tables, figures and text (chapters.population).

Expected values are derived here from SSB's raw CSV files with the standard library only
(``csv``, the documented rule "1 January 2013 figure, else 1 January 2015; classes [0, 5 000),
[5 000, 20 000), [20 000, ∞)"), not through the frame module.
"""
from __future__ import annotations

import csv
from collections import Counter, defaultdict

import matplotlib.pyplot as plt
import pytest

from sosiale_kommuner import config
from sosiale_kommuner.chapters import population as ps
from sosiale_kommuner.data import frame
from sosiale_kommuner.report import tables, text

LABELS = ["< 5 000", "5 000–19 999", "≥ 20 000"]
NBSP = "\u00a0"
#: What a reader sees for each class in a cell under the header "Innbyggere" / "Inhabitants".
SHORT = {"nb": [f"under 5{NBSP}000", f"5{NBSP}000–19{NBSP}999", f"20{NBSP}000 og flere"],
         "en": ["under 5,000", "5,000–19,999", "20,000 or more"]}


def count(n: int, lang: str) -> str:
    """A whole number as the locale writes it: ``4 989 702`` (no-break spaces) / ``4,989,702``."""
    return f"{n:,}".replace(",", NBSP if lang == "nb" else ",")


def pct1(x: float, lang: str) -> str:
    """A proportion as a percentage with one decimal: ``53,3 %`` / ``53.3%``."""
    return f"{100 * x:.1f}".replace(".", ",") + f"{NBSP}%" if lang == "nb" else f"{100 * x:.1f}%"


def _rows(name):
    with open(config.paths().frame / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def raw_counts():
    """Per size class: municipalities and 1 January 2013 inhabitants, straight from the CSV."""
    units, people = Counter(), Counter()
    for r in _rows(frame.MUNICIPALITIES_FILE):
        p = int(r["population"] or r["population_2015"])
        cls = LABELS[0] if p < 5000 else LABELS[1] if p < 20000 else LABELS[2]
        units[cls] += 1
        people[cls] += int(r["population"] or 0)        # the three without a 2013 figure add nothing
    return units, people


@pytest.fixture(scope="module")
def population():
    return frame.load_population(config.paths().frame)


@pytest.fixture(scope="module")
def kommuner(population):
    return population[population["unit_type"] == config.KOMMUNE]


def test_by_size_class(kommuner, raw_counts):
    units, people = raw_counts
    t = ps.by_size_class(kommuner)
    assert list(t["size_class"]) == LABELS
    assert list(t["municipalities"]) == [units[c] for c in LABELS] == [228, 147, 53]
    assert list(t["inhabitants_2013"]) == [people[c] for c in LABELS]
    assert sum(people.values()) == 4_989_702                          # SSB: 5 051 275 less 61 573
    assert t["share_of_municipalities"].tolist() == pytest.approx([228 / 428, 147 / 428, 53 / 428])
    assert t["share_of_inhabitants"].tolist() == pytest.approx([people[c] / 4_989_702 for c in LABELS])


def test_by_region(population):
    mun, cty, inh = Counter(), Counter(), defaultdict(int)
    region_of = {f: reg for reg, fs in config.REGIONS.items() for f in fs}
    for r in _rows(frame.MUNICIPALITIES_FILE):
        mun[region_of[r["fylkesnummer"]]] += 1
        inh[region_of[r["fylkesnummer"]]] += int(r["population"] or 0)
    for r in _rows(frame.COUNTIES_FILE):
        if r["fylkesnummer"] != "03":                                 # Oslo is a municipality only
            cty[region_of[r["fylkesnummer"]]] += 1
    t = ps.by_region(population).set_index("region")
    assert list(t.index) == list(config.REGIONS)
    for reg in config.REGIONS:
        assert (t.loc[reg, "municipalities"], t.loc[reg, "county_municipalities"],
                t.loc[reg, "inhabitants_2013"]) == (mun[reg], cty[reg], inh[reg]), reg
    assert t["municipalities"].sum() == 428 and t["county_municipalities"].sum() == 18


def test_by_centrality(kommuner):
    cls = {r["kommunenummer"]: int(r["sentralitet_2008"]) for r in _rows(frame.CENTRALITY_FILE)}
    n = Counter(cls.values())
    t = ps.by_centrality(kommuner)
    assert list(t["centrality"]) == [3, 2, 1, 0]                      # most central first
    assert list(t["municipalities"]) == [n[3], n[2], n[1], n[0]] == [150, 78, 51, 149]


def test_frame_checks_and_the_three_classed_by_2015(population):
    facts = frame.check_population(population)
    checks = ps.frame_checks(population, facts).set_index(["check", "group"])["value"]
    assert checks[("national_total_2013", "")] == 5_051_275
    assert checks[("residual_for_three", "")] == 5_051_275 - 4_989_702
    assert checks[("municipalities_with_2013", "")] == 425
    assert [checks[("size_class", c)] for c in LABELS] == [228, 147, 53]
    t = ps.unclassed_2013(population, config.DEFAULT_SIZE_BOUNDARIES)
    assert list(t["unit_id"]) == ["0706", "0719", "0720"]
    # SSB mid-2011: 44 008, 5 408, 11 214 -> the same classes as the 2015 figures
    assert list(t["size_class_mid_2011"]) == ["≥ 20 000", "5 000–19 999", "5 000–19 999"]
    assert t["same_class_2011"].all()


def test_other_boundaries_change_the_classes(population):
    """Chapter 00 takes the boundaries as a parameter: with (3 000, 10 000) Stokke (0720; 11 506 in
    2015, 11 214 in mid-2011) moves to the top class, and the mid-2011 figures still agree."""
    t = ps.unclassed_2013(frame.load_population(config.paths().frame, (3000, 10000)), (3000, 10000))
    assert list(t["size_class"]) == ["≥ 10 000", "3 000–9 999", "≥ 10 000"] and t["same_class_2011"].all()


def test_region_by_size(kommuner):
    t = ps.region_by_size(kommuner)
    assert list(t.columns) == LABELS and list(t.index) == list(config.REGIONS)
    assert t.to_numpy().sum() == 428 and t["≥ 20 000"].sum() == 53
    assert t.loc["Oslo og Akershus", "≥ 20 000"] == sum(
        1 for r in _rows(frame.MUNICIPALITIES_FILE)
        if r["fylkesnummer"] in ("02", "03") and int(r["population"] or r["population_2015"]) >= 20000)


def test_closing_values_and_figures(population, kommuner, raw_counts):
    _, people = raw_counts
    facts = frame.check_population(population)
    by_size = ps.by_size_class(kommuner)
    v = ps.closing_values(facts, by_size)
    assert (v["n_municipalities"], v["n_county"], v["first_n"], v["last_n"]) == (428, 18, 228, 53)
    assert v["first_share_units"] == pytest.approx(228 / 428)
    assert v["first_share_people"] == pytest.approx(people["< 5 000"] / 4_989_702)
    assert v["last_share_people"] == pytest.approx(people["≥ 20 000"] / 4_989_702)
    assert v["residual"] == 61_573
    classes = ps.units_and_inhabitants_values(by_size)["classes"].localize("en")
    assert classes.count(";") == 2 and "228" in classes and "53" in classes
    regions = ps.region_by_size_values(ps.region_by_size(kommuner))["regions"].localize("nb")
    assert regions.count(";") == len(config.REGIONS) - 1
    # the figures' titles come from the text layer of their edition; the bars are the counts
    fig = ps.plot_units_and_inhabitants(kommuner, "en")
    assert [ax.get_title() for ax in fig.axes] == [text.get(ps.STEM, f"figure.{w}_title", "en")
                                                   for w in ("units", "inhabitants")]
    assert [p.get_height() for p in fig.axes[0].patches] == [228, 147, 53]
    plt.close(fig)
    fig = ps.plot_region_by_size(kommuner, "nb")
    assert fig.axes[0].get_title(loc="left") == text.get(ps.STEM, "figure.region_title", "nb")
    assert sum(p.get_width() for p in fig.axes[0].patches) == 428
    plt.close(fig)


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_checks_table_reads_the_facts_in_the_locale(population, raw_counts, lang):
    units, people = raw_counts
    inhabitants = sum(people.values())
    n = sum(units.values())
    n_county = sum(1 for r in _rows(frame.COUNTIES_FILE) if r["fylkesnummer"] != "03")
    n_2013 = sum(1 for r in _rows(frame.MUNICIPALITIES_FILE) if r["population"])
    t = ps.checks_table(ps.frame_checks(population, frame.check_population(population)), lang)
    assert isinstance(t, tables.Table)
    assert t.headers == [text.get(ps.STEM, f"header.{h}", lang) for h in ("check", "value")]
    values = [r[1] for r in t.rows]
    assert values == [count(n, lang), str(n_county), count(n_2013, lang), count(inhabitants, lang),
                      count(config.NATIONAL_POPULATION_2013, lang),
                      count(config.NATIONAL_POPULATION_2013 - inhabitants, lang)] + [str(units[c]) for c in LABELS]
    assert t.rows[3][0] == text.get(ps.STEM, "check.inhabitants_with_2013", lang)
    page = t.html("T", "T")
    assert f'<td class="sk-num">{count(inhabitants, lang)}</td>' in page
    assert ("4\u00a0989\u00a0702" if lang == "nb" else "4,989,702") in page      # SSB: 5 051 275 less 61 573


def test_vestfold_table_shows_both_classes_and_yes_in_words(population):
    raw = {r["kommunenummer"]: r for r in _rows(frame.MUNICIPALITIES_FILE) if not r["population"]}
    t = ps.vestfold_table(ps.unclassed_2013(population, config.DEFAULT_SIZE_BOUNDARIES), "nb")
    assert t.headers[:3] == ["Nummer", "Navn", "Innbyggere 1.1.2015"] and t.headers[-1] == "Samme gruppe"
    big, middle = SHORT["nb"][2], SHORT["nb"][1]
    assert t.rows == [
        [i, raw[i]["name"], count(int(raw[i]["population_2015"]), "nb"), cls, count(ps.MID_2011_FIGURES[i], "nb"), cls, "Ja"]
        for i, cls in (("0706", big), ("0719", middle), ("0720", middle))]
    assert t.rows[0][1:3] == ["Sandefjord", f"45{NBSP}281"]


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_size_class_table_counts_inhabitants_and_shares(kommuner, raw_counts, lang):
    units, people = raw_counts
    n, inhabitants = sum(units.values()), sum(people.values())
    t = ps.size_class_table(ps.by_size_class(kommuner), lang)
    assert t.rows == [[SHORT[lang][i], count(units[c], lang), count(people[c], lang),
                       pct1(units[c] / n, lang), pct1(people[c] / inhabitants, lang)] for i, c in enumerate(LABELS)]
    assert t.rows[0][3] == ("53,3\u00a0%" if lang == "nb" else "53.3%")          # 228 of 428


def test_region_and_centrality_tables_name_their_codes(population, kommuner):
    region_of = {f: reg for reg, fs in config.REGIONS.items() for f in fs}
    inh = defaultdict(int)
    for r in _rows(frame.MUNICIPALITIES_FILE):
        inh[region_of[r["fylkesnummer"]]] += int(r["population"] or 0)
    t = ps.region_table(ps.by_region(population), "en")
    assert [r[0] for r in t.rows] == list(config.REGIONS)                   # proper names in both editions
    assert [r[3] for r in t.rows] == [count(inh[reg], "en") for reg in config.REGIONS]
    cls = Counter(int(r["sentralitet_2008"]) for r in _rows(frame.CENTRALITY_FILE))
    t = ps.centrality_table(ps.by_centrality(kommuner), "en")
    assert [r[:2] for r in t.rows] == [["3 Central municipalities", str(cls[3])], ["2 Somewhat central municipalities", str(cls[2])],
                                       ["1 Less central municipalities", str(cls[1])], ["0 Least central municipalities", str(cls[0])]]
    assert t.headers == ["Centrality (SSB 2008)", "Municipalities", "Inhabitants 1 Jan 2013"]

