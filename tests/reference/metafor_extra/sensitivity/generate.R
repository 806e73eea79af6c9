# Extra metafor reference values for evidencehub.stats (sensitivity and bias analyses).
#
# Run by hand (not by CI), from the repository root:
#   Rscript tests/reference/metafor_extra/sensitivity/generate.R
# Inputs: the CSVs and manifest.csv of tests/reference/metafor and tests/reference/metafor_extra
# (see ../../metafor/README.md for the escalc calls). Outputs:
# tests/reference/metafor_extra/sensitivity/NAME.json, one per data set with k >= 3, each
# recording the R calls that produced it ("calls"), with metafor's default and tight
# convergence settings.
suppressPackageStartupMessages({library(metafor); library(jsonlite)})

sources <- c("tests/reference/metafor", "tests/reference/metafor_extra")
out <- "tests/reference/metafor_extra/sensitivity"
tight <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)

effect_sizes <- function(m, d) {
  switch(m,
    OR = , RR = , RD = escalc(m, ai = d$ai, bi = d$bi, ci = d$ci, di = d$di),
    MC = , SMCC = escalc(m, m1i = d$m1i, m2i = d$m2i, sd1i = d$sd1i, sd2i = d$sd2i,
                         ni = d$ni, ri = d$ri),
    SMCR = escalc(m, m1i = d$m1i, m2i = d$m2i, sd1i = d$sd1i, ni = d$ni, ri = d$ri),
    MD = , SMD = , SMDH = , ROM = escalc(m, m1i = d$m1i, sd1i = d$sd1i, n1i = d$n1i,
                                m2i = d$m2i, sd2i = d$sd2i, n2i = d$n2i),
    PR = , PLO = , PFT = , PAS = escalc(m, xi = d$xi, ni = d$ni),
    COR = , ZCOR = escalc(m, ri = d$ri, ni = d$ni),
    MN = escalc("MN", mi = d$mi, sdi = d$sdi, ni = d$ni),
    GEN = data.frame(yi = d$yi, vi = d$vi),
    stop("no escalc call for measure ", m))
}

influence_block <- function(fit) {
  inf <- influence(fit)
  tab <- inf$inf
  list(studies = lapply(seq_len(fit$k), function(i) list(
    rstudent = tab$rstudent[i], dffits = tab$dffits[i], cook_d = tab$cook.d[i],
    cov_r = tab$cov.r[i], tau2_del = tab$tau2.del[i], QE_del = tab$QE.del[i],
    hat = tab$hat[i], weight = tab$weight[i], dfbs = inf$dfbs$intrcpt[i],
    inf = isTRUE(inf$is.infl[i]))))
}

cumul_block <- function(fit) {
  cm <- cumul(fit)
  list(studies = lapply(seq_along(cm$estimate), function(i) list(
    estimate = cm$estimate[i], se = cm$se[i], zval = cm$zval[i], pval = cm$pvals[i],
    ci_lb = cm$ci.lb[i], ci_ub = cm$ci.ub[i], Q = cm$Q[i], Qp = cm$Qp[i],
    tau2 = cm$tau2[i], I2 = cm$I2[i], H2 = cm$H2[i])))
}

# Where cumul() gives NA (Fisher scoring failed), the same subset refitted with step halving
leave1out_block <- function(fit) {
  l1 <- leave1out(fit)
  list(studies = lapply(seq_along(l1$estimate), function(i) list(
    estimate = l1$estimate[i], se = l1$se[i], tval = l1$tval[i], pval = l1$pval[i],
    ci_lb = l1$ci.lb[i], ci_ub = l1$ci.ub[i], Q = l1$Q[i], Qp = l1$Qp[i],
    tau2 = l1$tau2[i], I2 = l1$I2[i], H2 = l1$H2[i])))
}

stepadj_block <- function(yi, vi, cm) {
  rows <- which(vapply(cm$studies, function(s) is.na(s$estimate), logical(1)))
  lapply(rows, function(j) {
    r <- rma(yi[1:j], vi[1:j], method = "REML",
             control = list(stepadj = 0.5, threshold = 1e-12, maxiter = 10000))
    list(row = j - 1, estimate = as.numeric(r$beta), se = r$se, tau2 = r$tau2)
  })
}

trimfill_block <- function(fit, estimator) {
  tf <- trimfill(fit, estimator = estimator)
  filled <- tf$fill == TRUE
  list(estimator = estimator, k0 = tf$k0, se_k0 = tf$se.k0, side = tf$side, k = tf$k,
       estimate = as.numeric(tf$beta), se = tf$se, zval = tf$zval, pval = tf$pval,
       ci_lb = tf$ci.lb, ci_ub = tf$ci.ub, tau2 = tf$tau2, I2 = tf$I2, QE = tf$QE,
       QEp = tf$QEp,
       filled = lapply(which(filled), function(i) list(yi = tf$yi[i], vi = tf$vi[i])))
}

