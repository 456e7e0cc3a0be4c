"""Chapter 10: citizens, social media and local development work (area 9 of the questionnaire).

The notebook ``10_involvement`` only calls what this package exports; one module per
responsibility:

==========================  ================================================================
module                      what
==========================  ================================================================
:mod:`.variables`           :func:`derive` (outcome, model covariates, practice type) and the
                            typology :func:`practice_type`, a transparent rule
                            (its words: the text layer)
:mod:`.model`               :func:`fit_model`: the design-based logistic model of "has
                            involved citizens through social media" with average marginal
                            effects, term tests, fit check and collinearity (``models``)
:mod:`.tables`              :func:`estimates_table` (``estimates``: municipalities overall and
                            by size class, region and centrality; county municipalities overall
                            only), :func:`centrality_tests` (``tests``, BH within the
                            comparison), :func:`typology_spread`, :func:`typology_tests`
:mod:`.values`              the numbers of the texts computed from the data (routing counts,
                            model units, :func:`sensitivity_check`, the 2018 cross-table)
:mod:`.figures`             the chapter's figures (report charts) and their alt texts
:mod:`.page_tables`         the chapter's tables for readers (report tables toolkit)
:mod:`.closing`             :func:`closing_numbers` / :func:`closing_values` (numbers read
                            from the result tables, for the text layer's ``closing``)
:mod:`.labels`              words for model terms, practice types and groups (text layer)
==========================  ================================================================

Conventions
-----------
* Outcome (:data:`OUTCOME`): ``a9_has_involved`` was asked of units that use social media
  (routing on ``a1_uses_some``). The model is fitted on those municipalities. "Vet ikke"
  is **excluded** from the model (treated as missing); :func:`fit_model` with
  ``dont_know="no"`` gives the sensitivity analysis that counts it as "no".
* The headline share over *all* units (:data:`INVOLVED_ALL`) counts non-users of social
  media as not having involved citizens through social media, and excludes "Vet ikke".
* Covariates (municipal respondents): size class (reference ``< 5 000``); SSB 2008
  centrality 0–3 as a categorical term (reference 0, least central); ``strategy_adopted``
  (1 if ``a3_strategy_status`` is "adopted"; "Vet ikke" counts as not adopted: a strategy
  the communication officer does not know of is not operative); ``formal_elements`` (number
  of ``a4_formal_elements`` options ticked, 0–5); ``admin_leadership`` and
  ``political_leadership`` (1–5 scores of ``a5_*``; "Vet ikke" missing); ``comm_fte``
  (communication staff in full-time equivalents). Complete cases; the number dropped is
  reported.
* Variance: descriptive estimates use the design with fpc (docs/contracts.md §7); tests and the
  model use it without fpc unless ``fpc_in_tests``.
"""
from . import figures, page_tables, values
from .closing import SIM_DETECTABLE_Z, closing_numbers, closing_values
from .labels import group_label, practice_label, term_label
from .model import MODEL_NAME, NUMERIC_TERMS, ModelResult, fit_model, model_matrix
from .tables import centrality_tests, designs, estimates_table, typology_spread, typology_tests
from .values import sensitivity_check
from .variables import (
    AREA,
    INVOLVED_ALL,
    LIKERT_ITEMS,
    MULTIPLE_ITEMS,
    OUTCOME,
    PRACTICE,
    PRACTICE_LEVELS,
    STEM,
    derive,
    practice_type,
)

__all__ = [
    "STEM", "AREA", "OUTCOME", "INVOLVED_ALL", "PRACTICE", "MULTIPLE_ITEMS", "LIKERT_ITEMS",
    "PRACTICE_LEVELS", "derive", "practice_type",
    "MODEL_NAME", "NUMERIC_TERMS", "ModelResult", "fit_model", "model_matrix",
    "designs", "estimates_table", "centrality_tests", "typology_spread", "typology_tests",
    "figures", "page_tables", "values", "sensitivity_check",
    "closing_numbers", "closing_values", "SIM_DETECTABLE_Z",
    "group_label", "practice_label", "term_label",
]
