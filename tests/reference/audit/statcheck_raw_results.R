# Reference for the audit's evaluation on real text (run by hand, never by CI).
#
# Usage (from the repository root):
#   Rscript tests/reference/audit/statcheck_raw_results.R
#
# Reads tests/data/audit/statcheck_manual_results.csv (statements quoted from eight published
# papers, see tests/data/audit/README.md), runs statcheck on each quote on its own and writes
# tests/reference/audit/statcheck_raw_results.csv: per quote, how many results statcheck
# extracted and, for the first, its type, error and decision error (two-tailed: the quotes
# carry no "one-tailed" wording). Twice: on the quote as it is (columns without suffix) and on
# the quote cleaned of what stops statcheck's extractor but not its rules (columns `_clean`:
# a space in front, line breaks as spaces, a `?` or `B` standing for a lost minus, chi or quote
# mark replaced), so that every quote has statcheck's verdict.
#
# Needs: statcheck 1.4.0 (Debian package r-cran-statcheck).

suppressPackageStartupMessages(library(statcheck))

rows <- read.csv("tests/data/audit/statcheck_manual_results.csv", stringsAsFactors = FALSE,
                 encoding = "UTF-8")

first_result <- function(txt) {
  # statcheck 1.4.0 stops on a few garbled quotes: those count as not extracted
  res <- tryCatch({
    invisible(capture.output(r <- suppressWarnings(suppressMessages(
      statcheck(txt, messages = FALSE)))))
    r
  }, error = function(e) NULL)
  if (is.null(res) || nrow(res) == 0) {
    return(list(extracted = 0L, statistic = NA, error = NA, decision_error = NA,
                computed_p = NA))
  }
  list(extracted = nrow(res), statistic = as.character(res$test_type[1]),
       error = res$error[1], decision_error = res$decision_error[1],
       computed_p = signif(res$computed_p[1], 6))
}

clean <- function(txt) {
  txt <- gsub("\\s+", " ", txt)
  txt <- gsub("\\?+2 ?\\(", "chi2(", txt)          # a chi lost in the CSV's encoding
  txt <- gsub("B(?=[tFrQzZ2]\\s?\\()", "", txt, perl = TRUE)  # a quote mark read as B
  txt <- gsub("^2\\(", "chi2(", txt)
  txt <- gsub("= ?\\?(?=\\d)", "= -", txt, perl = TRUE)        # a lost minus
  paste0(" ", txt)
}

out <- data.frame(row = seq_len(nrow(rows)))
for (suffix in c("", "_clean")) {
  results <- lapply(rows$raw_result, function(txt) {
    first_result(if (suffix == "") txt else clean(txt))
  })
  for (name in c("extracted", "statistic", "error", "decision_error", "computed_p")) {
    out[[paste0(name, suffix)]] <- sapply(results, function(r) r[[name]])
  }
}
write.csv(out, "tests/reference/audit/statcheck_raw_results.csv", row.names = FALSE, na = "")
cat("statcheck", as.character(packageVersion("statcheck")), ":",
    sum(out$extracted > 0), "of", nrow(out), "quotes extracted as they are,",
    sum(out$error, na.rm = TRUE), "errors;", sum(out$extracted_clean > 0), "cleaned,",
    sum(out$error_clean, na.rm = TRUE), "errors\n")
