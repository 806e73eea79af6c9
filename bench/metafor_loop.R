# Fit every meta-analysis of a long-format CSV (analysis, yi, vi) with metafor's rma(),
# one call per analysis in an R loop, and time only that loop.
#
#   Rscript bench/metafor_loop.R data.csv out_prefix
#
# Writes out_prefix_default.csv and out_prefix_tight.csv (analysis, estimate, se, tau2,
# ok) and out_prefix_timing.csv (control, seconds). "default" is rma()'s default control
# (Fisher scoring until the change in tau2 < 1e-5), "tight" uses threshold = 1e-10.
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = c("integer", "numeric", "numeric"))
yi <- split(d$yi, d$analysis)
vi <- split(d$vi, d$analysis)
ids <- names(yi)
n <- length(ids)

fit_all <- function(control) {
  est <- se <- tau2 <- rep(NA_real_, n)
  ok <- rep(FALSE, n)
  t0 <- proc.time()[["elapsed"]]
  for (i in seq_len(n)) {
    fit <- tryCatch(rma(yi[[i]], vi[[i]], method = "REML", control = control),
                    error = function(e) NULL)
    if (!is.null(fit)) {
      est[i] <- fit$beta[1]
      se[i] <- fit$se
      tau2[i] <- fit$tau2
      ok[i] <- TRUE
    }
  }
  seconds <- proc.time()[["elapsed"]] - t0
  list(out = data.frame(analysis = ids, estimate = est, se = se, tau2 = tau2, ok = ok),
       seconds = seconds)
}

default <- fit_all(list())
tight <- fit_all(list(threshold = 1e-10, maxiter = 1000))
write.csv(transform(default$out, estimate = sprintf("%.17g", estimate), se = sprintf("%.17g", se),
                    tau2 = sprintf("%.17g", tau2)),
          paste0(args[2], "_default.csv"), row.names = FALSE, quote = FALSE)
write.csv(transform(tight$out, estimate = sprintf("%.17g", estimate), se = sprintf("%.17g", se),
                    tau2 = sprintf("%.17g", tau2)),
          paste0(args[2], "_tight.csv"), row.names = FALSE, quote = FALSE)
write.csv(data.frame(control = c("default", "tight"), seconds = c(default$seconds, tight$seconds),
                     metafor = as.character(packageVersion("metafor")),
                     R = paste(R.version$major, R.version$minor, sep = ".")),
          paste0(args[2], "_timing.csv"), row.names = FALSE, quote = FALSE)
