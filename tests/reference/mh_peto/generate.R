# metafor reference values for `evidencehub meta --method MH|PETO` (rma.mh, rma.peto).
#
# Run by hand (not by CI), from the repository root:
#   Rscript tests/reference/mh_peto/generate.R
# Inputs: 2x2-table CSVs of tests/reference/metafor and tests/reference/metafor_extra (see
# ../metafor/README.md for the CSV format). Output: tests/reference/mh_peto/references.json,
# one entry per case, each recording the R call that produced it ("call"), metafor's fit
# under the JSON keys of `evidencehub meta` (CMH = metafor's MH test, k_pos = k.pos) and the
# per-table rows: yi and vi as stored on the fit (escalc with add = 1/2, to = "only0",
# drop00 = TRUE; null where a table has none) and weights(fit), in percent.
# Software: R 4.2.2, metafor 3.8-1, jsonlite 1.8.4.
suppressPackageStartupMessages({library(metafor); library(jsonlite)})

read_data <- function(path) {
  read.csv(path, colClasses = c(study = "character"), stringsAsFactors = FALSE)
}

num <- function(x) if (is.null(x) || length(x) == 0) NA else unname(x[1])

rows <- function(fit, d) {
  w <- weights(fit)
  lapply(seq_len(nrow(d)), function(i) list(study = d$study[i], yi = unname(fit$yi.f[i]),
                                            vi = unname(fit$vi.f[i]), weight = unname(w[i])))
}

fit_block <- function(fit, method, measure, d, call) {
  out <- list(call = call, method = method, measure = measure, k = fit$k, k_yi = fit$k.yi,
              level = 100 * (1 - fit$level), estimate = num(fit$beta), se = num(fit$se),
              zval = num(fit$zval), pval = num(fit$pval), ci_lb = num(fit$ci.lb),
              ci_ub = num(fit$ci.ub), QE = num(fit$QE), QEp = num(fit$QEp), I2 = num(fit$I2),
              H2 = num(fit$H2))
  if (method == "MH" && measure == "OR") {
    out <- c(out, list(CMH = num(fit$MH), CMHp = num(fit$MHp), CO = num(fit$CO),
                       COp = num(fit$COp), BD = num(fit$BD), BDp = num(fit$BDp),
                       TA = num(fit$TA), TAp = num(fit$TAp), k_pos = num(fit$k.pos)))
  }
  out$studies <- rows(fit, d)
  out
}

run_case <- function(name, path, method, measure, level = 95) {
  d <- read_data(path)
  if (method == "MH") {
    call <- sprintf("rma.mh(ai, bi, ci, di, measure = \"%s\", level = %g)", measure, level)
    fit <- suppressWarnings(rma.mh(ai = d$ai, bi = d$bi, ci = d$ci, di = d$di,
                                   measure = measure, level = level, slab = d$study))
  } else {
    call <- sprintf("rma.peto(ai, bi, ci, di, level = %g)", level)
    fit <- suppressWarnings(rma.peto(ai = d$ai, bi = d$bi, ci = d$ci, di = d$di,
                                     level = level, slab = d$study))
    measure <- "PETO"
  }
  c(list(name = name, csv = path), fit_block(fit, method, measure, d, call))
}

# one rma.mh per value of the `group` column, in order of first appearance (`--by group`)
run_by <- function(name, path, measure) {
  d <- read_data(path)
  groups <- unique(d$group)
  list(name = name, csv = path, method = "MH", measure = measure, by = "group",
       analyses = lapply(groups, function(g) {
         s <- d[d$group == g, ]
         fit <- suppressWarnings(rma.mh(ai = s$ai, bi = s$bi, ci = s$ci, di = s$di,
                                        measure = measure, slab = s$study))
         c(list(by = g), fit_block(fit, "MH", measure, s,
                                   sprintf("rma.mh(..., measure = \"%s\") per group", measure)))
       }))
}

m <- "tests/reference/metafor"
x <- "tests/reference/metafor_extra"
data_sets <- list(
  bcg = file.path(m, "bcg_RR.csv"),              # k = 13, large counts
  nielweise2007 = file.path(m, "nielweise2007_OR.csv"),  # zero cells, one double-zero table
  woods2010 = file.path(m, "woods2010_OR.csv"),  # k = 3
  hine1989 = file.path(m, "hine1989_RD.csv"),    # k = 6
  yusuf1985 = file.path(x, "yusuf1985_RR.csv"),  # 6 double-zero tables of 26
  hahn2001 = file.path(x, "hahn2001_OR.csv")
)
cases <- list()
for (name in names(data_sets)) {
  for (measure in c("OR", "RR", "RD")) {
    cases[[length(cases) + 1]] <- run_case(name, data_sets[[name]], "MH", measure)
  }
  cases[[length(cases) + 1]] <- run_case(name, data_sets[[name]], "PETO", "OR")
}
cases[[length(cases) + 1]] <- run_case("bcg", data_sets$bcg, "MH", "OR", level = 90)
cases[[length(cases) + 1]] <- run_case("bcg", data_sets$bcg, "PETO", "OR", level = 90)
by_cases <- list(run_by("bcg", data_sets$bcg, "RR"), run_by("bcg", data_sets$bcg, "OR"))

out <- list(metafor_version = as.character(packageVersion("metafor")),
            R_version = paste(R.version$major, R.version$minor, sep = "."),
            cases = cases, by_cases = by_cases)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                  pretty = TRUE), "tests/reference/mh_peto/references.json")
