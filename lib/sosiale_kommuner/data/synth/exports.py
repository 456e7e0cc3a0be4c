"""The survey-tool exports, with the defects real exports have (SYNTHETIC DATA).

:func:`build_exports` writes, as DataFrames of strings keyed by file name:

* the respondent mapping (step 1) with the fake contacts of :mod:`.people`;
* the pre-survey export: its respondents' answers, a share of them re-drawn (the answers of
  a retest), random item nonresponse, the kommunenummer as typed (leading zero lost, or a
  name), timestamps over the field period;
* the main-survey export: the respondents' answers with item nonresponse, free texts (some
  with personal data), break-offs after an area, earlier partial and complete duplicate
  submissions, empty starts by covered non-respondents and the survey team's test responses.

All exports are semicolon-separated UTF-8 with Norwegian headers, one column per option,
decimal comma (:func:`export_csv_text`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sosiale_kommuner import config

from .. import codebook as cbm
from .answers import apply_routing, draw_answers, latent_factor
from .dataset import Synthetic
from .params import MAIN_FILE, MAPPING_FILE, PRESURVEY_FILE, stream

_PLAIN_TEXTS = [
    "Facebook-siden har gitt oss mange nye følgere og gode tilbakemeldinger.",
    "Vi brukte Facebook aktivt under uværet i fjor, og det fungerte godt.",
    "Innbyggerne kom med mange innspill til kommuneplanen via Facebook.",
    "Ungdomsrådet drev en egen gruppe om nytt ungdomshus.",
    "Vi la ut planforslaget for {place} sentrum på Facebook og fikk over hundre kommentarer.",
    "Det er vanskelig å vite hva som skal arkiveres.",
    "Vi mangler ressurser til å følge opp alle henvendelsene.",
    "Stedsutviklingen i {place} fikk mye engasjement i sosiale medier.",
    "Nyttig undersøkelse, ser fram til resultatene.",
    "Avstemningen om navn på den nye skolen ga stor deltakelse.",
]
_PERSONAL_TEXTS = [
    "Kontakt meg gjerne på {email} om dere vil vite mer.",
    "Ring gjerne {phone} for mer informasjon.",
    "{full_name} har ansvaret for dette hos oss, e-post {email}.",
    "Spør {full_name} i kommunikasjonsavdelingen, tlf. {phone}.",
    "Jeg kan nås på +47 {phone} eller {email}.",
    "Dette prosjektet ble ledet av {full_name}.",
]
_PLACES = ["Berg", "Vik", "Moen", "Dal", "Haugen", "Strand", "Lie", "Bakken"]


def _free_texts(item_id: str, idx: np.ndarray, people: pd.DataFrame, params: dict, seed: int) -> np.ndarray:
    """Free-text answers for the units at positions ``idx`` ('' = not answered)."""
    ft = params.get("free_text", {})
    p_ans = float(ft.get("p_answer", {}).get(item_id, 0.3))
    p_pers = float(ft.get("p_personal", 0.3))
    rng = stream(seed, "free_text", item_id)
    n = len(idx)
    answered = rng.random(n) < p_ans
    personal = rng.random(n) < p_pers
    tpl_plain = rng.integers(0, len(_PLAIN_TEXTS), n)
    tpl_pers = rng.integers(0, len(_PERSONAL_TEXTS), n)
    place = rng.integers(0, len(_PLACES), n)
    out = np.empty(n, dtype=object)
    for j in range(n):
        if not answered[j]:
            out[j] = ""
            continue
        p = people.iloc[idx[j]]
        tpl = _PERSONAL_TEXTS[tpl_pers[j]] if personal[j] else _PLAIN_TEXTS[tpl_plain[j]]
        out[j] = tpl.format(email=p["email"], phone=p["phone"], full_name=p["full_name"], place=_PLACES[place[j]])
    return out


def _fmt_codes(values: np.ndarray, item: cbm.Item) -> np.ndarray:
    """Codes/numbers as an export writes them ('' for missing, decimal comma)."""
    out = np.empty(len(values), dtype=object)
    for j, v in enumerate(values):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out[j] = ""
        elif item.type == "number":
            out[j] = (f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}".replace(".", ","))
        else:
            out[j] = f"{int(v)}"
    return out


def _typed_number(unit_id: str, name: str, unit_type: str, r_zero: float, r_name: float,
                  p_zero: float, p_name: float, names_unique: bool) -> str:
    """The kommunenummer as a respondent types it (lost leading zero, or a name)."""
    if r_name < p_name and names_unique:
        suffix = " kommune" if unit_type == config.KOMMUNE else " fylkeskommune"
        return f"{name}{suffix}" if r_name < p_name / 2 else name
    if unit_id.startswith("0") and r_zero < p_zero:
        return unit_id.lstrip("0")
    return unit_id


def _timestamps(offsets: np.ndarray, start: str) -> np.ndarray:
    t0 = pd.Timestamp(start)
    return np.array([(t0 + pd.Timedelta(seconds=int(s))).strftime("%Y-%m-%d %H:%M:%S") for s in offsets], dtype=object)


def _export_frame(codebook: cbm.Codebook, survey: str, coded: pd.DataFrame,
                  texts: dict[str, np.ndarray], typed_number: np.ndarray) -> pd.DataFrame:
    cols: dict[str, np.ndarray] = {}
    for it in codebook.items(survey=survey):
        if it.id == "bg_kommunenummer":
            cols[it.export_header()] = typed_number
        elif it.type == "text":
            cols[it.export_header()] = texts.get(it.id, np.full(len(coded), "", dtype=object))
        elif it.is_multiple:
            for o in it.options:
                cols[it.export_header(o)] = _fmt_codes(coded[o.column].to_numpy(), it)
        else:
            cols[it.export_header()] = _fmt_codes(coded[it.id].to_numpy(), it)
    return pd.DataFrame(cols)


def _item_nonresponse(coded: pd.DataFrame, codebook: cbm.Codebook, survey: str, p: float,
                      rng: np.random.Generator) -> pd.DataFrame:
    """Blank shown answers at random (never routing items or background)."""
    out = coded.copy()
    routing = {it.filter_item for it in codebook.items_by_id.values() if it.filter_item}
    for it in codebook.items(survey=survey):
        if it.area == 0 or it.id in routing or it.type == "text":
            continue
        blank = rng.random(len(out)) < p
        for col in it.columns:
            out.loc[blank, col] = np.nan
    return out


def _areas_of_columns(codebook: cbm.Codebook, survey: str) -> dict[str, int]:
    return {c: it.area for it in codebook.items(survey=survey) for c in it.columns}


def build_exports(syn: Synthetic, unrouted: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The three survey-tool exports as DataFrames of strings, keyed by file name."""
    book, params, seed, pop, st, people = syn.codebook, syn.params, syn.seed, syn.population, syn.status, syn.people
    exports = {MAPPING_FILE: _mapping_export(book, pop, st, people)}
    name_counts = pop.groupby(["unit_type", "name"])["unit_id"].transform("size").to_numpy()
    names_unique = name_counts == 1

    # ------------------------------------------------------------- pre-survey
    pe = params["presurvey_export"]
    rng = stream(seed, "presurvey_export", "rows")
    pre_idx = np.flatnonzero(st["presurvey"].to_numpy())
    change = float(params["presurvey"].get("retest_change", 0.0))
    pre_cols = [c for c in book.typed_columns("presurvey") if c in unrouted.columns]
    base = unrouted.loc[pre_idx, pre_cols].copy()
    alt = draw_answers(pop, params, book, seed, st["facebook_page"].to_numpy(), salt="retest",
                       u=latent_factor(seed, len(pop))).loc[pre_idx, pre_cols]
    for it in book.items(survey="presurvey"):
        if it.area == 0:
            continue
        swap = rng.random(len(pre_idx)) < change
        for col in it.columns:
            base.loc[swap, col] = alt.loc[swap, col].to_numpy() if col in alt.columns else base.loc[swap, col]
    pre = apply_routing(base, book)
    pre = _item_nonresponse(pre, book, "presurvey", float(pe.get("item_nonresponse", 0)), rng)
    typed = np.array([_typed_number(pop.at[i, "unit_id"], pop.at[i, "name"], pop.at[i, "unit_type"],
                                    rng.random(), rng.random(), float(pe["lost_leading_zero"]),
                                    float(pe["typed_as_name"]), bool(names_unique[i])) for i in pre_idx], dtype=object)
    total = int(pe["field_days"]) * 86400
    start = rng.integers(3600, total - 7200, len(pre_idx))
    dur = rng.integers(120, 900, len(pre_idx))
    body = _export_frame(book, "presurvey", pre.reset_index(drop=True), {}, typed)
    order = np.argsort(start, kind="stable")
    fixed = _fixed_columns(book, start, dur, np.full(len(pre_idx), True), pe["field_start"], 201301001)
    exports[PRESURVEY_FILE] = pd.concat([fixed, body], axis=1).iloc[order].reset_index(drop=True)
    exports[PRESURVEY_FILE][book.export_columns["respondent"]] = [str(201301001 + i) for i in range(len(order))]

    # ------------------------------------------------------------- main survey
    me = params["main_export"]
    rng = stream(seed, "main_export", "rows")
    area_of = _areas_of_columns(book, "main")
    main_cols = [c for c in book.typed_columns("main") if c in syn.latent.columns]
    resp_idx = np.flatnonzero(st["responded"].to_numpy())
    coded = _item_nonresponse(syn.latent.loc[resp_idx, main_cols], book, "main",
                              float(me.get("item_nonresponse", 0)), rng).reset_index(drop=True)
    texts = {it.id: _free_texts(it.id, resp_idx, people, params, seed) for it in book.items(survey="main", type="text")}
    for it in book.items(survey="main", type="text"):
        if it.filter_item:
            shown = syn.latent.loc[resp_idx, it.filter_item].isin(it.filter_codes).to_numpy()
            texts[it.id] = np.where(shown, texts[it.id], "")
    typed_no = np.array([_typed_number(pop.at[i, "unit_id"], pop.at[i, "name"], pop.at[i, "unit_type"],
                                       rng.random(), rng.random(), float(me["lost_leading_zero"]),
                                       float(me["typed_as_name"]), bool(names_unique[i])) for i in resp_idx], dtype=object)
    complete = np.ones(len(resp_idx), dtype=bool)
    total = int(me["field_days"]) * 86400
    start = rng.integers(5 * 86400, total - 7200, len(resp_idx))
    dur = rng.integers(600, 3600, len(resp_idx))

    # break-offs: respondents who stop after area k (2..7); area 1 stays answered
    n_break = int(me.get("breakoffs", 0))
    brk = rng.choice(len(resp_idx), size=n_break, replace=False)
    for j, k in zip(brk, rng.integers(2, 8, n_break)):
        drop = [c for c in main_cols if area_of[c] > k]
        coded.loc[j, drop] = np.nan
        for tid in texts:
            if book.item(tid).area > k or book.item(tid).area == 0:
                texts[tid][j] = ""
        complete[j] = False
    body = _export_frame(book, "main", coded, texts, typed_no)
    rows = [(body, start, dur, complete)]

    not_brk = np.setdiff1d(np.arange(len(resp_idx)), brk)
    # duplicates: an earlier, less complete submission (background + area 1 only)
    n_dp = int(me.get("duplicates_partial", 0))
    n_dc = int(me.get("duplicates_complete", 0))
    dup = rng.choice(not_brk, size=n_dp + n_dc, replace=False)
    dp, dc = dup[:n_dp], dup[n_dp:]
    part = coded.loc[dp].copy()
    part.loc[:, [c for c in main_cols if area_of[c] > 1]] = np.nan
    ptexts = {t: np.full(len(dp), "", dtype=object) for t in texts}
    rows.append((_export_frame(book, "main", part.reset_index(drop=True), ptexts, typed_no[dp]),
                 start[dp] - rng.integers(3600, 3 * 86400, len(dp)), rng.integers(60, 300, len(dp)),
                 np.zeros(len(dp), dtype=bool)))
    # an earlier, equally complete submission: a few Likert answers differ
    full = coded.loc[dc].copy().reset_index(drop=True)
    likert = [it.id for it in book.items(survey="main", type="likert5")]
    for j in range(len(dc)):
        cols = [c for c in likert if full.at[j, c] in (1, 2, 3, 4, 5)]
        for c in rng.choice(cols, size=min(3, len(cols)), replace=False):
            full.at[j, c] = float(1 + (int(full.at[j, c]) % 5))
    rows.append((_export_frame(book, "main", full, {t: texts[t][dc] for t in texts}, typed_no[dc]),
                 start[dc] - rng.integers(3600, 3 * 86400, len(dc)), dur[dc], np.ones(len(dc), dtype=bool)))
    # empty starts: mapped non-respondents who opened the survey and left before area 1
    nonresp = np.flatnonzero(st["mapped"].to_numpy() & ~st["responded"].to_numpy())
    n_es = int(me.get("empty_starts", 0))
    es = rng.choice(nonresp, size=min(n_es, len(nonresp)), replace=False)
    empty = pd.DataFrame(np.nan, index=range(len(es)), columns=main_cols)
    empty["bg_unit_type"] = np.where(pop.loc[es, "unit_type"].to_numpy() == config.FYLKESKOMMUNE, 2.0, 1.0)
    typed_es = np.where(rng.random(len(es)) < 0.5, pop.loc[es, "unit_id"].to_numpy(), "").astype(object)
    rows.append((_export_frame(book, "main", empty, {}, typed_es),
                 rng.integers(3600, total - 7200, len(es)), rng.integers(10, 120, len(es)),
                 np.zeros(len(es), dtype=bool)))
    # test responses by the survey team (before the field period opened to respondents)
    n_t = int(me.get("tests", 0))
    tsrc = rng.choice(len(resp_idx), size=n_t, replace=False)
    tests = coded.loc[tsrc].copy().reset_index(drop=True)
    typed_t = np.array((["test", "9999", "Test kommune", "TEST"] * n_t)[:n_t], dtype=object)
    ttexts = {t: np.array((["test", "Testsvar, se bort fra dette"] * n_t)[:n_t], dtype=object) for t in texts}
    rows.append((_export_frame(book, "main", tests, ttexts, typed_t),
                 rng.integers(0, 4 * 86400, n_t), rng.integers(60, 600, n_t), np.ones(n_t, dtype=bool)))

    bodies = pd.concat([r[0] for r in rows], ignore_index=True)
    starts = np.concatenate([r[1] for r in rows])
    durs = np.concatenate([r[2] for r in rows])
    comp = np.concatenate([r[3] for r in rows])
    fixed = _fixed_columns(book, starts, durs, comp, me["field_start"], 0)
    out = pd.concat([fixed, bodies], axis=1)
    order = np.lexsort((np.arange(len(starts)), starts))
    out = out.iloc[order].reset_index(drop=True)
    out[book.export_columns["respondent"]] = [str(2013040001 + i) for i in range(len(out))]
    exports[MAIN_FILE] = out
    return exports


