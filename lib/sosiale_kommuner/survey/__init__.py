"""Design-based survey statistics, independent of this study (R's ``survey`` in Python).

It imports nothing else of this project, so another analysis can use it as it is::

    from sosiale_kommuner.survey import svydesign, rake, svymean, svyby, svyciprop, svychisq, confint, degf

==========================  ================================================================
module                      R
==========================  ================================================================
:mod:`.design`              ``svydesign()``, ``subset()``, ``degf()``; Taylor-linearisation
                            variances
:mod:`.calibration`         what a calibrated design carries: ``calibrate()``'s and
                            ``rake()``'s variance flavours
:mod:`.weighting`           ``rake()``, ``calibrate()``, ``postStratify()``, trimming; base
                            weights; sparse-cell collapsing
:mod:`.estimation`          ``svymean()``, ``svytotal()``, ``svyciprop()``, ``svyby()``,
                            ``svycontrast()``, design effects
:mod:`.estimate`            the one result type (:class:`Estimate`) and ``coef()``, ``SE()``,
                            ``vcov()``, ``confint()``
:mod:`.inference`           ``svychisq()``, ``svyranktest()``, ``p.adjust()``
:mod:`.regression`          ``svyglm(family = quasibinomial())``, ``regTermTest()``,
                            average marginal effects
:mod:`.contrasts`           domain differences with Satterthwaite df and Newcombe intervals
:mod:`.power`               minimum detectable differences
:mod:`.batch`               the same statistics for many variables of one design at once
                            (batched arrays: simulations)
:mod:`.errors`              :class:`SurveyError` and its kinds
==========================  ================================================================
"""
from .calibration import Calibration
from .design import SurveyDesign, degf, svydesign
from .errors import DesignError, EmptyCategoryError, LonelyPSUError, RakingError, SurveyError, WeightingError
from .estimate import SE, Estimate, coef, confint, vcov
from .estimation import svyby, svyciprop, svycontrast, svymean, svytotal
from .inference import p_adjust, rank_test, rao_scott
from .regression import svyglm_logit, wald_term_test
from .weighting import WeightingResult, calibrate, poststratify, rake, trim_and_rake

#: R's names for the tests: ``svychisq`` (Rao–Scott) and ``svyranktest``.
svychisq = rao_scott
svyranktest = rank_test

__all__ = ["SurveyDesign", "svydesign", "degf", "Calibration", "Estimate", "coef", "SE", "vcov", "confint",
           "svymean", "svytotal", "svyciprop", "svyby", "svycontrast", "svychisq", "svyranktest", "p_adjust",
           "svyglm_logit", "wald_term_test", "rake", "calibrate", "poststratify", "trim_and_rake",
           "WeightingResult", "SurveyError", "DesignError", "LonelyPSUError", "WeightingError",
           "EmptyCategoryError", "RakingError"]
