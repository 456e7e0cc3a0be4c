"""The report in a real browser: headless Debian Chromium, networking off.

Opens ``reports/index.html`` of the session's shared build (fixture ``built`` from
``tests/conftest.py``) over ``file://``, follows every chapter link, and checks on every
page: no console errors, no resource fetched from a network, every ``<img>`` loaded with a
non-zero size, and the navigation links (previous / contents / next) and table links
resolve to files. Screenshots: ``<out>/screenshots/index.png`` and
``<out>/screenshots/chapter-<stem>.png``.

Needs the Debian packages ``chromium`` and ``chromium-driver``. Without them the test
skips with that reason, unless ``CI=true``, where it fails.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from sosiale_kommuner import STUDY_TITLE

pytestmark = [pytest.mark.browser, pytest.mark.pipeline, pytest.mark.slow]

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


def chromium_or_skip() -> tuple[str, str]:
    """Paths of the Chromium binary and chromedriver; skip (or fail with CI=true) if absent."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    drv = shutil.which("chromedriver")
    if importlib.util.find_spec("selenium") is None:
        exe = None
    if exe and drv:
        return exe, drv
    reason = ("headless Chromium not available (need Debian packages 'chromium' and "
              "'chromium-driver' and the Python package selenium)")
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
    return driver


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


def screenshot(driver, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(1366, max(900, min(height, MAX_SHOT_HEIGHT)))
    driver.save_screenshot(str(path))
    driver.set_window_size(1366, 900)
    assert path.stat().st_size > 1000, f"{path} looks empty"
    return path


def check_report(out: Path, shots: Path, exe: str, drv: str) -> dict:
    """Drive Chromium through ``<out>/reports``; return what was visited and saved."""
    from selenium.webdriver.common.by import By

    index = (out / "reports" / "index.html").resolve()
    assert index.is_file(), f"{index} was not built"
    profile = Path(tempfile.mkdtemp(prefix="sk-chromium-"))
    driver = start_browser(exe, drv, profile)
    visited: dict[str, list[str]] = {}
    saved: list[Path] = []
    try:
        driver.get(index.as_uri())
        assert STUDY_TITLE in driver.title
        problems = page_problems(driver)
        saved.append(screenshot(driver, shots / "index.png"))
        links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "table.sk-chapters a")]
        table_links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "a[href$='.csv']")]
        visited["index.html"] = problems
        for href in table_links:
            if not url_to_path(href).is_file():
                problems.append(f"table link does not resolve: {href}")
        built_pages = sorted(p.name for p in (out / "reports").glob("*.html") if p.name != "index.html")
        assert sorted(url_to_path(h).name for h in links) == built_pages, "every built chapter is linked"
        for href in links:
            page = url_to_path(href)
            driver.get(href)
            probs = page_problems(driver)
            assert STUDY_TITLE in driver.title, f"{page.name}: title {driver.title!r}"
            navs = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "nav.sk-nav a")]
            if not any(url_to_path(h).name == "index.html" for h in navs):
                probs.append("no link back to the contents")
            for h in navs:
                if not url_to_path(h).is_file():
                    probs.append(f"navigation link does not resolve: {h}")
            if not driver.find_elements(By.CSS_SELECTOR, "footer .sk-provenance"):
                probs.append("no provenance footer")
            saved.append(screenshot(driver, shots / f"chapter-{page.stem}.png"))
            visited[page.name] = probs
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return {"visited": visited, "screenshots": saved}


def test_report_in_headless_chromium(built):
    exe, drv = chromium_or_skip()
    assert built.returncode == 0, f"the shared build failed:\n{built.stdout[-3000:]}"
    out = Path(built.paths.out)
    result = check_report(out, out / "screenshots", exe, drv)
    bad = {page: probs for page, probs in result["visited"].items() if probs}
    assert not bad, bad
    assert len(result["visited"]) >= 2, "the index and at least one chapter"
    names = {p.name for p in result["screenshots"]}
    assert "index.png" in names and any(n.startswith("chapter-") for n in names)


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
