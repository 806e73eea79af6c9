# Pool every meta-analysis of a long-format arm-level CSV with metafor: escalc(measure = "MD")
# and rma(method = "REML"), one analysis at a time in an R loop; time only that loop.
#
#   Rscript bench/metafor_analyze_loop.R arms.csv out_prefix
#
# arms.csv: analysis, study, m1i, sd1i, n1i, m2i, sd2i, n2i (one row per study; the
# experimental arm is escalc's group 1, the control arm group 2).
# Writes out_prefix_fits.csv (analysis, k, estimate, se, tau2, ok) and out_prefix_timing.csv
# (seconds of the loop, metafor and R versions).
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = c("character", "character", rep("numeric", 6)))
groups <- split(d, d$analysis)
ids <- names(groups)
n <- length(ids)
k <- est <- se <- tau2 <- rep(NA_real_, n)
ok <- rep(FALSE, n)
t0 <- proc.time()[["elapsed"]]
for (i in seq_len(n)) {
  g <- groups[[i]]
  fit <- tryCatch({
    es <- escalc(measure = "MD", m1i = g$m1i, sd1i = g$sd1i, n1i = g$n1i,
                 m2i = g$m2i, sd2i = g$sd2i, n2i = g$n2i)
    rma(yi, vi, data = es, method = "REML")
  }, error = function(e) NULL)
  if (!is.null(fit)) {
    k[i] <- fit$k
    est[i] <- fit$beta[1]
    se[i] <- fit$se
    tau2[i] <- fit$tau2
    ok[i] <- TRUE
  }
}
seconds <- proc.time()[["elapsed"]] - t0
write.csv(data.frame(analysis = ids, k = k, estimate = sprintf("%.17g", est),
                     se = sprintf("%.17g", se), tau2 = sprintf("%.17g", tau2), ok = ok),
          paste0(args[2], "_fits.csv"), row.names = FALSE, quote = FALSE)
write.csv(data.frame(seconds = seconds, metafor = as.character(packageVersion("metafor")),
                     R = paste(R.version$major, R.version$minor, sep = ".")),
          paste0(args[2], "_timing.csv"), row.names = FALSE, quote = FALSE)
