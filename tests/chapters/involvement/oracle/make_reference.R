#!/usr/bin/env Rscript
## Reference values for chapter 10 (involvement) from R's survey package, on the synthetic
## sample in sample.csv (written by make_sample.py: 200 municipal respondents of the
## generator's seed 11 with raked weights). Writes reference.json next to this script.
##
## The design is the one sosiale_kommuner.data.respondents.design_for builds for the
## municipalities: strata = size class, fpc = stratum population counts (none for tests and
## the model, docs/contracts.md §7), base weights N_h / n_h raked to the population margins of
## size class and region (margins.csv), standard errors from the calibration residuals. The
## script stops if R's raked weights differ from the weights in sample.csv.
##
## Needs r-cran-survey and r-cran-jsonlite (Debian bookworm: R 4.2.2, survey 4.1.1).
suppressPackageStartupMessages({ library(survey); library(jsonlite) })
args_all <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args_all[grep("^--file=", args_all)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else getwd()

s <- read.csv(file.path(here, "sample.csv"), colClasses = c(unit_id = "character"), encoding = "UTF-8",
              na.strings = "")
m <- read.csv(file.path(here, "margins.csv"), encoding = "UTF-8")
size_levels <- c("< 5 000", "5 000\u201319 999", "\u2265 20 000")
s$size_class <- factor(s$size_class, levels = size_levels)
s$centrality <- factor(s$centrality, levels = 0:3)
s$region <- factor(s$region)
N_h <- setNames(m$N[m$margin == "size_class"], m$level[m$margin == "size_class"])
s$N_h <- as.numeric(N_h[as.character(s$size_class)])
pop_size <- data.frame(size_class = factor(size_levels, levels = size_levels), Freq = as.numeric(N_h[size_levels]))
reg <- m[m$margin == "region", ]
pop_region <- data.frame(region = factor(reg$level, levels = levels(s$region)), Freq = reg$N)

## Raking by calibrate(calfun = "raking"): standard errors from the weighted least-squares
## residuals on the margins, which is what the Python design computes. (rake() gives the same
## weights but, with unequal base weights, different SEs: its svyrecvar projection uses
## unweighted cell means; for this sample about 0.5 % larger. See tests/oracle/README.md.)
pop_totals <- c(`(Intercept)` = sum(pop_size$Freq),
                setNames(pop_size$Freq[-1], paste0("size_class", pop_size$size_class[-1])),
                setNames(pop_region$Freq[-1], paste0("region", pop_region$region[-1])))
design <- function(fpc) {
  d <- if (fpc) svydesign(id = ~1, strata = ~stratum, weights = ~base_weight, fpc = ~N_h, data = s)
       else svydesign(id = ~1, strata = ~stratum, weights = ~base_weight, data = s)
  calibrate(d, ~size_class + region, population = pop_totals, calfun = "raking", epsilon = 1e-13, maxit = 1000)
}
d_fpc <- design(TRUE)
d_test <- design(FALSE)
wdiff <- max(abs(weights(d_fpc) - s$weight) / s$weight)
if (wdiff > 1e-9) stop("R's raked weights differ from sample.csv by ", wdiff)

num <- function(x) unname(as.numeric(x))
## A domain is a subset of the design (the variance uses every respondent). On a calibrated
## design, survey needs the variables to be non-missing on the rows outside the domain as
## well (they enter the calibration residuals with weight zero), so those rows get a
## placeholder value: it cannot change any estimate.
fill <- function(x, value) { x[is.na(x)] <- value; x }
ref <- list(meta = list(R = R.version.string, survey_version = as.character(packageVersion("survey")),
                        n = nrow(s), max_rel_weight_difference = wdiff,
                        design = "calibrate(svydesign(id=~1, strata=~stratum, weights=~base_weight[, fpc=~N_h]), ~size_class + region, population=<margins.csv>, calfun='raking', epsilon=1e-13, maxit=1000)"))

## 1. The model, on users with a yes/no answer and complete covariates (subset: the design's
##    variance still uses every respondent, as a domain).
fml <- ~ size_class + centrality + strategy_adopted + formal_elements + admin_leadership +
  political_leadership + comm_fte
numeric_terms <- c("strategy_adopted", "formal_elements", "admin_leadership", "political_leadership", "comm_fte")
complete <- Reduce(`&`, lapply(numeric_terms, function(v) !is.na(s[[v]])))
filled <- lapply(c(numeric_terms, "involved", "involved_dk_no"), function(v) fill(s[[v]], 0))
names(filled) <- c(numeric_terms, "involved", "involved_dk_no")
d_test <- do.call(update, c(list(d_test), filled))
fit_block <- function(outcome) {
  sub <- subset(d_test, !is.na(s[[outcome]]) & complete)
  f <- svyglm(update(fml, as.formula(paste(outcome, "~ ."))), design = sub, family = quasibinomial(),
              control = glm.control(epsilon = 1e-12, maxit = 100))
  tab <- summary(f)$coefficients
  tt <- function(term) { r <- regTermTest(f, term); list(F = num(r$Ftest), df = num(r$df), ddf = num(r$ddf), p_value = num(r$p)) }
  list(call = paste0("svyglm(", outcome, " ~ size_class + centrality + strategy_adopted + formal_elements + admin_leadership + political_leadership + comm_fte, subset(<design without fpc>, !is.na(", outcome, ") & complete), family = quasibinomial(), control = glm.control(epsilon = 1e-12, maxit = 100))"),
       terms = rownames(tab), coefficients = num(tab[, 1]), se = num(tab[, 2]), p_value = num(tab[, 4]),
       n = sum(!is.na(s[[outcome]]) & complete), residual_df = num(f$df.residual),
       regTermTest_size_class = tt(~size_class), regTermTest_centrality = tt(~centrality),
       regTermTest_strategy_adopted = tt(~strategy_adopted))
}
ref$model <- fit_block("involved")
ref$model_dont_know_as_no <- fit_block("involved_dk_no")

## 2. The headline share over all units (with fpc, descriptive), overall and by centrality.
d_fpc <- update(d_fpc, yes_all = fill(as.numeric(s$involved_all == "yes"), 0))
sub_all <- subset(d_fpc, !is.na(s$involved_all))
m_all <- svymean(~yes_all, sub_all)
by_c <- svyby(~yes_all, ~centrality, sub_all, svymean)
ref$involved_all_yes <- list(call = "svymean(~as.numeric(involved_all == 'yes'), subset(<design with fpc>, !is.na(involved_all))) and svyby(..., ~centrality, ..., svymean)",
                             estimate = num(coef(m_all)), se = num(SE(m_all)), n = sum(!is.na(s$involved_all)),
                             by_centrality = list(groups = as.character(by_c$centrality),
                                                  estimate = num(coef(by_c)), se = num(SE(by_c))))

## 3. Rao-Scott second-order F (R's default svychisq) of the chapter's tests.
chisq <- function(f, d, label) {
  r <- svychisq(f, d)
  list(call = label, statistic = num(r$statistic), ndf = num(r$parameter[1]), ddf = num(r$parameter[2]),
       p_value = num(r$p.value))
}
yn <- s$has_involved %in% c("yes", "no")
d_test <- update(d_test, has_involved_yn = factor(ifelse(yn, s$has_involved, "no"), levels = c("yes", "no")),
                 practice = factor(fill(s$practice, "none"), levels = c("none", "informing", "consulting", "co_creating")))
ref$test_has_involved_by_centrality <- chisq(~has_involved_yn + centrality, subset(d_test, yn),
  "svychisq(~has_involved + centrality, subset(<design without fpc>, has_involved %in% c('yes', 'no')))")
ref$typology_by_size_class <- chisq(~practice + size_class, subset(d_test, !is.na(s$practice)),
  "svychisq(~practice + size_class, subset(<design without fpc>, !is.na(practice)))")
ref$typology_by_centrality <- chisq(~practice + centrality, subset(d_test, !is.na(s$practice)),
  "svychisq(~practice + centrality, subset(<design without fpc>, !is.na(practice)))")

writeLines(toJSON(ref, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(here, "reference.json"))
cat("wrote", file.path(here, "reference.json"), "\n")
