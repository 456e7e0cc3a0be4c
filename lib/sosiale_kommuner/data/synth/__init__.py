"""Demonstration-data generator with a known truth (SYNTHETIC DATA).

The real answers of "Sosiale kommuner 2013" are not public, so the project ships data made
here, from a seed and the ground-truth parameters in ``<raw>/survey/generator_params.yaml``
(documented in that file). The process, one module per step:

==========================  ================================================================
module                      step
==========================  ================================================================
:mod:`.params`              the parameters, the random streams, covariates and item models
:mod:`.answers`             1. every unit of both populations answers every item of the
                            pre-survey and the main survey, as if all had answered: planted
                            effects by size class, region, centrality and unit type, a latent
                            "digital maturity" ``u ~ N(0, 1)`` (independent of all covariates)
                            that correlates the items, "Vet ikke" at random; then routing
:mod:`.selection`           2. an organisation-wide Facebook page (exactly 210 of 428
                            municipalities), step-1 coverage (exactly 316 municipalities and
                            15 county municipalities), the pre-survey (161) and step-3
                            response (exactly 200 and 11): size-dependent draws without
                            replacement (Efraimidis–Spirakis weighted sampling)
:mod:`.people`              fake contacts (names, e-mail addresses, telephone numbers)
:mod:`.exports`             3. the respondent mapping and the pre-survey and main-survey
                            exports as a survey tool writes them, with the defects real
                            exports have (duplicates, test responses, empty starts,
                            kommunenummer with lost leading zeros or typed as a name, personal
                            data in free text)
:mod:`.truth`               4. ``truth.yaml``: planted effects, null items, the population
                            values of every item (the full synthetic 2013 populations) and the
                            generating process's values (a replicated population of about
                            220 000 units)
:mod:`.flag`                ``SYNTHETIC.yaml`` and the notice chapters show
:mod:`.dataset`             :class:`Synthetic`, one generated dataset
:mod:`.generator`           :func:`generate`: the steps above, in memory
:mod:`.cli`                 ``python -m sosiale_kommuner.data.synth --seed 2013 --raw-dir
                            data/raw`` (byte-identical files for the same seed)
:mod:`.fit`                 the parameters the simulation appendices draw from: shipped for
                            the synthetic data, else estimated from the cleaned, weighted
                            data (:mod:`.fit_items`: the item models) on a template
                            (``template_params.yaml``, a copy of the shipped parameters)
==========================  ================================================================

Everything is deterministic: each item draws from its own random stream
``default_rng([seed, crc32(salt), crc32(column)])``, so adding an item never changes others.

Public API (importable from this package)::

    generate(seed=None, params=None, population=None, codebook=None, exports=True) -> Synthetic
    write_raw(raw_dir, seed=None) -> list[Path]     # the CLI
    expand_population(frame, reps) -> DataFrame      # large populations for simulations
    draw_status(population, params, seed), draw_answers(population, params, codebook, seed, ...)
    planted_effects(params, codebook), population_values(coded, population, codebook)
    load_params(params=None), synthetic_notice(raw_dir=None, lang="en")
"""
from .answers import apply_routing, draw_answers, latent_factor
from .cli import main, render_files, write_raw
from .dataset import Synthetic
from .flag import SYNTHETIC_NOTICE, synthetic_flag, synthetic_notice
from .generator import generate
from .params import (
    GENERATED_FILES,
    MAIN_FILE,
    MAPPING_FILE,
    PARAMS_FILE,
    PRESURVEY_FILE,
    PROCESS_REPS,
    SYNTHETIC_FILE,
    TRUTH_FILE,
    SynthError,
    load_params,
)
from .selection import draw_status, expand_population
from .truth import planted_effects, population_values, truth_document

__all__ = [
    "generate", "Synthetic", "SynthError", "write_raw", "render_files", "main",
    "draw_status", "draw_answers", "apply_routing", "latent_factor", "expand_population",
    "planted_effects", "population_values", "truth_document",
    "load_params", "synthetic_flag", "synthetic_notice", "SYNTHETIC_NOTICE",
    "PARAMS_FILE", "MAPPING_FILE", "PRESURVEY_FILE", "MAIN_FILE", "TRUTH_FILE", "SYNTHETIC_FILE",
    "GENERATED_FILES", "PROCESS_REPS",
]
