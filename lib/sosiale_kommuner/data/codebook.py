"""The questionnaire, defined once: ``<raw>/survey/codebook.yaml``.

The codebook lists every item of the three surveys (step-1 respondent mapping
``mapping``, ``presurvey``, ``main``) with its area (1-9, 0 = background), type, Norwegian
wording, English label, codes and value labels, "Vet ikke" code, routing filter and
export header. Labels in tables and figures come from here, in the language of a
``lang`` parameter (``"nb"`` or ``"en"``).

Typed data (the processed tables and the generator's in-memory tables) follow one
convention, implemented by :mod:`sosiale_kommuner.data.typed`.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

CODEBOOK_FILE = "codebook.yaml"
LANGS = ("nb", "en")
SURVEYS = ("mapping", "presurvey", "main")
TYPES = ("single", "multiple", "likert5", "integer", "number", "year", "text")
CATEGORICAL_TYPES = ("single", "likert5")
NUMERIC_TYPES = ("integer", "number", "year")
DONT_KNOW = "dont_know"
OPTION_SEP = "__"
_ID_RE = re.compile(r"[a-z][a-z0-9_]*")


class CodebookError(ValueError):
    """The codebook file is malformed, or an item/level asked for does not exist."""


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    return lang


@dataclass(frozen=True)
class Code:
    """One answer code of a single-choice or Likert item."""

    code: int
    key: str
    nb: str
    en: str

    def label(self, lang: str = "en") -> str:
        return getattr(self, _check_lang(lang))


@dataclass(frozen=True)
class Option:
    """One option of a multiple-choice item (its own column ``<item>__<key>``)."""

    item: str
    key: str
    nb: str
    en: str

    @property
    def column(self) -> str:
        return f"{self.item}{OPTION_SEP}{self.key}"

    def label(self, lang: str = "en") -> str:
        return getattr(self, _check_lang(lang))


@dataclass(frozen=True)
class Item:
    """One question of the codebook."""

    id: str
    area: int
    surveys: tuple[str, ...]
    type: str
    qno: str
    header: str
    nb: str
    en: str
    codes: tuple[Code, ...] = ()
    options: tuple[Option, ...] = ()
    dont_know: int | None = None
    ordered: bool = False
    filter_item: str | None = None
    filter_codes: tuple[int, ...] = ()
    min: float | None = None
    max: float | None = None
    personal: bool = False
    missing_codes: tuple[str, ...] = ()

    # -- labels ------------------------------------------------------------------
    def label(self, lang: str = "en") -> str:
        """The item's label: the English label or the Norwegian wording."""
        return getattr(self, _check_lang(lang))

    @property
    def is_categorical(self) -> bool:
        return self.type in CATEGORICAL_TYPES

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def is_multiple(self) -> bool:
        return self.type == "multiple"

    @property
    def is_ordered(self) -> bool:
        return self.type == "likert5" or self.ordered

    @property
    def has_dont_know(self) -> bool:
        return self.dont_know is not None

    # -- levels --------------------------------------------------------------------
    @property
    def level_keys(self) -> list[str]:
        """All level keys in code order, "Vet ikke" (``dont_know``) last if present."""
        sub = [c.key for c in self.codes if c.code != self.dont_know]
        return sub + ([DONT_KNOW] if self.has_dont_know else [])

    @property
    def substantive_keys(self) -> list[str]:
        """Level keys without "Vet ikke": the denominators of substantive percentages."""
        return [c.key for c in self.codes if c.code != self.dont_know]

    @property
    def code_to_key(self) -> dict[int, str]:
        return {c.code: c.key for c in self.codes}

    @property
    def key_to_code(self) -> dict[str, int]:
        return {c.key: c.code for c in self.codes}

    @property
    def substantive_codes(self) -> list[int]:
        return [c.code for c in self.codes if c.code != self.dont_know]

    def level_label(self, key: str, lang: str = "en") -> str:
        """Label of one level (a code key, or an option key for multiple-choice items)."""
        for c in self.codes:
            if c.key == key:
                return c.label(lang)
        for o in self.options:
            if o.key == key or o.column == key:
                return o.label(lang)
        raise CodebookError(f"item {self.id!r} has no level {key!r}; levels: {self.level_keys or [o.key for o in self.options]}")

    @property
    def dtype(self) -> pd.api.types.CategoricalDtype | str:
        """The pandas dtype of the item's typed column (options: ``"boolean"``)."""
        if self.is_categorical:
            return pd.CategoricalDtype(self.level_keys, ordered=self.is_ordered)
        if self.is_multiple:
            return "boolean"
        if self.type in ("integer", "year"):
            return "Int64"
        if self.type == "number":
            return "Float64"
        return "string"

    # -- columns -----------------------------------------------------------------
    @property
    def columns(self) -> list[str]:
        """Typed column names: the option columns of a multiple-choice item, else ``[id]``."""
        if self.is_multiple:
            return [o.column for o in self.options]
        return [self.id]

    def export_header(self, option: Option | None = None) -> str:
        """Header of the item's column in a survey-tool export ("<qno> <header>[: <option>]")."""
        base = f"{self.qno} {self.header}"
        return f"{base}: {option.nb}" if option is not None else base

    @property
    def export_headers(self) -> list[str]:
        if self.is_multiple:
            return [self.export_header(o) for o in self.options]
        return [self.export_header()]


