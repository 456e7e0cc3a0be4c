"""The report in a real browser: headless Debian Chromium, networking off, both editions, two widths.

Every page of the shared build (fixture ``built`` of ``tests/conftest.py``; or, to check a
build you already have, ``SOSIALE_KOMMUNER_REPORT_OUT=<output root>``) — ``reports/*.html``
and ``reports/en/*.html``, contents pages included — is opened over ``file://`` at 1280 and at
390 CSS px wide, measured once (:func:`survey`), and each test below asserts one check over
every page, naming the pages that fail it:

=======================  ===================================================================
check                    what a page must do
=======================  ===================================================================
``loads``                no console errors, no network fetches, every image loaded, with alt text
``navigation``           (chapters) a link to the contents; navigation links resolve; a footer
``no_sideways_390``      never scroll sideways at 390 px
``figure_size_1280``     every figure shown at >= 80 % of its natural width (``<img width>``,
                         else the PNG's) at 1280 px
``figure_text_390``      the smallest figure text >= 9 CSS px at 390 px (the figure's
                         ``data-text-px``; a figure without it is taken to have 10 pt text)
``figures_numbered``     every ``<img>`` in a ``<figure>`` whose caption has a number
``table_captions``       every table has a ``<caption>``
``table_headers``        no header is a machine name (``unit_type``, ``p_value``, ``True``)
``table_values``         no cell is a Python literal or a code (``True``, ``nan``, ``diff_prop:True``,
                         ``rao_scott_f``)
``tables_visible_1280``  no table hides columns behind a scroll bar at 1280 px
``tables_boxed_390``     a table wider than the screen at 390 px scrolls in its own box
                         (``role="region"``, ``tabindex="0"``, ``aria-label``)
``table_rows``           at most ``tables.MAX_ROWS`` rows shown per table (more behind ``<details>``)
``axe``                  axe-core finds no critical or serious violation (at both widths)
``language``             no prose of the other language outside the footer (function words)
``number_format``        numbers of table cells and captions in the edition's locale
=======================  ===================================================================

axe-core comes from the npm registry, pinned in ``package.json``/``package-lock.json``
(``npm ci`` installs it into ``node_modules/``); the test reads ``axe.min.js`` from there and
injects it into each page: nothing is fetched. Screenshots of every page at both widths:
``<out>/screenshots/<nb|en>/<page>-<width>.png``; every check's findings per page:
``<out>/screenshots/checks.json``.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (and ``npm ci`` for axe). Without
them the tests skip with that reason, unless ``CI=true``, where they fail.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from sosiale_kommuner import STUDY_TITLE, config
from sosiale_kommuner.report import tables

REPO = config.REPO_ROOT
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
MEASURE_JS = (Path(__file__).parent / "browser_measure.js").read_text(encoding="utf-8")
REPORT_OUT_ENV = "SOSIALE_KOMMUNER_REPORT_OUT"
WIDTHS = (1280, 390)
FIGURE_MIN_SCALE = 0.8
FIGURE_MIN_TEXT_PX = 9.0
#: Text size assumed for a figure that does not say (matplotlib's 10 pt at 100 dpi, in PNG px).
LEGACY_TEXT_PX = 10 * 100 / 72

CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--disable-dev-shm-usage",
    "--no-default-browser-check", "--metrics-recording-only", "--mute-audio",
    # networking off: every proxied request goes to a closed port, no name resolves
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--window-size=1366,900", "--force-device-scale-factor=1", "--hide-scrollbars",
    "--allow-file-access-from-files",
)
#: Full-page screenshots are capped at this height (px).
MAX_SHOT_HEIGHT = 12000
CHECKS = ("loads", "navigation", "no_sideways_390", "figure_size_1280", "figure_text_390", "figures_numbered",
          "table_captions", "table_headers", "table_values", "tables_visible_1280", "tables_boxed_390",
          "table_rows", "axe", "language", "number_format")


def chromium_or_skip(need_axe: bool = False) -> tuple[str, str]:
    """Paths of the Chromium binary and chromedriver; skip (or fail with CI=true) if absent."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    drv = shutil.which("chromedriver")
    if importlib.util.find_spec("selenium") is None:
        exe = None
    missing = []
    if not (exe and drv):
        missing.append("headless Chromium (Debian packages 'chromium' and 'chromium-driver' and the "
                       "Python package selenium)")
    if need_axe and not AXE.is_file():
        missing.append(f"axe-core ({AXE.relative_to(REPO)}: run 'npm ci' in the repository)")
    if not missing:
        return exe, drv
    reason = "not available: " + "; ".join(missing)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def start_browser(exe: str, drv: str, profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = exe
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(drv), options=opts)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(180)
    return driver


