#!/usr/bin/env Rscript
## Reference values from R's survey package (4.1.1) for the parts of the survey core that
## reference.json and reference_domains.json do not pin down:
##  1. svyranktest with two groups (R reports a t test); regTermTest of a gaussian svyglm;
##  2. svyby(..., covmat = TRUE) and svycontrast of two domain means;
##  3. the README's example: a stratified design raked to two margins, a domain mean on a
##     subset with the subset's degrees of freedom, and a Rao-Scott test on the raked design.
## Writes reference_core.json next to this script.  Needs r-cran-survey, r-cran-jsonlite.
suppressPackageStartupMessages({ library(survey); library(jsonlite) })
args_all <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args_all[grep("^--file=", args_all)])
out_dir <- if (length(file_arg)) dirname(normalizePath(file_arg)) else getwd()
data(api)
num <- function(x) as.numeric(x)

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
ref <- list()

## 1. two-group rank test: a t test on degf - 1
rt <- svyranktest(api00 ~ sch.wide, dstrat)
ref$svyranktest_two_groups <- list(call = "svyranktest(api00 ~ sch.wide, dstrat)",
                                   t = num(rt$statistic), df = num(rt$parameter), p_value = num(rt$p.value),
                                   estimate = num(rt$estimate))

## 1b. Wald F of equal domain means: a gaussian svyglm's term test
rtt <- regTermTest(svyglm(api00 ~ stype, dstrat), ~stype)
ref$regtermtest_api00_stype <- list(call = "regTermTest(svyglm(api00 ~ stype, dstrat), ~stype)",
                                    F = num(rtt$Ftest), df = num(rtt$df), ddf = num(rtt$ddf),
                                    p_value = num(rtt$p))

## 2. svyby with covariances, and a contrast of two domain means
## (sch.wide cuts across the strata, so the two domain means are correlated)
by <- svyby(~api00, ~sch.wide, dstrat, svymean, covmat = TRUE)
ct <- svycontrast(by, c(Yes = 1, No = -1))
ref$svyby_covmat <- list(call = "svyby(~api00, ~sch.wide, dstrat, svymean, covmat = TRUE)",
                         levels = names(coef(by)), estimate = num(coef(by)),
                         vcov_rowmajor = num(t(vcov(by))))
ref$svycontrast_yes_minus_no <- list(call = "svycontrast(<svyby_covmat>, c(Yes = 1, No = -1))",
                                     estimate = num(coef(ct)), se = num(SE(ct)))

## 3. the README example
pop_schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = as.vector(table(apipop$sch.wide)))
pop_awards  <- data.frame(awards = c("No", "Yes"), Freq = as.vector(table(apipop$awards)))
cal_pop <- c(`(Intercept)` = nrow(apipop), sch.wideYes = sum(apipop$sch.wide == "Yes"),
             awardsYes = sum(apipop$awards == "Yes"))
cl <- calibrate(dstrat, ~sch.wide + awards, population = cal_pop, calfun = "raking",
                epsilon = 1e-13, maxit = 1000)
sub <- subset(cl, stype == "H")
m <- svymean(~api00, sub)
ch <- svychisq(~comp.imp + stype, cl)
ref$readme_example <- list(
  call = paste("cl <- calibrate(dstrat, ~sch.wide + awards, <population>, calfun = 'raking');",
               "sub <- subset(cl, stype == 'H'); confint(svymean(~api00, sub), df = degf(sub));",
               "svychisq(~comp.imp + stype, cl)"),
  degf_subset = degf(sub),
  mean_api00 = list(estimate = num(coef(m)), se = num(SE(m)), ci = num(confint(m, df = degf(sub)))),
  svychisq = list(statistic = num(ch$statistic), ndf = num(ch$parameter[1]), ddf = num(ch$parameter[2]),
                  p_value = num(ch$p.value)))
ref$meta <- list(survey_version = as.character(packageVersion("survey")), R = R.version.string)
writeLines(toJSON(ref, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(out_dir, "reference_core.json"))
cat("wrote", file.path(out_dir, "reference_core.json"), "\n")
