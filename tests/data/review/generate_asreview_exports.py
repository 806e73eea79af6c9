"""Make the ASReview LAB exports in this directory with ASReview LAB itself.

Not part of the test suite and not a dependency of the hub: run it by hand, once per ASReview
release named in SOURCES.md, each in a throwaway virtual environment::

    python3 -m venv /tmp/asr3 && /tmp/asr3/bin/pip install asreview==3.0.8
    /tmp/asr3/bin/python tests/data/review/generate_asreview_exports.py
    python3 -m venv /tmp/asr1 && /tmp/asr1/bin/pip install asreview==1.6.5
    /tmp/asr1/bin/python tests/data/review/generate_asreview_exports.py

It starts ASReview LAB's own web application in-process (Flask test client, no
authentication, projects in a temporary folder), creates an Oracle project from
``tests/data/ris/asreview_pubmed_endnote.txt`` (6 PubMed records exported through EndNote,
ASReview's own demo file), labels four records through the LAB's labelling endpoint as prior
knowledge (records 0 and 2 relevant, 1 and 3 irrelevant; notes on 0, 1 and 3) and downloads
the dataset through the LAB's export endpoint, as the "Export" dialog does: CSV, TSV and RIS
from LAB 3, CSV and RIS from LAB 1. Records 4 and 5 stay unlabelled ("not seen").
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import asreview

HERE = Path(__file__).parent
SOURCE = HERE.parent / "ris" / "asreview_pubmed_endnote.txt"
LABELS = [  # (record_id, label, note): ASReview numbers records from 0 in file order
    (0, 1, "Relevant: reports the outcome of interest"),
    (1, 0, "Wrong population"),
    (2, 1, ""),
    (3, 0, "Not an intervention study; see discussion"),
]


def _ok(answer) -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code in (200, 201), answer.get_data(as_text=True)


def _lab3(client) -> None:  # type: ignore[no-untyped-def]
    with SOURCE.open("rb") as handle:
        created = client.post("/api/projects/create",
                              data={"mode": "oracle", "file": (handle, SOURCE.name)})
    _ok(created)
    project = created.json["id"]
    for number, (record_id, label, note) in enumerate(LABELS, start=1):
        # After the last label the model is trained, which ranks the unlabelled records:
        # LAB 3 exports "not seen" records in that ranking's order.
        last = number == len(LABELS)
        _ok(client.post(f"/api/projects/{project}/record/{record_id}",
                        data={"record_id": record_id, "label": label,
                              "retrain_model": "1" if last else ""}))
        if note:  # LAB 3 keeps notes apart from labels
            _ok(client.put(f"/api/projects/{project}/record/{record_id}/note",
                           data={"note": note}))
    for fmt in ("csv", "tsv", "ris"):
        answer = client.get(f"/api/projects/{project}/export_dataset", query_string={
            "format": fmt, "collections": ["relevant", "not_seen", "irrelevant"]})
        _ok(answer)
        (HERE / f"asreview3_export_pubmed.{fmt}").write_bytes(answer.data)


def _lab1(client) -> None:  # type: ignore[no-untyped-def]
    created = client.post("/api/projects/info", data={
        "mode": "oracle", "name": "export", "authors": "", "description": ""})
    _ok(created)
    project = created.json["id"]
    with SOURCE.open("rb") as handle:
        _ok(client.post(f"/api/projects/{project}/data", data={"file": (handle, SOURCE.name)}))
    for record_id, label, note in LABELS:
        _ok(client.post(f"/api/projects/{project}/record/{record_id}",
                        data={"doc_id": record_id, "label": label, "is_prior": 1,
                              "note": note}))
    for fmt in ("csv", "ris"):
        answer = client.get(f"/api/projects/{project}/export_dataset?file_format={fmt}")
        _ok(answer)
        (HERE / f"asreview1_export_pubmed.{fmt}").write_bytes(answer.data)


def main() -> None:
    major = int(asreview.__version__.split(".")[0])
    with tempfile.TemporaryDirectory() as home:
        os.environ["ASREVIEW_PATH"] = home
        from asreview.webapp.app import create_app

        if major >= 3:
            app = create_app(testing=True, authentication=False)
            _lab3(app.test_client())
        else:
            config = Path(home, "config.toml")
            config.write_text("TESTING = true\nLOGIN_DISABLED = true\n")
            app = create_app(config_path=str(config))
            app.config["TESTING"] = True
            _lab1(app.test_client())


if __name__ == "__main__":
    main()
