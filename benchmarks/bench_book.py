"""What the book step costs after the chapters: contents, book pages and PDFs (run by hand).

Times, on an output root that a full build made (``--out``), each part of
:func:`sosiale_kommuner.build.book.update_book` on its own, repeated:

* (a) the contents page of both editions (``index_page.write_index``, second call in a fresh
  process, as for the baseline);
* (b) the methods, questionnaire and glossary pages of both editions;
* (c) the PDF of both editions (two Chromium prints each), when Chromium is there;

and, with ``--baseline LIB`` (the ``lib`` folder of another checkout, e.g. the main
branch's), the same output root's contents page as that code writes it, in a subprocess —
the step as it was before. It also prints the size of every page of both editions
(KB per page), and exports one chapter (``--chapter``) from its stored executed notebook
with this code and the baseline's, to show what the frame adds to a chapter's export.

    .venv/bin/python benchmarks/bench_book.py --out /tmp/sk --repeat 3 --baseline ../main/lib

It writes into ``--out`` (the same files the build writes); use a scratch build.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASELINE_INDEX = """
import sys, time
from sosiale_kommuner import config
from sosiale_kommuner.build.graph import Project
from sosiale_kommuner.report import index_page
P = config.paths(None, sys.argv[1])
index_page.write_index(P, Project().book())          # warm: imports, templates
t = time.perf_counter()
index_page.write_index(P, Project().book())
print(time.perf_counter() - t)
"""

EXPORT = """
import sys, time, nbformat
from sosiale_kommuner import config
from sosiale_kommuner.build.graph import Project
from sosiale_kommuner.report import chapter_page
P = config.paths(None, sys.argv[1])
stem, proj = sys.argv[2], Project()
nb = nbformat.read(P.pipeline_state / "executed" / f"{stem}.ipynb", as_version=4)
chapter_page.export_chapter(nb, proj.info(stem), P, {}, book=proj.book(), code_hash="x", raw_checksums={})
t = time.perf_counter()
chapter_page.export_chapter(nb, proj.info(stem), P, {}, book=proj.book(), code_hash="x", raw_checksums={})
print(time.perf_counter() - t)
"""


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def in_subprocess(code: str, lib: str, *args: str, repeat: int) -> list[float]:
    env = dict(os.environ, PYTHONPATH=lib)
    return [float(subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True,
                                 check=True).stdout.strip().splitlines()[-1]) for _ in range(repeat)]


def show(label: str, times: list[float]) -> None:
    print(f"{label:<48} min {min(times):6.2f} s  median {statistics.median(times):6.2f} s  "
          f"max {max(times):6.2f} s  (n={len(times)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="output root of a full build (written to)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--baseline", help="lib folder of the code to compare with (its contents page)")
    ap.add_argument("--chapter", default="09_size_differences", help="chapter whose export is timed")
    ap.add_argument("--no-pdf", action="store_true")
    opts = ap.parse_args()

    from sosiale_kommuner import config
    from sosiale_kommuner.build.graph import Project
    from sosiale_kommuner.report import book_pages, pdf

    P, book = config.paths(None, opts.out), Project().book()
    here = str(Path(__file__).resolve().parents[1] / "lib")
    if opts.baseline:
        show("baseline: contents page", in_subprocess(BASELINE_INDEX, opts.baseline, opts.out, repeat=opts.repeat))
    show("(a) contents page, both editions", in_subprocess(BASELINE_INDEX, here, opts.out, repeat=opts.repeat))
    show("(b) methods, questionnaire, glossary, both", timed(lambda: book_pages.write_book_pages(P, book), opts.repeat))
    if opts.no_pdf or pdf.unavailable():
        print(f"(c) PDF skipped: {pdf.unavailable() or '--no-pdf'}")
    else:
        show("(c) PDF, both editions", timed(lambda: pdf.write_pdfs(P, book), opts.repeat))
    if opts.baseline:
        show(f"baseline: export of {opts.chapter}", in_subprocess(EXPORT, opts.baseline, opts.out, opts.chapter,
                                                                    repeat=opts.repeat))
    show(f"this code: export of {opts.chapter} (both editions)", in_subprocess(EXPORT, here, opts.out, opts.chapter,
                                                                             repeat=opts.repeat))
    print("\nKB per page (nb / en):")
    for page in sorted(P.reports.glob("*.html")) + sorted(P.reports.glob("*.pdf")):
        twin = P.reports / "en" / page.name
        en = f"{twin.stat().st_size / 1000:8.1f}" if twin.is_file() else "       –"
        print(f"  {page.name:<32} {page.stat().st_size / 1000:8.1f} {en}")


if __name__ == "__main__":
    main()
