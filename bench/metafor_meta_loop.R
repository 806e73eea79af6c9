# The metafor side of bench/bench_meta_cli.py: read the arm-level CSV, then escalc("MD") and
# rma() (REML, metafor's defaults) once per analysis, in an R loop.
#
#   Rscript bench/metafor_meta_loop.R DATA.csv OUT_PREFIX
#
# Writes OUT_PREFIX_fits.csv (analysis, ok, estimate, se, tau2; after the timed loop) and
# OUT_PREFIX_timing.csv (seconds of the read and of the loop, timed inside R; R and metafor
# versions). The whole process is timed by the caller.
suppressPackageStartupMessages(library(metafor))
argv <- commandArgs(trailingOnly = TRUE)
t0 <- proc.time()[["elapsed"]]
d <- read.csv(argv[1], colClasses = c(analysis = "character", study = "character"))
t1 <- proc.time()[["elapsed"]]
rows <- split(seq_len(nrow(d)), factor(d$analysis, levels = unique(d$analysis)))
n <- length(rows)
estimate <- se <- tau2 <- rep(NA_real_, n)
for (i in seq_len(n)) {
  s <- d[rows[[i]], ]
  es <- escalc("MD", m1i = s$m1i, sd1i = s$sd1i, n1i = s$n1i, m2i = s$m2i, sd2i = s$sd2i,
               n2i = s$n2i)
  fit <- tryCatch(suppressWarnings(rma(es$yi, es$vi, method = "REML")),
                  error = function(e) NULL)
  if (!is.null(fit)) {
    estimate[i] <- fit$beta[1]
    se[i] <- fit$se
    tau2[i] <- fit$tau2
  }
}
t2 <- proc.time()[["elapsed"]]
write.csv(data.frame(analysis = names(rows), ok = !is.na(estimate), estimate = estimate,
                     se = se, tau2 = tau2),
          paste0(argv[2], "_fits.csv"), row.names = FALSE)
write.csv(data.frame(read = t1 - t0, loop = t2 - t1,
                     R = paste(R.version$major, R.version$minor, sep = "."),
                     metafor = as.character(packageVersion("metafor"))),
          paste0(argv[2], "_timing.csv"), row.names = FALSE)
