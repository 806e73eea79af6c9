# Reference generator for evidencehub's statistics tests (run by hand, never by CI).
#
# Usage (from the repository root):
#
#   Rscript tests/reference/generate.R csv  tests/reference/metafor_extra
#       writes NAME.csv for every data set defined in `extra_datasets()` below
#       (taken from the R package metadat, or typed in from a published table)
#       plus manifest.csv
#
#   Rscript tests/reference/generate.R json tests/reference/metafor_extra [NAME ...]
#       reads manifest.csv and NAME.csv in that directory and writes NAME.json
#       with metafor's results, in the format described in
#       tests/reference/metafor/README.md (same keys: escalc, fits, fits_tight,
#       mh, peto, regtest, regtest_lm, ranktest, trimfill, leave1out, fsn,
#       subgroup, metareg, tight)
#
# Running the `json` step on a copy of tests/reference/metafor reproduces the
# shipped JSON files (checked by hand with metafor 3.8-1, R 4.2.2: every number
# identical).
#
# Needs: metafor (3.8-1), metadat (1.2-0), jsonlite (1.8.4).

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

# ---------------------------------------------------------------- helpers ---

# A plain number, or NA when metafor gives nothing (NULL) -> JSON null.
num <- function(x) if (is.null(x) || length(x) == 0) NA else unname(x[1])

# Evaluate `expr` (a promise) and return list(value, warnings, error).
capture <- function(expr) {
  warns <- character(0)
  value <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(list(message = conditionMessage(e)), class = "captured_error")),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    }
  )
  list(value = value, warnings = unique(warns))
}

# A JSON block: the named list built by `expr`, with "warnings" appended when
# metafor warned, or {"error": ...} when it failed.
block <- function(expr) {
  res <- capture(expr)
  if (inherits(res$value, "captured_error")) {
    out <- list(error = res$value$message)
  } else {
    out <- res$value
  }
  if (length(res$warnings) > 0) out$warnings <- I(res$warnings)
  out
}

tight_control <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)

