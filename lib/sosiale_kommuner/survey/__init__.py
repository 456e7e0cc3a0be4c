"""Design-based survey statistics, independent of this study (R's ``survey`` in Python).

It imports nothing else of this project, so another analysis can use it as it is.

==========================  ================================================================
module                      R
==========================  ================================================================
:mod:`.design`              ``svydesign()``, ``degf()``; Taylor-linearisation variances
:mod:`.weighting`           ``rake()``, ``postStratify()``, ``calibrate()``, trimming
:mod:`.estimation`          ``svymean()``, ``svytotal()``, ``svyciprop()``, ``svyby()``,
                            ``svycontrast()``, design effects
:mod:`.inference`           ``svychisq()``, ``svyranktest()``, ``p.adjust()``
:mod:`.regression`          ``svyglm(family = quasibinomial())``, ``regTermTest()``,
                            average marginal effects
:mod:`.power`               minimum detectable differences
:mod:`.batch`               the same statistics for many variables of one design at once
                            (batched arrays: simulations)
==========================  ================================================================
"""
from .design import Calibration, DesignError, LonelyPSUError, SurveyDesign
from .weighting import (
                        EmptyCategoryError,
                        RakingError,
                        WeightingError,
                        WeightingResult,
                        poststratify,
                        rake,
                        trim_and_rake,
)

__all__ = ["SurveyDesign", "Calibration", "DesignError", "LonelyPSUError", "WeightingError",
           "EmptyCategoryError", "RakingError", "WeightingResult", "rake", "poststratify", "trim_and_rake"]
