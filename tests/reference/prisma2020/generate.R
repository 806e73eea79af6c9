# Reference for the PRISMA2020 template CSV (run by hand, never by CI).
#
# Reads every NAME.csv in DIR with the PRISMA2020 R package's own parser,
# PRISMA_data(read.csv(file)) -- the call its documentation and the Shiny app's
# "Upload csv" make -- and writes NAME.json with the data it parsed: each count as
# the package formats it (scales::comma, e.g. "2,270"; null for NA) and each
# "reason, n; ..." list as [{reason, n}].
#
# Usage (from the repository root), with a checkout of
# https://github.com/prisma-flowdiagram/PRISMA2020 (1.1.4, commit 620aaf9):
#
#   .venv/bin/python -m tests.review.prisma_cases tests/reference/prisma2020
#   Rscript tests/reference/prisma2020/generate.R PATH/TO/PRISMA2020 tests/reference/prisma2020
#
# The first line writes the CSVs with evidencehub's exporter from the decision
# histories in tests/review/prisma_cases.py; tests/review/test_prisma_csv.py checks
# that the exporter still writes exactly these files and that the parsed numbers
# are the flow's. The package's R files are sourced, not installed, because
# PRISMA_data needs only scales and stringr (R 4.2.2, scales 1.2.1, jsonlite 1.8.4).

suppressPackageStartupMessages(library(jsonlite))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: generate.R PRISMA2020_CHECKOUT DIR")
for (f in c("PRISMA_data.R", "PRISMA_format.R", "PRISMA_default_or_csv.R")) {
  source(file.path(args[1], "R", f))
}

counts <- c("previous_studies", "previous_reports", "database_results", "register_results",
            "website_results", "organisation_results", "citations_results", "duplicates",
            "excluded_automatic", "excluded_other", "records_screened", "records_excluded",
            "dbr_sought_reports", "dbr_notretrieved_reports", "other_sought_reports",
            "other_notretrieved_reports", "dbr_assessed", "other_assessed", "new_studies",
            "new_reports", "total_studies", "total_reports", "total_studies_ma",
            "total_reports_ma")
lists <- c("database_specific_results", "register_specific_results", "dbr_excluded",
           "other_excluded")

for (csv in list.files(args[2], pattern = "\\.csv$", full.names = TRUE)) {
  x <- PRISMA_data(read.csv(csv))
  out <- list()
  for (name in counts) {
    out[[name]] <- if (is.na(x[[name]])) NA else x[[name]]
  }
  for (name in lists) {
    df <- x[[name]]
    out[[name]] <- lapply(seq_len(nrow(df)), function(i) {
      list(reason = df$reason[i], n = if (is.na(df$n[i])) NA else df$n[i])
    })
  }
  write_json(out, sub("\\.csv$", ".json", csv), auto_unbox = TRUE, pretty = TRUE,
             na = "null", digits = NA)
}
