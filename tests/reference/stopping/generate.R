# Reference values for evidencehub.review.stopping (run by hand, never by CI).
#
#   Rscript tests/reference/stopping/generate.R > tests/reference/stopping/stopping.json
#
# The hypergeometric stopping test of Callaghan & Muller-Hansen 2020 (Systematic Reviews
# 9:273), written out here from the paper's definitions with R's phyper, independently of
# the Python code:
#   K_tar = floor(r_seen / tau - r_AL + 1);  p = phyper(k, K_tar, N - K_tar, n)
# "random" cases: a random sample of n records from the N unscreened, k of them relevant.
# "ranked" cases: a screening sequence; every tail of length n of it is taken as the sample
# (ranked quasi-sampling, as the authors' buscar package does) and the smallest p is kept.
# For both, K_ub = the largest K in [k, N - (n - k)] with phyper(k, K, N - K, n) >= alpha, and
# the recall lower bound r_seen / (r_AL + K_ub).
# Needs: jsonlite (1.8.4). Made with R 4.2.2.

suppressPackageStartupMessages(library(jsonlite))

k_tar <- function(r_seen, r_al, tau) floor(r_seen / tau - r_al + 1 + 1e-9)

k_ub <- function(k, N, n, alpha) {
  K <- k:(N - (n - k))
  max(K[phyper(k, K, N - K, n) >= alpha])
}

random_case <- function(n_records, screened_before, r_al, n, k, tau, conf) {
  N <- n_records - screened_before
  r_seen <- r_al + k
  kt <- k_tar(r_seen, r_al, tau)
  p <- phyper(k, min(kt, N), N - min(kt, N), n)
  ub <- k_ub(k, N, n, 1 - conf)
  list(kind = "random", n_records = n_records, screened_before = screened_before, r_al = r_al,
       n = n, k = k, tau = tau, confidence = conf, urn = N, k_target = kt, p = p,
       recall_lower_bound = if (r_seen > 0) r_seen / (r_al + ub) else NA,
       stop = p < 1 - conf)
}

ranked_case <- function(name, labels, n_records, tau, conf) {
  r_seen <- sum(labels)
  m <- length(labels)
  tail_k <- cumsum(rev(labels))
  best <- list(p = Inf)
  for (n in 1:m) {
    k <- tail_k[n]
    N <- n_records - m + n
    r_al <- r_seen - k
    kt <- k_tar(r_seen, r_al, tau)
    p <- phyper(k, min(kt, N), N - min(kt, N), n)
    if (p < best$p) best <- list(p = p, n = n, k = k, N = N, r_al = r_al, kt = kt)
  }
  ub <- k_ub(best$k, best$N, best$n, 1 - conf)
  list(kind = "ranked", name = name, labels = labels, n_records = n_records, tau = tau,
       confidence = conf, n = best$n, k = best$k, urn = best$N, k_target = best$kt, p = best$p,
       recall_lower_bound = if (r_seen > 0) r_seen / (best$r_al + ub) else NA,
       stop = best$p < 1 - conf)
}

set.seed(20201218)
# A prioritised screening: relevant records frequent early, rare late.
front <- rbinom(300, 1, 0.3)
tail_ <- rbinom(700, 1, 0.01)
late <- rep(0, 400)
cases <- list(
  random_case(20000, 5000, 480, 1000, 1, 0.95, 0.95),
  random_case(20000, 5000, 480, 1000, 6, 0.95, 0.95),
  random_case(20000, 5000, 480, 2500, 3, 0.95, 0.95),
  random_case(20000, 5000, 480, 2500, 3, 0.90, 0.99),
  random_case(5000, 800, 100, 400, 0, 0.95, 0.95),
  random_case(5000, 800, 100, 2000, 0, 0.95, 0.95),
  random_case(5000, 800, 100, 2000, 0, 0.99, 0.95),
  random_case(1000, 1000 - 150, 19, 150, 0, 0.95, 0.95),
  random_case(1993, 1200, 270, 300, 2, 0.95, 0.95),
  random_case(851, 500, 0, 100, 0, 0.95, 0.95),
  ranked_case("prioritised_1000", c(front, tail_), 5000, 0.95, 0.95),
  ranked_case("prioritised_1400", c(front, tail_, late), 5000, 0.95, 0.95),
  ranked_case("prioritised_1400_tau80", c(front, tail_, late), 5000, 0.80, 0.95),
  ranked_case("everything_screened", c(front, tail_, late), 1400, 0.95, 0.95),
  ranked_case("nothing_relevant", rep(0, 200), 1000, 0.95, 0.95)
)
cat(toJSON(cases, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), "\n")