@dataclass(frozen=True)
class Codebook:
    """The parsed codebook. Build with :func:`load_codebook`."""

    items_by_id: dict[str, Item]
    areas: dict[int, dict[str, str]]
    meta: dict = field(default_factory=dict)
    source: str = CODEBOOK_FILE

    # -- look-ups ----------------------------------------------------------------
    def item(self, item_id: str) -> Item:
        """The item with this id; also accepts an option column ``<item>__<option>``."""
        if item_id in self.items_by_id:
            return self.items_by_id[item_id]
        base = item_id.split(OPTION_SEP)[0]
        if OPTION_SEP in item_id and base in self.items_by_id:
            return self.items_by_id[base]
        raise CodebookError(f"{self.source}: no item {item_id!r}")

    def items(self, area: int | None = None, survey: str | None = None,
              type: str | tuple[str, ...] | None = None) -> list[Item]:
        """Items in codebook order, optionally of one area, survey and/or type(s)."""
        types = (type,) if isinstance(type, str) else type
        out = []
        for it in self.items_by_id.values():
            if area is not None and it.area != area:
                continue
            if survey is not None and survey not in it.surveys:
                continue
            if types is not None and it.type not in types:
                continue
            out.append(it)
        return out

    def shared_items(self) -> list[Item]:
        """Items asked in both the pre-survey and the main survey."""
        return [it for it in self.items_by_id.values() if {"presurvey", "main"} <= set(it.surveys)]

    def analysable_items(self) -> list[Item]:
        """Items of areas 1-9 of the main survey that tests cover (docs/contracts.md §6):
        single, multiple, Likert and numeric; not free text, identifiers or background."""
        return [it for it in self.items(survey="main") if 1 <= it.area <= 9 and it.type != "text"]

    def options(self, item_id: str) -> list[Option]:
        return list(self.item(item_id).options)

    def label(self, item_or_column: str, lang: str = "en") -> str:
        """Label of an item, or "<item label>: <option label>" for an option column."""
        it = self.item(item_or_column)
        if OPTION_SEP in item_or_column and item_or_column not in self.items_by_id:
            key = item_or_column.split(OPTION_SEP, 1)[1]
            return f"{it.label(lang)}: {it.level_label(key, lang)}"
        return it.label(lang)

    def option_label(self, column: str, lang: str = "en") -> str:
        """Label of just the option of an option column ``<item>__<option>``."""
        it = self.item(column)
        return it.level_label(column.split(OPTION_SEP, 1)[1], lang)

    def level_label(self, item_id: str, level: str, lang: str = "en") -> str:
        """Label of a level key (``"dont_know"`` -> "Vet ikke"/"Don't know")."""
        return self.item(item_id).level_label(level, lang)

    def area_label(self, area: int, lang: str = "en") -> str:
        return self.areas[int(area)][_check_lang(lang)]

    def dont_know_label(self, lang: str = "en") -> str:
        return {"nb": "Vet ikke", "en": "Don't know"}[_check_lang(lang)]

    @property
    def missing_codes(self) -> dict[str, str]:
        """Export codes that mean missing -> key (``not_shown``, ``no_answer``)."""
        return {str(k): v["key"] for k, v in self.meta.get("missing_codes", {}).items()}

    @property
    def export_columns(self) -> dict[str, str]:
        """Fixed (non-item) export columns: role -> header."""
        return dict(self.meta["export_columns"])

    def typed_columns(self, survey: str = "main") -> list[str]:
        """All typed column names of a survey's items, in codebook order."""
        return [c for it in self.items(survey=survey) for c in it.columns]

    def column_map(self, survey: str) -> dict[str, tuple[Item, Option | None]]:
        """Export header -> (item, option or None) for every item column of ``survey``."""
        out: dict[str, tuple[Item, Option | None]] = {}
        for it in self.items(survey=survey):
            if it.is_multiple:
                for o in it.options:
                    out[it.export_header(o)] = (it, o)
            else:
                out[it.export_header()] = (it, None)
        return out


