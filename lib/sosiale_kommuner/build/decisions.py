"""Whether a chapter must run, and why.

A chapter runs when its fingerprint (:mod:`.hashing`: the code hash of its cells and the
``lib/`` modules they import, its parameters, its raw files and its processed inputs)
differs from the last successful run's, when an output of that run is missing or was
changed since, or when only the report's layout changed (then it is re-exported, not
re-executed). The reason is said in words: "notebook changed", "lib changed: design",
"parameters changed: replicates 30→20", "raw file changed: survey/main_survey.csv".
"""
from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from sosiale_kommuner import config

from . import hashing
from .graph import Chapter, Project


def _literal(default: str) -> Any:
    try:
        return ast.literal_eval(default)
    except (ValueError, SyntaxError):
        return default


def declared_parameters(project: Project, stem: str, cache: dict | None = None) -> dict[str, Any]:
    """Parameters notebook ``stem`` declares, with their default values.

    Read with ``papermill.inspect_notebook``; cached by the hash of the notebook's cells
    (``cache``, a dict the caller persists), because importing papermill takes seconds.
    """
    key = hashing.hash_json(hashing.notebook_cells(stem, project.notebook_dir))
    if cache is not None and cache.get(stem, {}).get("notebook") == key:
        raw = cache[stem]["parameters"]
    else:
        import papermill

        info = papermill.inspect_notebook(str(project.notebook(stem)))
        raw = {name: str(p.get("default", "None")) for name, p in info.items()}
        if cache is not None:
            cache[stem] = {"notebook": key, "parameters": raw}
    return {name: _literal(default) for name, default in sorted(raw.items())}



@dataclass
class Decision:
    """Whether a chapter runs and why."""

    stem: str
    run: bool
    reason: str
    fingerprint: str
    parts: dict[str, Any]
    params: dict[str, Any]          # effective, public (the footer's)
    overrides: dict[str, Any]       # passed to papermill
    export_only: bool = False
    code: dict[str, Any] = field(default_factory=dict)   # code_parts when it runs


def _short(module: str) -> str:
    """``sosiale_kommuner.survey.design`` -> ``design``; a package data file -> ``text nb/09.yaml``."""
    name, _, data = module.partition(":")
    short = name.rpartition(".")[2] or name
    return f"{short} {data}" if data else short


def _explain(old: Mapping[str, Any], parts: Mapping[str, Any], code: Mapping[str, Any]) -> list[str]:
    why: list[str] = []
    oc = old.get("code_parts", {})
    if old.get("parts", {}).get("code") != parts["code"]:
        if oc.get("notebook") != code["notebook"]:
            why.append("notebook changed")
        om, nm = oc.get("modules", {}), code["modules"]
        mods = sorted(m for m in set(om) | set(nm) if om.get(m) != nm.get(m))
        if mods:
            why.append("lib changed: " + ", ".join(_short(m) for m in mods))
        if not why:
            why.append("code changed")
    op, np_ = old.get("parts", {}).get("params", {}), parts["params"]
    changed = [k for k in sorted(set(op) | set(np_)) if op.get(k) != np_.get(k)]
    if changed:
        why.append("parameters changed: " + ", ".join(
            f"{k} {json.dumps(op.get(k))}→{json.dumps(np_.get(k))}" for k in changed))
    for kind, label in (("raw", "raw file"), ("inputs", "input")):
        o, n = old.get("parts", {}).get(kind, {}), parts[kind]
        diff = [k for k in sorted(set(o) | set(n)) if o.get(k) != n.get(k)]
        if diff:
            why.append(f"{label}{'s' * (len(diff) > 1)} changed: " + ", ".join(diff))
    return why


def _outputs_problem(out: Path, outputs: Mapping[str, str]) -> str | None:
    for rel, digest in sorted(outputs.items()):
        p = out / rel
        if not p.is_file():
            return f"output missing: {rel}"
        if hashing.sha256_file(p) != digest:
            return f"output changed since it was written: {rel}"
    return None


def decide(project: Project, chapter: Chapter, paths: config.Paths, overrides: Mapping[str, Any],
           declared: Mapping[str, Any], record: Mapping[str, Any] | None, *, force: bool,
           export_hash: str) -> Decision:
    """Must ``chapter`` run, and why? (Call after the chapters it reads from have run.)"""
    mine = {k: v for k, v in overrides.items() if k in declared}
    params = hashing.public_params({**declared, **mine})
    parts = hashing.fingerprint_parts(chapter, paths, params, notebook_dir=project.notebook_dir,
                                      package_dir=project.package_dir)
    fp = hashing.hash_json(parts)
    d = Decision(chapter.stem, True, "", fp, parts, params, hashing.public_params(mine))
    if force:
        d.reason = "--force"
    elif not record:
        d.reason = "no successful run recorded in this output folder"
    elif record.get("fingerprint") != fp:
        d.code = code_parts(project, chapter.stem)
        d.reason = "; ".join(_explain(record, parts, d.code)) or "fingerprint changed"
    elif problem := _outputs_problem(paths.out, record.get("outputs", {})):
        d.reason = problem
    elif record.get("export_hash") != export_hash:
        d.reason, d.export_only = "report layout changed (re-export only)", True
    else:
        d.run, d.reason = False, "up to date"
    if d.run and not d.code:
        d.code = code_parts(project, chapter.stem)
    return d


def code_parts(project: Project, stem: str) -> dict[str, Any]:
    """Hash of the notebook's cells and of each lib module it uses (to say what changed)."""
    mods = hashing.lib_modules(stem, notebook_dir=project.notebook_dir, package_dir=project.package_dir)
    pdir = Path(project.package_dir)
    return {
        "notebook": hashing.hash_json(hashing.notebook_cells(stem, project.notebook_dir)),
        "modules": hashing.module_digests(mods, pdir),
    }