def set_width(driver, width: int, height: int = 900) -> None:
    """A viewport ``width`` CSS px wide (a phone's, with its meta-viewport handling, below 600)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


def url_to_path(url: str) -> Path:
    parsed = urlparse(url)
    assert parsed.scheme == "file", f"link leaves the local report: {url}"
    return Path(unquote(parsed.path))


def page_problems(driver) -> list[str]:
    """Console errors, network fetches and broken images of the current page."""
    problems = []
    for entry in driver.get_log("browser"):
        if entry.get("level") in ("SEVERE", "ERROR"):
            problems.append(f"console: {entry.get('message')}")
    fetched = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => !n.startsWith('file:') && !n.startsWith('data:'))")
    problems += [f"network fetch: {u}" for u in fetched]
    images = driver.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight,"
        " i.getAttribute('alt') || '', i.getBoundingClientRect().width])")
    for k, (complete, w, h, alt, shown) in enumerate(images):
        if not complete or w == 0 or h == 0:
            problems.append(f"image {k} not loaded ({w}x{h})")
        if not alt.strip():
            problems.append(f"image {k} has no alt text")
        if shown <= 0:
            problems.append(f"image {k} is not displayed")
    return problems


def screenshot(driver, path: Path, width: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    set_width(driver, width, max(600, min(height, MAX_SHOT_HEIGHT)))
    driver.save_screenshot(str(path))
    set_width(driver, width)
    assert path.stat().st_size > 1000, f"{path} looks empty"
    return path


def axe_violations(driver) -> list[str]:
    """Critical and serious violations that axe-core finds on the current page."""
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v =>"
        " [v.id, v.impact, v.nodes.length, v.nodes.slice(0, 2).map(n => n.target.join(' '))])))"
        ".catch(e => done([['axe-error', 'serious', 0, [String(e)]]]));")
    return [f"{rule} ({impact}, {n} element(s), e.g. {'; '.join(where)})"
            for rule, impact, n, where in found if impact in ("critical", "serious")]


# -- what counts as a problem --------------------------------------------------------------------
MACHINE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$|^[a-z_]+:\S+$|^(?:True|False|None|nan|NaN|<NA>|NaT)$")
CODE_IN_CELL = re.compile(r"(?<![/\w.-])(?:True|False|None|nan|NaN|<NA>|NaT)(?![\w.])|\b[a-z]+_[a-z_]+:\w+"
                          r"|(?<![/\w.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./-])")
WORDS = {
    "en": {"the", "and", "of", "with", "is", "are", "was", "were", "which", "this", "that", "these", "those",
           "from", "not", "have", "has", "than", "their", "it", "its", "be", "or", "each", "every", "who",
           "what", "how", "does", "into", "only", "after", "between", "would"},
    "nb": {"og", "av", "med", "som", "er", "ikke", "det", "til", "på", "har", "ble", "hvor", "hva", "hvordan",
           "eller", "fra", "denne", "disse", "blir", "kan", "skal", "mellom", "etter", "når", "bare", "også",
           "enn", "ved", "seg", "kommunene", "gjelder", "bygger"},
}
#: Proper names, kept in their own language in both editions (not prose).
PROPER_NAMES = tuple(config.REGIONS) + ("Statistisk sentralbyrå", "Sosiale kommuner", "I all offentlighet",
                                        "Kilde:", "Vet ikke")
NUMBER_RULES = {
    "nb": [(re.compile(r"(?<![\d.])\d+\.\d+(?![\d.])"), "decimal point"),
           (re.compile(r"\d%"), "per cent sign without a space"),
           (re.compile(r"\d,\d{3},\d{3}"), "comma as thousands separator")],
    "en": [(re.compile(r"(?<![\d,])\d+,\d{1,2}(?![\d,])"), "decimal comma"),
           (re.compile(r"\d[\u00a0 ]%"), "space before the per cent sign"),
           (re.compile(r"\b\d{1,3}[\u00a0\u202f ]\d{3}\b"), "space as thousands separator")],
}


def foreign_prose(text: str, lang: str) -> bool:
    """Is ``text`` prose of the other language (two or more of its function words, more than ours)?"""
    for name in PROPER_NAMES:
        text = text.replace(name, " ")
    words = re.findall(r"[a-zæøå]+", text.lower())
    other = "en" if lang == "nb" else "nb"
    theirs = sum(w in WORDS[other] for w in words)
    ours = sum(w in WORDS[lang] for w in words)
    return theirs >= 2 and theirs > ours


def number_problems(text: str, lang: str) -> list[str]:
    text = re.sub(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b", " ", text)  # dates 1.1.2013
    return [f"{why}: {m.group(0)!r} in {text[:60]!r}" for rx, why in NUMBER_RULES[lang] for m in rx.finditer(text)]


def judge(name: str, lang: str, m1280: dict, m390: dict) -> dict[str, list[str]]:
    """The problems of one page for each check, from its measurements at both widths."""
    out = {c: [] for c in CHECKS}
    # a phone browser shows content wider than the screen by zooming out (innerWidth grows) or
    # by scrolling sideways (scrollWidth grows): either way the page is wider than the screen
    wide = max(m390["scroll_width"], m390["inner_width"])
    if wide > m390["width"] + 1:
        out["no_sideways_390"].append(f"page is {wide} px wide on a {m390['width']} px screen")
    for k, f in enumerate(m1280["figures"]):
        scale = f["rendered"] / f["natural"] if f["natural"] else 0
        if scale < FIGURE_MIN_SCALE - 0.005:
            out["figure_size_1280"].append(f"figure {k + 1}: shown {f['rendered']:.0f} of {f['natural']:.0f} px "
                                           f"({scale:.0%})")
        if not (f["in_figure"] and f["numbered"]) and not f["in_footer"]:
            out["figures_numbered"].append(f"image {k + 1} ({f['alt'][:40]!r}) is not in a numbered <figure>")
    for k, f in enumerate(m390["figures"]):
        scale = f["rendered"] / f["natural"] if f["natural"] else 0
        px = (f["text_px"] or LEGACY_TEXT_PX) * scale
        if px < FIGURE_MIN_TEXT_PX:
            out["figure_text_390"].append(f"figure {k + 1}: smallest text {px:.1f} px")
    for k, t in enumerate(m1280["tables"]):
        where = f"table {k + 1} ({t['caption'][:40]!r})" if t["caption"] else f"table {k + 1}"
        if not t["caption"]:
            out["table_captions"].append(f"table {k + 1} has no caption (headers {t['headers'][:3]})")
        if not t["in_main"]:
            continue
        bad = [h for h in t["headers"] if MACHINE.match(h)]
        if bad:
            out["table_headers"].append(f"{where}: {bad[:5]}")
        codes = sorted({m.group(0) for c in t["cells"] for m in CODE_IN_CELL.finditer(c)})
        if codes:
            out["table_values"].append(f"{where}: {codes[:6]}")
        if t["box_width"] is not None and t["box_scroll_width"] > t["box_width"] + 1:
            out["tables_visible_1280"].append(f"{where}: {t['box_scroll_width']} px in a {t['box_width']} px box")
        elif t["box_width"] is None and t["right"] > m1280["inner_width"] + 1:
            out["tables_visible_1280"].append(f"{where}: reaches {t['right']:.0f} px")
        if not t["hidden_rows"] and t["rows"] > tables.MAX_ROWS:
            out["table_rows"].append(f"{where}: {t['rows']} rows shown")
        for cell in t["cells"] + [t["caption"]]:
            out["number_format"] += number_problems(cell, lang)[:1]
    for k, t in enumerate(m390["tables"]):
        if not t["in_main"]:
            continue
        box_ok = t["box_role"] == "region" and t["box_tabindex"] == "0" and bool(t["box_label"])
        if t["width"] > (t["box_width"] or m390["column"]) + 1 and not box_ok:
            out["tables_boxed_390"].append(f"table {k + 1} ({t['caption'][:40]!r}): {t['width']} px, box "
                                           f"{t['box_width']} px role={t['box_role']} tabindex={t['box_tabindex']}")
    if m1280["lang"] != lang:
        out["language"].append(f"<html lang={m1280['lang']!r}>, expected {lang!r}")
    for b in m1280["blocks"]:
        if foreign_prose(b["text"], lang):
            out["language"].append(f"<{b['tag']}> {b['text'][:90]!r}")
        if b["tag"] in ("figcaption", "caption"):
            out["number_format"] += number_problems(b["text"], lang)[:1]
    out["number_format"] = sorted(set(out["number_format"]))[:8]
    out["language"] = out["language"][:8]
    return out


def pages_of(out: Path) -> list[tuple[str, str, Path]]:
    """``(edition, name, path)`` of every built page, contents pages first."""
    found = []
    for lang, folder in (("nb", out / "reports"), ("en", out / "reports" / "en")):
        files = sorted(folder.glob("*.html"), key=lambda p: (p.name != "index.html", p.name))
        found += [(lang, p.stem, p) for p in files]
    return found


def survey_pages(out: Path, shots: Path, exe: str, drv: str) -> dict[str, dict[str, list[str]]]:
    """Open every page at both widths; ``{"nb/09_size_differences": {check: [problems]}}``."""
    from selenium.webdriver.common.by import By

    profile = Path(tempfile.mkdtemp(prefix="sk-chromium-"))
    driver = start_browser(exe, drv, profile)
    results: dict[str, dict[str, list[str]]] = {}
    try:
        for lang, name, path in pages_of(out):
            key = f"{lang}/{name}"
            measured = {}
            problems: dict[str, list[str]] = {}
            axe: list[str] = []
            for width in WIDTHS:
                set_width(driver, width)
                driver.get_log("browser")  # what an earlier page logged is not this page's
                driver.get(path.as_uri())
                if width == WIDTHS[0]:
                    problems["loads"] = page_problems(driver)
                    if STUDY_TITLE not in driver.title:
                        problems["loads"].append(f"title {driver.title!r}")
                    nav = []
                    if name != "index":
                        links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "nav.sk-nav a")]
                        if not any(url_to_path(h).name == "index.html" for h in links):
                            nav.append("no link back to the contents")
                        nav += [f"navigation link does not resolve: {h}" for h in links if not url_to_path(h).is_file()]
                        if not driver.find_elements(By.CSS_SELECTOR, "footer .sk-provenance"):
                            nav.append("no provenance footer")
                    nav += [f"table link does not resolve: {h}" for h in
                            (a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "a[href$='.csv']"))
                            if not url_to_path(h).is_file()]
                    problems["navigation"] = nav
                measured[width] = driver.execute_script(MEASURE_JS, width)
                axe += [f"{width} px: {v}" for v in axe_violations(driver)]
                screenshot(driver, shots / lang / f"{name}-{width}.png", width)
            judged = judge(name, lang, measured[1280], measured[390])
            judged.update(problems)
            judged["axe"] = axe
            results[key] = judged
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    shots.mkdir(parents=True, exist_ok=True)
    (shots / "checks.json").write_text(json.dumps(results, indent=1, ensure_ascii=False, sort_keys=True),
                                       encoding="utf-8")
    return results


@pytest.fixture(scope="session")
def report_out(request) -> Path:
    """The output root whose pages are checked: the shared build, or ``$SOSIALE_KOMMUNER_REPORT_OUT``."""
    given = os.environ.get(REPORT_OUT_ENV, "").strip()
    if given:
        return Path(given)
    built = request.getfixturevalue("built")
    assert built.returncode == 0, f"the shared build failed:\n{built.stdout[-3000:]}"
    return Path(built.paths.out)


@pytest.fixture(scope="session")
def survey(report_out) -> dict[str, dict[str, list[str]]]:
    exe, drv = chromium_or_skip(need_axe=True)
    assert (report_out / "reports" / "index.html").is_file(), f"{report_out}/reports/index.html was not built"
    return survey_pages(report_out, report_out / "screenshots", exe, drv)


@pytest.mark.browser
@pytest.mark.pipeline
@pytest.mark.slow
@pytest.mark.parametrize("check", CHECKS)
def test_every_page(survey, check):
    bad = {page: found[check] for page, found in survey.items() if found[check]}
    assert not bad, f"{check} fails on {len(bad)} of {len(survey)} pages:\n" + "\n".join(
        f"  {page}: " + " | ".join(found[:4]) for page, found in sorted(bad.items()))


@pytest.mark.browser
@pytest.mark.pipeline
@pytest.mark.slow
def test_both_editions_every_chapter_and_screenshots(survey, report_out):
    pages = set(survey)
    assert {"nb/index", "en/index"} <= pages, sorted(pages)
    for lang in ("nb", "en"):
        chapters = {p.split("/")[1] for p in pages if p.startswith(f"{lang}/") and p != f"{lang}/index"}
        assert len(chapters) >= 1, f"no chapter pages in the {lang} edition"
    shots = list((report_out / "screenshots").rglob("*.png"))
    assert len(shots) == 2 * len(pages), f"{len(shots)} screenshots for {len(pages)} pages at 2 widths"


# -- the checks themselves: each must pass a good page and fail a bad one ---------------------------
def _png(width: int, height: int) -> str:
    import base64
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(width / 100, height / 100), dpi=100)
    fig.text(0.5, 0.5, "x")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _page(lang: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1.0">'
            f"<title>{STUDY_TITLE}</title><style>body {{ max-width: 60rem; margin: 0 auto; padding: 0 1.25rem; "
            f"font-family: sans-serif; }} .box {{ overflow-x: auto; }} img {{ max-width: 100%; height: auto; }}"
            f"</style></head><body><main>{body}</main>"
            f'<footer><p class="sk-provenance">The footer may say what it likes: the and of with.</p></footer>'
            f"</body></html>")


GOOD_NB = """<h1>Kommunene</h1><p>Tabellen viser hvor mange kommuner som svarte, og hva de svarte.</p>
<figure><img src="{png}" width="400" height="200" data-text-px="14" alt="Søylediagram over kommunene">
<figcaption><span class="sk-number">Figur 1.1.</span> Andel som svarte ja, 52 % (0,48–0,56).</figcaption></figure>
<div class="box" role="region" tabindex="0" aria-label="Tabell 1.1"><table><caption>Tabell 1.1. Svar</caption>
<thead><tr><th>Gruppe</th><th>Andel (95 % KI)</th></tr></thead>
<tbody><tr><td>Oslo og Akershus</td><td>81 % (76–86)</td></tr><tr><td>Ja</td><td>1 234</td></tr></tbody></table></div>"""
GOOD_EN = """<h1>The municipalities</h1><p>The table shows how many municipalities answered, and what they said.</p>
<div class="box" role="region" tabindex="0" aria-label="Table 1.1"><table><caption>Table 1.1. Answers</caption>
<thead><tr><th>Group</th><th>Share (95% CI)</th></tr></thead>
<tbody><tr><td>Oslo og Akershus</td><td>81% (76–86)</td></tr><tr><td>Yes</td><td>1,234</td></tr></tbody></table></div>"""
BAD_NB = """<h1>Kommunene</h1><p>The published claim of large variation is supported for these items only.</p>
<pre style="white-space: pre">{long}</pre>
<figure><img src="{png}" width="800" height="400" data-text-px="14" style="max-height: 60px; width: auto"
 alt="Et diagram"><figcaption>Uten nummer.</figcaption></figure>
