# Reference for tests/grade/certainty/test_profile.py (run by hand, never by CI):
#
#   Rscript tests/reference/grade/regtest_ee.R > tests/reference/grade/regtest_ee.json
#
# Egger's test (metafor's regtest, model "rma", predictor "sei") on a common-effect (EE) fit of
# dat.bcg's log risk ratios: what a GRADE profile runs for Mantel-Haenszel runs, whose stored
# fit has no inverse-variance model to rebuild. metafor 3.8-1, jsonlite 1.8.4.
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
dat <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
res <- regtest(rma(yi, vi, data = dat, method = "EE"))
cat(toJSON(list(dataset = "metadat::dat.bcg", measure = "RR", method = "EE",
                zval = unname(res$zval), pval = unname(res$pval)),
           auto_unbox = TRUE, digits = NA, pretty = TRUE), "\n")
