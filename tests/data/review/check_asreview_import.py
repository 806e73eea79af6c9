"""Check that ASReview LAB reads the hub's ASReview export with its labels.

Not part of the test suite and not a dependency of the hub: run it in a throwaway virtual
environment with ASReview installed (see generate_asreview_exports.py), on a file written by
``evidencehub review export SLUG --format asreview -o FILE``
(:func:`evidencehub.review.exports.write_asreview_csv`)::

    /tmp/asr3/bin/python tests/data/review/check_asreview_import.py FILE

It loads FILE with ASReview's own loader (LAB 2/3: ``asreview.data.loader.load_dataset``;
LAB 1: ``asreview.ASReviewData.from_file``) and prints, per row, the record_id the hub wrote
and the label ASReview read (LAB 1 prints -1, LAB 3 <NA>, for "not seen"), then a count.
"""

from __future__ import annotations

import csv
import sys

import asreview


def main(path: str) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        written = [(row["record_id"], row["included"]) for row in csv.DictReader(handle)]
    if int(asreview.__version__.split(".")[0]) >= 2:
        from asreview.data.loader import load_dataset

        with load_dataset(path, dataset_id="hub") as db:
            read = [str(value) for value in db.input.get_df()["included"]]
    else:
        read = [str(value) for value in asreview.ASReviewData.from_file(path).labels]
    print(f"asreview {asreview.__version__}")
    for (record_id, label), got in zip(written, read, strict=True):
        print(f"record_id {record_id}: wrote {label or '(empty)'}, ASReview read {got}")
    same = sum(1 for (_, label), got in zip(written, read, strict=True)
               if (label or "none") == {"<NA>": "none", "-1.0": "none", "1.0": "1",
                                        "0.0": "0"}.get(got, got))
    print(f"{same} of {len(written)} labels read as written")


if __name__ == "__main__":
    main(sys.argv[1])