<p><img src="{png}" width="800" height="400" alt="Løst bilde"><img src="missing.png" alt=""></p>
<table><thead><tr><th>unit_type</th><th>p_value</th></tr></thead><tbody>
<tr><td>True</td><td>0.52</td></tr><tr><td>diff_prop:True</td><td>rao_scott_f</td></tr></tbody></table>
<div class="box"><table style="width: 1600px"><caption>Tabell 1.2. Bred</caption><thead><tr><th>A</th></tr></thead>
<tbody>{rows}</tbody></table></div>"""


@pytest.mark.browser
def test_checks_pass_a_good_page_and_catch_a_bad_one(tmp_path):
    exe, drv = chromium_or_skip(need_axe=True)
    png = _png(800, 400)
    (tmp_path / "reports" / "en").mkdir(parents=True)
    (tmp_path / "reports" / "index.html").write_text(_page("nb", GOOD_NB.format(png=png)), encoding="utf-8")
    (tmp_path / "reports" / "en" / "index.html").write_text(_page("en", GOOD_EN), encoding="utf-8")
    bad = BAD_NB.format(png=png, long="x" * 300, rows="".join(f"<tr><td>{i}</td></tr>" for i in range(30)))
    (tmp_path / "reports" / "01_bad.html").write_text(_page("nb", bad), encoding="utf-8")
    found = survey_pages(tmp_path, tmp_path / "screenshots", exe, drv)
    for good in ("nb/index", "en/index"):
        assert {c: p for c, p in found[good].items() if p} == {}, good
    caught = {c for c, p in found["nb/01_bad"].items() if p}
    assert caught == set(CHECKS), f"not caught: {sorted(set(CHECKS) - caught)}; found {found['nb/01_bad']}"
    assert any("scrollable-region-focusable" in p for p in found["nb/01_bad"]["axe"])
    assert len(list((tmp_path / "screenshots").rglob("*.png"))) == 6


def toolkit_page(monkeypatch, out: Path) -> None:
    """Both editions of a chapter page made only with the toolkit (ChapterPage, tables, charts),
    with wide and long tables and every kind of chart, rendered by the real page template."""
    import nbformat
    import numpy as np
    import pandas as pd

    import IPython.display
    from sosiale_kommuner.data import codebook
    from sosiale_kommuner.report import chapter_page, charts, editions, figures, labels
    from sosiale_kommuner.report.book import Book, ChapterInfo

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, metadata=None: shown.append((obj.data, metadata)))
    monkeypatch.setenv(editions.EDITIONS_ENV, "nb,en")
    figures.use_style()
    book = codebook.load_codebook()
    options = [c for it in book.analysable_items() if it.is_multiple for c in it.columns][:20]
    rng = np.random.default_rng(7)
    est = rng.normal(0.05, 0.12, len(options))
    effects = pd.DataFrame({"item": options, "effect_size": est, "effect_ci_low": est - 0.15,
                            "effect_ci_high": est + 0.15, "p_adjusted": rng.uniform(0, 0.2, len(options)),
                            "n": 211, "test": "rao_scott_f"})
    groups = pd.DataFrame({"group": ["< 5 000", "5 000–19 999", "≥ 20 000"] * 10, "domain": "size_class",
                           "estimate": rng.uniform(0.1, 0.9, 30), "n_unweighted": [95, 70, 35] * 10})
    groups = groups.assign(ci_low=groups.estimate - 0.08, ci_high=groups.estimate + 0.08, suppressed=False,
                           row=[i // 3 for i in range(30)])

    def with_labels(df, lang):
        return df.assign(label=[book.option_label(c, lang) for c in df["item"]],
                         section=[labels.item(book, c.split("__")[0], lang) for c in df["item"]])

    page = editions.ChapterPage("00_population", "nb")
    page.title()
    page.text("intro", n_municipalities=428, n_county=18)
    cols = [tables.text("label", header="item"), tables.coded("test", labels.test_name),
            tables.estimate("effect_size", "effect_ci_low", "effect_ci_high", fmt="pp", header="effect"),
            tables.number("p_adjusted", fmt="p"), tables.number("n", fmt="int"), tables.text("section", header="item")]
    page.table(lambda lang: tables.Table(with_labels(effects, lang).head(30), lang, cols), label="t1",
               caption="checks", source="checks")
    page.table(lambda lang: tables.Table(pd.concat([with_labels(effects, lang)] * 2), lang, cols), label="t2",
               caption="regions", source="regions")
    page.figure(lambda lang: charts.forest(with_labels(effects, lang), lang, scale=100, axis="difference_pp",
                                           section="section", global_test=True),
                label="f1", caption="units_and_inhabitants", source="size_classes", classes="x")
    page.figure(lambda lang: charts.point_interval(groups.head(15).assign(label=[f"{labels.area(book, 1 + i // 3, lang)}"
                                                   for i in range(15)]), lang),
                label="f2", caption="region_by_size", regions="x")
    page.figure(lambda lang: charts.grouped_bars(groups.head(12).assign(label=[labels.area(book, 1 + i // 3, lang)
                                                 for i in range(12)]), lang, low="ci_low", high="ci_high",
                                                 n="n_unweighted"),
                label="f3", caption="region_by_size", regions="x")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": h}, metadata=m) for h, m in shown])]
    chapter = ChapterInfo("00_population", "Kommunene")
    (out / "reports" / "en").mkdir(parents=True, exist_ok=True)
    (out / "reports" / "tables").mkdir(exist_ok=True)
    for name in ("checks", "regions", "size_classes"):
        (out / "reports" / "tables" / f"00_population__{name}.csv").write_text("x\n1\n")
    for lang, folder in (("nb", out / "reports"), ("en", out / "reports" / "en")):
        footer = '<div class="sk-provenance"><p>Footer.</p></div>'
        html = chapter_page.render_chapter(nb, chapter, book=Book.of([chapter]), synthetic=True, footer=footer,
                                           lang=lang)
        (folder / "00_population.html").write_text(html, encoding="utf-8")


@pytest.mark.browser
def test_a_page_made_with_the_toolkit_passes_every_check(tmp_path, monkeypatch):
    exe, drv = chromium_or_skip(need_axe=True)
    toolkit_page(monkeypatch, tmp_path)
    (tmp_path / "reports" / "index.html").write_text(_page("nb", GOOD_NB.format(png=_png(400, 200))), encoding="utf-8")
    (tmp_path / "reports" / "en" / "index.html").write_text(_page("en", GOOD_EN), encoding="utf-8")
    for name in ("methods", "glossary", "questionnaire"):   # the book's own pages, linked from the frame
        (tmp_path / "reports" / f"{name}.html").write_text(_page("nb", GOOD_NB.format(png=_png(400, 200))),
                                                           encoding="utf-8")
        (tmp_path / "reports" / "en" / f"{name}.html").write_text(_page("en", GOOD_EN), encoding="utf-8")
    found = survey_pages(tmp_path, tmp_path / "screenshots", exe, drv)
    failing = {page: {c: p for c, p in checks.items() if p} for page, checks in found.items()
               if page.split("/")[-1] not in ("methods", "glossary", "questionnaire")}   # stand-ins only
    assert all(not f for f in failing.values()), failing


@pytest.mark.browser
def test_offline_blocks_network():
    """The flags really cut the network: a page that fetches a remote script logs an error."""
    exe, drv = chromium_or_skip()
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "remote.html"
        page.write_text('<!DOCTYPE html><html><head><title>t</title>'
                        '<script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.1.10/require.min.js">'
                        '</script></head><body><img alt="x" src="https://www.ssb.no/x.png"></body></html>')
        driver = start_browser(exe, drv, Path(tmp) / "profile")
        try:
            driver.get(page.as_uri())
            problems = page_problems(driver)
            loaded = driver.execute_script("return typeof window.require")
        finally:
            driver.quit()
    assert loaded == "undefined", "the remote script must not load"
    assert any("not loaded" in p for p in problems)
    assert any(p.startswith(("console:", "network fetch:")) for p in problems)
