#!/usr/bin/env python
"""Benchmark the simulations of chapters 11 and 10, run by hand (not a test):

    .venv/bin/python benchmarks/bench_simulation.py [--replicates 1000] [--reference-replicates 1000]
                                                    [--ame-replicates 1000] [--ame-reference-replicates 200]
                                                    [--workers 2] [--repeat 1] [--chapter]

Side by side, in one run, on the same seeds:

(1) chapter 11's replicate loop, ``replicates`` replicates of each scenario (both scenarios
    together), with the batched engine (``simulation.run_study``, the default) and with the
    per-item engine (``engine="per_item"``: the implementation before batching, one column at
    a time) on the first ``reference-replicates`` of them; the numbers of the two on the
    common replicates are compared (largest relative difference of every field);
(2) chapter 10's AME simulation (``involvement_simulation.run``, target included), batched
    and per replicate (``engine="per_replicate"``), compared on their common replicates;
(3) with ``--chapter``: ``run_all.py --only 11 --force`` into a fresh output root, with the
    chapter's default parameters, and the chapter's time as run_all reports it.

It prints wall times (min / median / max over ``--repeat`` runs), the CPU seconds of all
processes (less sensitive to other load on a shared machine than wall time) and the load
average before and after, so that a measurement on a busy machine can be read as such.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sosiale_kommuner import config
from sosiale_kommuner.chapters import involvement_simulation, simulation, simulation_replicates
from sosiale_kommuner.data import codebook as cbm
from sosiale_kommuner.data import frame, synth


def cpu_seconds() -> float:
    """User + system CPU of this process and its finished children."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"{platform.system()} {platform.release()}, {model}, {os.cpu_count()} logical cores; " \
           f"Python {platform.python_version()}"


def timed(fn, repeat: int):
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        c0, t0 = cpu_seconds(), time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
    return out, walls, cpus


def summary(xs) -> str:
    return f"min {min(xs):7.1f} s   median {statistics.median(xs):7.1f} s   max {max(xs):7.1f} s"


def max_rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        return float("inf")
    ok = ~np.isnan(a)
    if not ok.any():
        return 0.0
    return float(np.max(np.abs(a[ok] - b[ok]) / np.maximum(np.abs(a[ok]), 1e-12)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicates", type=int, default=1000, help="chapter 11, per scenario (default 1000)")
    ap.add_argument("--reference-replicates", type=int, default=1000,
                    help="chapter 11 per-item engine, per scenario (default 1000; ~15 min on 2 idle cores)")
    ap.add_argument("--ame-replicates", type=int, default=1000, help="chapter 10 (default 1000)")
    ap.add_argument("--ame-reference-replicates", type=int, default=200,
                    help="chapter 10 per-replicate engine (default 200, the chapter's old default)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each batched measurement (default 1)")
    ap.add_argument("--chapter", action="store_true", help="also time run_all.py --only 11 --force")
    args = ap.parse_args()

    P = config.paths()
    params, book = synth.load_params(P.survey / synth.PARAMS_FILE), cbm.load_codebook(P.raw)
    pop = frame.load_population(P.frame)
    print(f"Machine: {machine()}\nAt start: {load()}\n")

    # (1) chapter 11's replicate loop
    kw = dict(params=params, codebook=book, population=pop, workers=args.workers)
    study, walls, cpus = timed(lambda: simulation.run_study(args.replicates, **kw), args.repeat)
    loops = [study.seconds] if args.repeat == 1 else walls
    print(f"(1) chapter 11, {args.replicates} replicates x 2 scenarios, batched, {args.workers} workers")
    print(f"    replicate loop {summary(loops)}; whole call {summary(walls)}; CPU {statistics.median(cpus):.1f} s")
    if args.reference_replicates:
        c0 = cpu_seconds()
        ref = simulation.run_study(args.reference_replicates, engine="per_item", **kw)
        r = args.reference_replicates
        print(f"    per-item engine, {r} replicates x 2 scenarios: replicate loop {ref.seconds:.1f} s "
              f"(CPU {cpu_seconds() - c0:.1f} s); {ref.seconds / (2 * r):.3f} s per replicate, "
              f"{ref.seconds / (2 * r) * 2 * args.replicates:.0f} s for {args.replicates} x 2")
        new = study.tests[study.tests["replicate"] < r].reset_index(drop=True)
        keys = ["scenario", "seed", "comparison", "item"]
        assert new[keys].equals(ref.tests[keys]), "the two engines tested different rows"
        worst = {f: max_rel_diff(ref.tests[f], new[f]) for f in simulation_replicates.TEST_FIELDS}
        print("    largest relative difference, batched vs per-item: "
              + ", ".join(f"{k} {v:.1e}" for k, v in worst.items()))
        print(f"    speed-up of the replicate loop: {ref.seconds / (2 * r) / (loops[0] / (2 * args.replicates)):.1f}x")
    print(f"    {load()}\n")

    # (2) chapter 10's AME simulation
    akw = dict(seed=2013, processes=min(args.workers, 2), codebook=book)
    sim, walls, cpus = timed(lambda: involvement_simulation.run(pop, params, replicates=args.ame_replicates, **akw),
                             args.repeat)
    print(f"(2) chapter 10 AME simulation, {args.ame_replicates} replicates + target, batched: {summary(walls)}; "
          f"CPU {statistics.median(cpus):.1f} s")
    if args.ame_reference_replicates:
        r = args.ame_reference_replicates
        c0, t0 = cpu_seconds(), time.perf_counter()
        old = involvement_simulation.run(pop, params, replicates=r, engine="per_replicate", **akw)
        dt = time.perf_counter() - t0
        print(f"    per replicate, {r} replicates + target: {dt:.1f} s (CPU {cpu_seconds() - c0:.1f} s)")
        new = sim.replicates[sim.replicates["replicate"] < r].reset_index(drop=True)
        worst = {f: max_rel_diff(old.replicates[f], new[f]) for f in ("estimate", "se", "ci_low", "ci_high")}
        print("    largest relative difference, batched vs per replicate: "
              + ", ".join(f"{k} {v:.1e}" for k, v in worst.items())
              + f"; target {max_rel_diff(old.truth['truth'], sim.truth['truth']):.1e}")
    print(f"    {load()}\n")

    # (3) the whole chapter
    if args.chapter:
        with tempfile.TemporaryDirectory(prefix="sk-bench-sim-") as tmp:
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, str(config.REPO_ROOT / "run_all.py"), "--only", "11", "--force",
                                   "--out-dir", tmp], capture_output=True, text=True, cwd=config.REPO_ROOT)
            dt = time.perf_counter() - t0
            line = next((x for x in proc.stdout.splitlines() if "11_simulation" in x and " ok " in x), proc.stdout)
            print(f"(3) run_all.py --only 11 --force (default parameters): {dt:.1f} s in all; {line.strip()}")
            print(f"    {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