# The inputs each measure takes from the CSV (README, "CSV input columns").
measure_inputs <- function(measure) {
  switch(measure,
    OR = , RR = , RD = , PETO = c("ai", "bi", "ci", "di"),
    MD = , SMD = , SMDH = , ROM = c("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),
    PR = , PLO = , PFT = , PAS = c("xi", "ni"),
    COR = , ZCOR = c("ri", "ni"),
    MN = c("mi", "sdi", "ni"),
    MC = , SMCC = c("m1i", "m2i", "sd1i", "sd2i", "ni", "ri"),
    SMCR = c("m1i", "m2i", "sd1i", "ni", "ri"),
    GEN = c("yi", "vi"),
    stop("unknown measure ", measure)
  )
}

# --------------------------------------------------------------- CSV I/O ---

format_number <- function(x) {
  vapply(x, function(v) {
    if (is.na(v)) return("")
    s <- format(signif(v, 15), scientific = FALSE, digits = 15, trim = TRUE)
    if (grepl("\\.", s)) s <- sub("\\.?0+$", "", s)
    s
  }, character(1))
}

quote_field <- function(s) {
  needs <- grepl("[\",\n\r]", s) | grepl("^\\s|\\s$", s)
  ifelse(needs, paste0("\"", gsub("\"", "\"\"", s), "\""), s)
}

write_reference_csv <- function(d, path) {
  cols <- lapply(names(d), function(n) {
    v <- d[[n]]
    if (is.numeric(v)) format_number(v) else quote_field(ifelse(is.na(v), "", as.character(v)))
  })
  lines <- c(paste(quote_field(names(d)), collapse = ","),
             do.call(paste, c(cols, sep = ",")))
  con <- file(path, open = "wb")
  writeLines(enc2utf8(lines), con, sep = "\n", useBytes = TRUE)
  close(con)
}

read_reference_csv <- function(path) {
  d <- read.csv(path, colClasses = c(study = "character"), check.names = FALSE,
                na.strings = "", encoding = "UTF-8", stringsAsFactors = FALSE)
  if ("group" %in% names(d)) d$group <- as.character(d$group)
  d
}

unique_labels <- function(x) {
  x <- as.character(x)
  dup <- x %in% x[duplicated(x)]
  for (v in unique(x[dup])) {
    i <- which(x == v)
    x[i] <- paste0(v, " (", seq_along(i), ")")
  }
  x
}

# ------------------------------------------------- extra data set sources ---

# Each entry: a data frame in the CSV column order, plus manifest metadata.
extra_datasets <- function() {
  out <- list()
  add <- function(name, source, measure, d, note = "", group_from = "", x_from = "") {
    d$study <- unique_labels(d$study)
    out[[name]] <<- list(name = name, source = source, measure = measure, data = d,
                         note = note, group_from = group_from, x_from = x_from)
  }

  # SMD with a subgroup and ROM with a subgroup and a moderator; k = 102 (large k).
  cu <- metadat::dat.curtis1998
  cu_study <- paste0("paper ", cu$paper, ", ", tolower(cu$genus), " ", tolower(cu$species), " (id ", cu$id, ")")
  cu_d <- data.frame(study = cu_study, m1i = cu$m1i, sd1i = cu$sd1i, n1i = cu$n1i,
                     m2i = cu$m2i, sd2i = cu$sd2i, n2i = cu$n2i,
                     group = as.character(cu$fungrp), x = cu$time, stringsAsFactors = FALSE)
  cu_note <- "group 1 = elevated CO2, group 2 = ambient CO2 (plant biomass); study = paper number, genus, species, row id"
  add("curtis1998_ROM", "metadat::dat.curtis1998", "ROM", cu_d, cu_note, "fungrp", "time")
  add("curtis1998_SMD", "metadat::dat.curtis1998", "SMD", cu_d[, names(cu_d) != "x"], cu_note, "fungrp", "")

  # SMDH (heteroscedastic SMD) on the stroke-unit data.
  no <- metadat::dat.normand1999
  add("normand1999_SMDH", "metadat::dat.normand1999", "SMDH",
      data.frame(study = no$source, m1i = no$m1i, sd1i = no$sd1i, n1i = no$n1i,
                 m2i = no$m2i, sd2i = no$sd2i, n2i = no$n2i, stringsAsFactors = FALSE),
      "length of hospital stay, specialist stroke unit (group 1) vs routine care (group 2)")

  # Single proportions: PR and PFT.
  pr <- metadat::dat.pritz1997
  pr_d <- data.frame(study = pr$authors, xi = pr$xi, ni = pr$ni, stringsAsFactors = FALSE)
  add("pritz1997_PR", "metadat::dat.pritz1997", "PR", pr_d)
  add("pritz1997_PFT", "metadat::dat.pritz1997", "PFT", pr_d)
  add("pritz1997_PAS", "metadat::dat.pritz1997", "PAS", pr_d)

  # RR with zero cells and double-zero tables; tau2 = 0 under REML.
  yu <- metadat::dat.yusuf1985
  yu <- yu[yu$table == "9" & !is.na(yu$ai) & !is.na(yu$ci), ]
  add("yusuf1985_RR", "metadat::dat.yusuf1985", "RR",
      data.frame(study = yu$trial, ai = yu$ai, bi = yu$n1i - yu$ai, ci = yu$ci, di = yu$n2i - yu$ci,
                 n1i = yu$n1i, n2i = yu$n2i, stringsAsFactors = FALSE),
      "table == \"9\" (rows with counts only); ai/bi = events/non-events with beta blockers, ci/di = control")

  # OR with zero cells where tau2 = 0 under REML.
  ha <- metadat::dat.hahn2001
  add("hahn2001_OR", "metadat::dat.hahn2001", "OR",
      data.frame(study = ha$study, ai = ha$ai, bi = ha$n1i - ha$ai, ci = ha$ci, di = ha$n2i - ha$ci,
                 n1i = ha$n1i, n2i = ha$n2i, stringsAsFactors = FALSE),
      "ai/bi = events/non-events with reduced-osmolarity ORS (group 1), ci/di = standard WHO ORS (group 2)")

  add("hahn2001_RD", "metadat::dat.hahn2001", "RD",
      data.frame(study = ha$study, ai = ha$ai, bi = ha$n1i - ha$ai, ci = ha$ci, di = ha$n2i - ha$ci,
                 n1i = ha$n1i, n2i = ha$n2i, stringsAsFactors = FALSE),
      "ai/bi = events/non-events with reduced-osmolarity ORS (group 1), ci/di = standard WHO ORS (group 2)")

  # Correlations, k = 160 (large k), a subgroup column with missing values.
  mc <- metadat::dat.mcdaniel1994
  add("mcdaniel1994_COR", "metadat::dat.mcdaniel1994", "COR",
      data.frame(study = as.character(mc$study), ri = mc$ri, ni = mc$ni,
                 group = as.character(mc$struct), stringsAsFactors = FALSE),
      "group = interview structure (s = structured, u = unstructured; missing for 15 studies)", "struct")

  # k = 2.
  bc <- metadat::dat.bcg
  bc <- bc[bc$alloc == "alternate", ]
  add("bcg_alternate_OR", "metadat::dat.bcg", "OR",
      data.frame(study = paste(bc$author, bc$year), ai = bc$tpos, bi = bc$tneg, ci = bc$cpos, di = bc$cneg,
                 n1i = bc$tpos + bc$tneg, n2i = bc$cpos + bc$cneg, stringsAsFactors = FALSE),
      "alloc == \"alternate\" (k = 2); ai/bi = TB positive/negative (vaccinated), ci/di = the same (control)")

  # Pretest-posttest designs: Morris (2008), Table 1 (five studies from
  # Carlson & Schmidt 1999), treatment and control groups; the values are
  # those of https://www.metafor-project.org/doku.php/analyses:morris2008
  mo_t <- data.frame(m_pre = c(30.6, 23.5, 0.5, 53.4, 35.6), m_post = c(38.5, 26.8, 0.7, 75.9, 36.0),
                     sd_pre = c(15.0, 3.1, 0.1, 14.5, 4.7), sd_post = c(11.6, 4.1, 0.1, 4.4, 4.6),
                     ni = c(20, 50, 9, 10, 14), ri = c(0.47, 0.64, 0.77, 0.89, 0.44))
  mo_c <- data.frame(m_pre = c(23.1, 24.9, 0.6, 55.7, 34.8), m_post = c(19.7, 25.3, 0.6, 60.7, 33.4),
                     sd_pre = c(13.8, 4.1, 0.2, 17.3, 3.1), sd_post = c(14.8, 3.3, 0.2, 17.9, 6.9),
                     ni = c(20, 42, 9, 11, 14), ri = c(0.47, 0.64, 0.77, 0.89, 0.44))
  mo <- rbind(mo_t, mo_c)
  mo_study <- c(paste("Study", 1:5, "treatment"), paste("Study", 1:5, "control"))
  mo_group <- rep(c("treatment", "control"), each = 5)
  mo_src <- "Morris (2008), Table 1 (via metafor-project.org analyses:morris2008)"
  mo_note <- "m1i = posttest mean, m2i = pretest mean"
  add("morris2008_MC", mo_src, "MC",
      data.frame(study = mo_study, m1i = mo$m_post, m2i = mo$m_pre, sd1i = mo$sd_post, sd2i = mo$sd_pre,
                 ni = mo$ni, ri = mo$ri, group = mo_group, stringsAsFactors = FALSE),
      paste0(mo_note, ", sd1i/sd2i = posttest/pretest SD"), "treatment/control group")
  add("morris2008_SMCC", mo_src, "SMCC",
      data.frame(study = mo_study, m1i = mo$m_post, m2i = mo$m_pre, sd1i = mo$sd_post, sd2i = mo$sd_pre,
                 ni = mo$ni, ri = mo$ri, group = mo_group, stringsAsFactors = FALSE),
      paste0(mo_note, ", sd1i/sd2i = posttest/pretest SD"), "treatment/control group")
  add("morris2008_SMCR", mo_src, "SMCR",
      data.frame(study = mo_study, m1i = mo$m_post, m2i = mo$m_pre, sd1i = mo$sd_pre,
                 ni = mo$ni, ri = mo$ri, group = mo_group, stringsAsFactors = FALSE),
      paste0(mo_note, ", sd1i = pretest SD (the standardizer, as in Becker 1988)"), "treatment/control group")
  out
}

write_extra_csvs <- function(dir) {
  dir.create(dir, showWarnings = FALSE, recursive = TRUE)
  sets <- extra_datasets()
  manifest <- data.frame(name = character(0), source = character(0), measure = character(0),
                         k = integer(0), group = character(0), x = character(0),
                         group_column_from = character(0), x_column_from = character(0),
                         note = character(0), stringsAsFactors = FALSE)
  for (s in sets) {
    write_reference_csv(s$data, file.path(dir, paste0(s$name, ".csv")))
    manifest[nrow(manifest) + 1, ] <- list(
      s$name, s$source, s$measure, nrow(s$data),
      if ("group" %in% names(s$data)) "yes" else "no",
      if ("x" %in% names(s$data)) "yes" else "no",
      s$group_from, s$x_from, s$note)
    cat("wrote", s$name, "\n")
  }
  write_reference_csv(manifest, file.path(dir, "manifest.csv"))
}

# ------------------------------------------------------------- JSON blocks ---

fit_entry <- function(yi, vi, method, test, control = NULL) {
  args <- list(yi = yi, vi = vi, method = method, test = test)
  if (!is.null(control)) args$control <- control
  fit <- do.call(rma, args)
  out <- list(method = fit$method, test = fit$test, k = fit$k,
              estimate = c(fit$beta)[1], se = fit$se[1])
  if (test == "z") {
    out$zval <- fit$zval[1]
  } else {
    out$tval <- fit$zval[1]
    out$df <- num(fit$ddf)
  }
  out <- c(out, list(pval = fit$pval[1], ci_lb = fit$ci.lb[1], ci_ub = fit$ci.ub[1],
                     tau2 = fit$tau2, se_tau2 = num(fit$se.tau2), I2 = fit$I2, H2 = fit$H2,
                     vt = num(fit$vt), QE = fit$QE, QEdf = fit$k - fit$p, QEp = fit$QEp))
  if (test == "knha") out$s2w <- num(fit$s2w)
  if (method == "EE") {
    out$pi_lb <- NA
    out$pi_ub <- NA
  } else {
    pred <- predict(fit)
    out$pi_lb <- num(pred$pi.lb)
    out$pi_ub <- num(pred$pi.ub)
  }
  out$weights <- I(unname(weights(fit)))
  if (method %in% c("ML", "REML")) {
    fs <- fitstats(fit)
    out$fit_stats <- setNames(as.list(unname(fs[, 1])), sub(":$", "", rownames(fs)))
  }
  if (method == "REML") {
    ci <- if (is.null(control)) confint(fit) else confint(fit, control = list(tol = 1e-12, maxiter = 10000))
    r <- ci$random
    out <- c(out, list(
      tau2_ci_lb = r["tau^2", "ci.lb"], tau2_ci_ub = r["tau^2", "ci.ub"],
      tau_ci_lb = r["tau", "ci.lb"], tau_ci_ub = r["tau", "ci.ub"],
      I2_ci_lb = r["I^2(%)", "ci.lb"], I2_ci_ub = r["I^2(%)", "ci.ub"],
      H2_ci_lb = r["H^2", "ci.lb"], H2_ci_ub = r["H^2", "ci.ub"],
      ci_lb_sign = ci$lb.sign, ci_ub_sign = ci$ub.sign))
  }
  if (!is.null(control)) out$control <- control
  out
}

fits_block <- function(yi, vi, methods, control = NULL) {
  out <- list()
  for (m in methods) for (t in c("z", "knha")) {
    out[[paste0(m, "_", t)]] <- block(fit_entry(yi, vi, m, t, control))
  }
  out
}

mh_block <- function(d, measure) {
  m <- rma.mh(ai = d$ai, bi = d$bi, ci = d$ci, di = d$di, measure = measure)
  out <- list(measure = measure, k = m$k, k_yi = m$k.yi, estimate = c(m$beta)[1], se = m$se,
              zval = m$zval, pval = m$pval, ci_lb = m$ci.lb, ci_ub = m$ci.ub,
              scale = if (measure == "RD") "raw" else "log")
  if (measure != "RD") {
    out$exp_estimate <- exp(c(m$beta)[1])
    out$exp_ci_lb <- exp(m$ci.lb)
    out$exp_ci_ub <- exp(m$ci.ub)
  }
  out <- c(out, list(QE = m$QE, QEdf = m$k.yi - 1, QEp = m$QEp, I2 = m$I2, H2 = m$H2))
  if (measure == "OR") {
    out <- c(out, list(CMH = num(m$MH), CMHp = num(m$MHp), CO = num(m$CO), COp = num(m$COp),
                       BD = num(m$BD), BDp = num(m$BDp), TA = num(m$TA), TAp = num(m$TAp),
                       k_pos = num(m$k.pos)))
  }
  out
}

peto_block <- function(d) {
  p <- rma.peto(ai = d$ai, bi = d$bi, ci = d$ci, di = d$di)
  list(k = p$k, k_yi = p$k.yi, scale = "log", estimate = c(p$beta)[1], se = p$se, zval = p$zval,
       pval = p$pval, ci_lb = p$ci.lb, ci_ub = p$ci.ub, exp_estimate = exp(c(p$beta)[1]),
       exp_ci_lb = exp(p$ci.lb), exp_ci_ub = exp(p$ci.ub), QE = p$QE, QEdf = p$k.yi - 1,
       QEp = p$QEp, I2 = p$I2, H2 = p$H2)
}

regtest_block <- function(fit) {
  r <- regtest(fit)
  list(model = "rma", predictor = "sei", method = fit$method, zval = r$zval, pval = r$pval,
       slope = unname(coef(r$fit)[2]), slope_se = r$fit$se[2], limit_estimate = num(r$est),
       limit_ci_lb = num(r$ci.lb), limit_ci_ub = num(r$ci.ub), tau2 = r$fit$tau2)
}

regtest_lm_block <- function(fit) {
  r <- regtest(fit, model = "lm")
  list(model = "lm", predictor = "sei", tval = r$zval, df = r$dfs, pval = r$pval,
       slope = unname(coef(r$fit)[2]), limit_estimate = num(r$est),
       limit_ci_lb = num(r$ci.lb), limit_ci_ub = num(r$ci.ub))
}

ranktest_block <- function(fit) {
  r <- ranktest(fit)
  list(tau = unname(r$tau), pval = unname(r$pval))
}

trimfill_block <- function(fit, control = NULL) {
  # trimfill() passes `control` on to its internal rma() fits only through `...`
  tf <- if (is.null(control)) trimfill(fit) else trimfill(fit, control = control)
  filled <- lapply(which(tf$fill), function(i) list(yi = tf$yi[i], vi = tf$vi[i]))
  list(estimator = "L0", k0 = tf$k0, se_k0 = tf$se.k0, side = tf$side, k = tf$k, method = tf$method,
       estimate = c(tf$beta)[1], se = tf$se, zval = tf$zval, pval = tf$pval, ci_lb = tf$ci.lb,
       ci_ub = tf$ci.ub, tau2 = tf$tau2, I2 = tf$I2, QE = tf$QE, QEp = tf$QEp, filled = filled)
}

leave1out_block <- function(fit, study) {
  l <- leave1out(fit)
  studies <- lapply(seq_along(study), function(i) list(
    study = study[i], estimate = l$estimate[i], se = l$se[i], zval = l$zval[i], pval = l$pval[i],
    ci_lb = l$ci.lb[i], ci_ub = l$ci.ub[i], Q = l$Q[i], Qp = l$Qp[i], tau2 = l$tau2[i],
    I2 = l$I2[i], H2 = l$H2[i]))
  list(method = fit$method, test = fit$test, studies = studies)
}

fsn_block <- function(yi, vi) {
  f <- fsn(yi, vi, type = "Rosenthal")
  list(type = "Rosenthal", fsnum = f$fsnum, alpha = f$alpha, pval = f$pval)
}

coef_table <- function(fit) {
  stat <- if (fit$test == "z") "zval" else "tval"
  lapply(seq_along(fit$beta), function(j) {
    e <- list(term = rownames(fit$beta)[j], estimate = fit$beta[j], se = fit$se[j])
    e[[stat]] <- fit$zval[j]
    c(e, list(pval = fit$pval[j], ci_lb = fit$ci.lb[j], ci_ub = fit$ci.ub[j]))
  })
}

moderator_model <- function(fit, description = NULL) {
  out <- list(method = fit$method, test = fit$test, k = fit$k, p = fit$p)
  if (fit$test != "z") out$df <- num(fit$dfs)
  out <- c(out, list(coefficients = coef_table(fit), QM = fit$QM, QMdf = I(c(fit$QMdf[1], fit$QMdf[2])),
                     QMp = fit$QMp, QE = fit$QE, QEdf = fit$k - fit$p, QEp = fit$QEp,
                     tau2 = fit$tau2, se_tau2 = num(fit$se.tau2), I2 = fit$I2, H2 = fit$H2,
                     R2 = num(fit$R2)))
  if (!is.null(description)) out$description <- description
  out
}

per_group <- function(yi, vi, g, levels, method, control) {
  lapply(levels, function(lv) {
    i <- g == lv
    args <- list(yi = yi[i], vi = vi[i], method = method)
    if (!is.null(control)) args$control <- control
    block({
      f <- do.call(rma, args)
      list(group = lv, k = f$k, estimate = c(f$beta)[1], se = f$se, zval = f$zval, pval = f$pval,
           ci_lb = f$ci.lb, ci_ub = f$ci.ub, tau2 = f$tau2, I2 = f$I2, H2 = f$H2, QE = f$QE, QEp = f$QEp)
    })
  })
}

# Test for subgroup differences as RevMan / meta report it (see README).
subgroup_differences <- function(groups, label) {
  est <- vapply(groups, function(x) num(x$estimate), numeric(1))
  se <- vapply(groups, function(x) num(x$se), numeric(1))
  w <- 1 / se^2
  pooled <- sum(w * est) / sum(w)
  Q <- sum(w * (est - pooled)^2)
  df <- length(groups) - 1
  list(description = paste0("Q = sum_g w_g (est_g - pooled)^2 with w_g = 1/se_g^2 from separate per-group ",
                            label, "; pooled = sum(w_g est_g)/sum(w_g); df = groups - 1"),
       Q = Q, df = df, pval = pchisq(Q, df, lower.tail = FALSE),
       I2 = max(0, 100 * (Q - df) / Q), pooled = pooled)
}

subgroup_block <- function(yi, vi, group, control = NULL, with_ee = TRUE) {
  keep <- !is.na(group) & group != ""
  yi <- yi[keep]; vi <- vi[keep]; g <- group[keep]
  levels <- sort(unique(g), method = "radix")   # byte-wise (C-locale) order
  g <- factor(g, levels = levels)
  out <- list(levels = I(levels), k_used = sum(keep))
  out$per_group_REML <- per_group(yi, vi, g, levels, "REML", control)
  out$subgroup_differences_REML <- block(subgroup_differences(
    out$per_group_REML, "REML fits (tau^2 estimated separately within each group)"))
  if (with_ee) {
    out$per_group_EE <- per_group(yi, vi, g, levels, "EE", NULL)
    out$subgroup_differences_EE <- block(subgroup_differences(
      out$per_group_EE, "EE fits (equal-effects within groups)"))
  }
  group <- g
  args <- list(yi = yi, vi = vi, mods = ~ factor(group), method = "REML")
  if (!is.null(control)) args$control <- control
  out$mixed_effects_model <- block(moderator_model(do.call(rma, args),
    "rma(yi, vi, mods = ~ factor(group), method = 'REML'): common tau^2 across groups; QM = omnibus Wald test of the group contrasts (df = groups - 1)"))
  if (with_ee) {
    out$fixed_effects_model <- block(moderator_model(rma(yi, vi, mods = ~ factor(group), method = "EE"),
      "rma(yi, vi, mods = ~ factor(group), method = 'EE')"))
  }
  out
}

metareg_block <- function(yi, vi, x, control = NULL) {
  keep <- !is.na(x)
  yi <- yi[keep]; vi <- vi[keep]; x <- x[keep]
  out <- list(k_used = sum(keep), k_missing_x = sum(!keep))
  for (t in c("z", "knha")) {
    args <- list(yi = yi, vi = vi, mods = ~ x, method = "REML", test = t)
    if (!is.null(control)) args$control <- control
    out[[paste0("REML_", t)]] <- block(moderator_model(do.call(rma, args)))
  }
  out
}

reference_for <- function(name, source, measure, d, note = "", group_from = "", x_from = "") {
  study <- d$study
  if (measure == "GEN") {
    yi <- d$yi; vi <- d$vi
  } else {
    args <- c(list(measure = measure), as.list(d[measure_inputs(measure)]))
    es <- do.call(escalc, args)
    yi <- as.numeric(es$yi); vi <- as.numeric(es$vi)
  }
  k <- nrow(d)
  out <- list(dataset = name, source = source, measure = measure, k = k,
              metafor_version = as.character(packageVersion("metafor")))
  if (nzchar(note)) out$note <- note
  out$escalc <- lapply(seq_len(k), function(i) list(study = study[i], yi = yi[i], vi = vi[i]))
  out$fits <- fits_block(yi, vi, c("EE", "DL", "REML", "PM", "ML", "HE", "SJ", "EB", "HS"))
  out$fits_tight <- fits_block(yi, vi, c("REML", "ML", "EB", "PM"), tight_control)
  if (measure %in% c("OR", "RR", "RD")) out$mh <- block(mh_block(d, measure))
  if (measure == "OR") out$peto <- block(peto_block(d))
  has_group <- "group" %in% names(d)
  has_x <- "x" %in% names(d)
  if (k >= 3) {
    fit <- rma(yi, vi, method = "REML", test = "z")
    out$regtest <- block(regtest_block(fit))
    out$regtest_lm <- block(regtest_lm_block(fit))
    out$ranktest <- block(ranktest_block(fit))
    out$trimfill <- block(trimfill_block(fit))
    out$leave1out <- block(leave1out_block(fit, study))
    out$fsn <- block(fsn_block(yi, vi))
  }
  if (has_group) out$subgroup <- subgroup_block(yi, vi, d$group)
  if (has_x) out$metareg <- metareg_block(yi, vi, d$x)
  tight <- list(control = tight_control)
  if (k >= 3) {
    fit_t <- rma(yi, vi, method = "REML", test = "z", control = tight_control)
    tight$regtest <- block(regtest_block(fit_t))
    tight$trimfill <- block(trimfill_block(fit_t, tight_control))
    tight$leave1out <- block(leave1out_block(fit_t, study))
  }
  if (has_group) tight$subgroup <- subgroup_block(yi, vi, d$group, tight_control, with_ee = FALSE)
  if (has_x) tight$metareg <- metareg_block(yi, vi, d$x, tight_control)
  out$tight <- tight
  if (nzchar(group_from)) out$group_column_from <- group_from
  if (nzchar(x_from)) out$x_column_from <- x_from
  out
}

write_jsons <- function(dir, only = character(0)) {
  manifest <- read.csv(file.path(dir, "manifest.csv"), colClasses = "character", na.strings = character(0))
  for (i in seq_len(nrow(manifest))) {
    row <- manifest[i, ]
    if (length(only) > 0 && !(row$name %in% only)) next
    get_opt <- function(col) if (col %in% names(row)) row[[col]] else ""
    d <- read_reference_csv(file.path(dir, paste0(row$name, ".csv")))
    ref <- reference_for(row$name, row$source, row$measure, d, get_opt("note"),
                         get_opt("group_column_from"), get_opt("x_column_from"))
    json <- toJSON(ref, auto_unbox = TRUE, digits = NA, na = "null", null = "null", pretty = TRUE)
    con <- file(file.path(dir, paste0(row$name, ".json")), open = "wb")
    writeLines(enc2utf8(as.character(json)), con, sep = "\n", useBytes = TRUE)
    close(con)
    cat("wrote", row$name, "\n")
  }
}

main <- function(argv) {
  if (length(argv) < 2 || !(argv[1] %in% c("csv", "json"))) {
    stop("usage: Rscript generate.R csv DIR | json DIR [NAME ...]")
  }
  if (argv[1] == "csv") write_extra_csvs(argv[2]) else write_jsons(argv[2], argv[-(1:2)])
}

if (!interactive() && sys.nframe() == 0L) main(commandArgs(trailingOnly = TRUE))