regtest_block <- function(rt) {
  knha <- rt$fit$test == "knha" || rt$model == "lm"
  out <- list(model = rt$model, predictor = rt$predictor)
  out[[if (knha) "tval" else "zval"]] <- rt$zval
  if (knha) out$df <- rt$dfs
  c(out, list(pval = rt$pval, slope = unname(coef(rt$fit)[2]),
              slope_se = unname(sqrt(diag(vcov(rt$fit)))[2]),
              limit_estimate = unname(rt$est), limit_ci_lb = rt$ci.lb, limit_ci_ub = rt$ci.ub,
              tau2 = if (rt$model == "rma") rt$fit$tau2 else NULL))
}

for (src in sources) {
manifest <- read.csv(file.path(src, "manifest.csv"), colClasses = "character")
for (row in seq_len(nrow(manifest))) {
  name <- manifest$name[row]
  m <- manifest$measure[row]
  d <- read.csv(file.path(src, paste0(name, ".csv")),
                colClasses = c(study = "character"))
  if (nrow(d) < 3) next
  es <- effect_sizes(m, d)
  yi <- as.numeric(es$yi); vi <- as.numeric(es$vi)
  fit <- rma(yi, vi, method = "REML")
  fit_t <- rma(yi, vi, method = "REML", control = tight)
  fit_dl <- rma(yi, vi, method = "DL")
  fit_ee <- rma(yi, vi, method = "EE")
  res <- list(
    dataset = name, source_dir = basename(src), measure = m, k = length(yi),
    metafor_version = as.character(packageVersion("metafor")),
    calls = list(
      fit = "fit <- rma(yi, vi, method = 'REML')",
      fit_tight = paste0("fit_t <- rma(yi, vi, method = 'REML', control = ",
                         "list(threshold = 1e-12, tol = 1e-12, maxiter = 10000))"),
      influence = paste0("influence(fit); influence(fit_t); influence(rma(yi, vi, method = 'DL')); ",
                         "influence(rma(yi, vi, method = 'REML', test = 'knha', control = tight))"),
      cumul = "cumul(fit); cumul(fit_t) (studies in CSV order)",
      leave1out = "leave1out(rma(yi, vi, method = 'REML', test = 'knha', control = tight))",
      fsn = "fsn(yi, vi, type = 'Orwin'); fsn(yi, vi, type = 'Rosenberg')",
      trimfill = "trimfill(fit_t, estimator = 'R0'); trimfill(rma(yi, vi, method = 'EE'))",
      regtest = paste0("regtest(rma(yi, vi, method = 'REML', test = 'knha', control = tight)); ",
                       "regtest(fit_t, predictor = 'vi'); ",
                       "regtest(fit_t, model = 'lm', predictor = 'vi')")),
    control_tight = tight,
    influence = influence_block(fit),
    influence_tight = influence_block(fit_t),
    influence_DL = influence_block(fit_dl),
    influence_knha_tight = influence_block(rma(yi, vi, method = "REML", test = "knha",
                                               control = tight)),
    leave1out_knha_tight = leave1out_block(rma(yi, vi, method = "REML", test = "knha",
                                               control = tight)),
    cumul = cumul_block(fit),
    cumul_tight = cumul_block(fit_t),
    cumul_stepadj = NULL,
    fsn_orwin = unclass(fsn(yi, vi, type = "Orwin"))[c("type", "fsnum", "meanes", "target")],
    fsn_rosenberg = unclass(fsn(yi, vi, type = "Rosenberg"))[c("type", "fsnum", "alpha",
                                                                "pval", "meanes")],
    trimfill_R0_tight = trimfill_block(fit_t, "R0"),
    regtest_knha_tight = regtest_block(regtest(rma(yi, vi, method = "REML", test = "knha",
                                                   control = tight))),
    regtest_vi_tight = regtest_block(regtest(fit_t, predictor = "vi")),
    regtest_lm_vi = regtest_block(regtest(fit_t, model = "lm", predictor = "vi")),
    trimfill_EE = trimfill_block(fit_ee, "L0"))
  res$cumul_stepadj <- stepadj_block(yi, vi, res$cumul_tight)
  res$calls$cumul_stepadj <- paste0("rows (0-based) where cumul(fit_t) is NA: rma(yi[1:j], ",
    "vi[1:j], method = 'REML', control = list(stepadj = 0.5, threshold = 1e-12, ",
    "maxiter = 10000))")
  writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
             file.path(out, paste0(name, ".json")))
  cat(name, "\n")
}
}