def _fixed_columns(book: cbm.Codebook, start: np.ndarray, dur: np.ndarray, complete: np.ndarray,
                   field_start: str, first_id: int) -> pd.DataFrame:
    ec, sc = book.export_columns, book.meta["status_codes"]
    return pd.DataFrame({
        ec["respondent"]: [str(first_id + i) for i in range(len(start))],
        ec["started"]: _timestamps(start, field_start),
        ec["submitted"]: _timestamps(start + dur, field_start),
        ec["status"]: np.where(complete, sc["complete"], sc["partial"]).astype(object),
    })


def _mapping_export(book: cbm.Codebook, pop: pd.DataFrame, st: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    found = st["mapped"].to_numpy()
    blank = np.full(len(pop), "", dtype=object)
    h = {it.id: it.export_header() for it in book.items(survey="mapping")}
    return pd.DataFrame({
        h["map_unit_id"]: pop["unit_id"].to_numpy(),
        h["map_unit_name"]: pop["name"].to_numpy(),
        h["map_contact_found"]: np.where(found, "1", "2").astype(object),
        h["map_contact_name"]: np.where(found, people["full_name"], blank),
        h["map_contact_role"]: np.where(found, people["role"].astype(int).astype(str), blank),
        h["map_contact_email"]: np.where(found, people["email"], blank),
        h["map_contact_phone"]: np.where(found, people["phone"], blank),
        h["map_facebook_page"]: np.where(st["facebook_page"], "1", "2").astype(object),
    })


def export_csv_text(df: pd.DataFrame) -> str:
    """A survey-tool export as written: semicolon-separated, UTF-8, ``\\n`` line ends."""
    return df.to_csv(sep=";", index=False, lineterminator="\n")