def _parse_codes(raw: dict, where: str) -> tuple[Code, ...]:
    codes = []
    for code, spec in raw.items():
        try:
            codes.append(Code(int(code), str(spec["key"]), str(spec["nb"]), str(spec["en"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise CodebookError(f"{where}: code {code!r} needs key, nb and en ({exc})") from None
    keys = [c.key for c in codes]
    if len(set(keys)) != len(keys):
        raise CodebookError(f"{where}: duplicate level keys {keys}")
    return tuple(codes)


def parse_codebook(doc: dict, source: str = CODEBOOK_FILE) -> Codebook:
    """Build a :class:`Codebook` from the parsed YAML document (checks every item)."""
    value_sets = doc.get("value_sets", {}) or {}
    meta = doc.get("meta", {}) or {}
    default_missing = tuple(str(k) for k in meta.get("missing_codes", {}))
    areas = {int(k): v for k, v in (doc.get("areas") or {}).items()}
    items: dict[str, Item] = {}
    for i, spec in enumerate(doc.get("items") or []):
        where = f"{source}: item #{i + 1} ({spec.get('id', '?')})"
        for req in ("id", "area", "survey", "type", "qno", "header", "nb", "en"):
            if req not in spec:
                raise CodebookError(f"{where}: field {req!r} missing")
        iid = str(spec["id"])
        if not _ID_RE.fullmatch(iid) or OPTION_SEP in iid:
            raise CodebookError(f"{where}: id must be lower-case snake_case without '__'")
        if iid in items:
            raise CodebookError(f"{where}: duplicate id {iid!r}")
        typ = spec["type"]
        if typ not in TYPES:
            raise CodebookError(f"{where}: type {typ!r} not one of {TYPES}")
        area = int(spec["area"])
        if area not in areas:
            raise CodebookError(f"{where}: area {area} not among {sorted(areas)}")
        surveys = tuple(spec["survey"]) if isinstance(spec["survey"], list) else (spec["survey"],)
        if not set(surveys) <= set(SURVEYS):
            raise CodebookError(f"{where}: survey {surveys} not within {SURVEYS}")
        codes: tuple[Code, ...] = ()
        dont_know = spec.get("dont_know")
        ordered = bool(spec.get("ordered", False))
        if "values" in spec:
            vs = value_sets.get(spec["values"])
            if vs is None:
                raise CodebookError(f"{where}: unknown value set {spec['values']!r}")
            codes = _parse_codes(vs["codes"], f"{where} (value set {spec['values']})")
            dont_know = vs.get("dont_know", dont_know)
            ordered = bool(vs.get("ordered", ordered))
        elif "codes" in spec:
            codes = _parse_codes(spec["codes"], where)
        if typ in CATEGORICAL_TYPES and not codes:
            raise CodebookError(f"{where}: {typ} item needs codes or values")
        if typ == "likert5" and len([c for c in codes if c.code != dont_know]) != 5:
            raise CodebookError(f"{where}: likert5 item needs exactly five substantive codes")
        if dont_know is not None:
            dk = [c for c in codes if c.code == int(dont_know)]
            if not dk or dk[0].key != DONT_KNOW:
                raise CodebookError(f"{where}: dont_know code {dont_know} must exist with key 'dont_know'")
            dont_know = int(dont_know)
        options: tuple[Option, ...] = ()
        if typ == "multiple":
            if not spec.get("options"):
                raise CodebookError(f"{where}: multiple-choice item needs options")
            options = tuple(Option(iid, str(o["key"]), str(o["nb"]), str(o["en"])) for o in spec["options"])
            okeys = [o.key for o in options]
            if len(set(okeys)) != len(okeys) or not all(_ID_RE.fullmatch(k) for k in okeys):
                raise CodebookError(f"{where}: option keys must be unique snake_case, got {okeys}")
        filt = spec.get("filter")
        items[iid] = Item(
            id=iid, area=area, surveys=surveys, type=typ, qno=str(spec["qno"]),
            header=str(spec["header"]), nb=str(spec["nb"]), en=str(spec["en"]),
            codes=codes, options=options, dont_know=dont_know, ordered=ordered,
            filter_item=filt["item"] if filt else None,
            filter_codes=tuple(int(c) for c in filt["codes"]) if filt else (),
            min=spec.get("min"), max=spec.get("max"), personal=bool(spec.get("personal", False)),
            missing_codes=tuple(str(m) for m in spec.get("missing", default_missing)),
        )
    for it in items.values():
        if it.filter_item is not None:
            if it.filter_item not in items:
                raise CodebookError(f"{source}: item {it.id!r} filters on unknown item {it.filter_item!r}")
            unknown = set(it.filter_codes) - {c.code for c in items[it.filter_item].codes}
            if unknown:
                raise CodebookError(f"{source}: item {it.id!r} filter codes {sorted(unknown)} unknown")
    headers: dict[tuple[str, str], str] = {}
    for it in items.values():
        for s in it.surveys:
            for h in it.export_headers:
                if (s, h) in headers:
                    raise CodebookError(f"{source}: export header {h!r} used by {headers[(s, h)]} and {it.id}")
                headers[(s, h)] = it.id
    return Codebook(items_by_id=items, areas=areas, meta=meta, source=source)


def codebook_path(raw_or_survey_dir: str | os.PathLike) -> Path:
    """``codebook.yaml`` in a raw folder (``<raw>/survey/``), a survey folder, or the file itself."""
    p = Path(raw_or_survey_dir)
    if p.is_file():
        return p
    for cand in (p / CODEBOOK_FILE, p / "survey" / CODEBOOK_FILE):
        if cand.exists():
            return cand
    raise CodebookError(f"no {CODEBOOK_FILE} in {p} or {p / 'survey'}")


_CACHE: dict[tuple[str, float], Codebook] = {}


def load_codebook(raw_or_survey_dir: str | os.PathLike | None = None) -> Codebook:
    """Load the codebook from a raw folder, survey folder or file path.

    ``None`` uses the default raw folder (``config.paths().raw``). Parsed codebooks are
    cached by path and modification time.
    """
    if raw_or_survey_dir is None:
        from sosiale_kommuner import config
        raw_or_survey_dir = config.paths().raw
    path = codebook_path(raw_or_survey_dir).resolve()
    key = (str(path), path.stat().st_mtime)
    if key not in _CACHE:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when present
        _CACHE[key] = parse_codebook(doc, source=path.name)
    return _CACHE[key]
