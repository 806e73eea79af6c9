"""The ``meta`` workflow as an object (analysis/report.py).

Numbers are checked against metafor through the command in tests/cli/test_meta.py; here:
the shape of the report, its JSON (the same document the command printed before with
``json.dumps``), and its refusals.
"""

from __future__ import annotations

import json
import warnings

import pytest

from evidencehub.analysis import MetaOptions, PoolSettings, meta_report, read_csv
from evidencehub.errors import InputError, StatsWarning
from evidencehub.model import finite_json
from tests.stats.reference import reference_csv


def _bcg():  # type: ignore[no-untyped-def]
    return read_csv(reference_csv("bcg_RR").read_text(encoding="utf-8"), source="bcg_RR.csv")


@pytest.mark.parametrize("options", [
    MetaOptions(),
    MetaOptions(by="group"),
    MetaOptions(by="group", leave1out=True),
    MetaOptions(subgroup="group", bias=True),
    MetaOptions(mods="x", bias=True),
], ids=repr)
def test_json_is_the_document_json_dumps_gives(options: MetaOptions) -> None:
    report = meta_report(_bcg(), PoolSettings("RR"), options)
    doc = report.to_dict()
    ours = report.to_json()
    assert ours.endswith((b"}\n", b"]\n"))
    assert json.loads(ours) == json.loads(json.dumps(finite_json(doc), default=str))
    if options.by is None:
        assert isinstance(doc, dict) and "by" not in doc
    else:
        assert isinstance(doc, list) and [next(iter(d)) for d in doc] == ["by"] * 3


def test_batch_and_single_paths_give_the_same_keys() -> None:
    batch = meta_report(_bcg(), PoolSettings("RR"), MetaOptions(by="group"))
    single = meta_report(_bcg(), PoolSettings("RR"), MetaOptions(by="group", leave1out=True))
    assert batch.batch is not None and not batch.single
    assert single.batch is None and len(single) == len(batch) == 3
    for a, b in zip(batch.to_dict(), single.to_dict(), strict=True):  # type: ignore[arg-type]
        b.pop("leave1out")
        assert list(a) == list(b)
    assert [a.by for a in batch.analyses()] == ["random", "alternate", "systematic"]


def test_rows_without_a_by_value_are_left_out_with_a_warning() -> None:
    table = read_csv("study,yi,vi,t\nA,1,1,a\nB,2,1,\nC,3,1,a\nD,1,2,b\n", source="t.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatsWarning)
        report = meta_report(table, PoolSettings("GEN", method="EE"), MetaOptions(by="t"))
    assert "rows 2 have no value of 't' and were left out" in [str(w.message) for w in caught]
    assert report.left_out == (2,)
    assert [d["k"] for d in report.to_dict()] == [2, 1]  # type: ignore[index]


def test_every_by_value_empty_is_refused() -> None:
    table = read_csv("study,yi,vi,t\nA,1,1,\n", source="t.csv")
    with pytest.raises(InputError, match=r"^t\.csv: every row has an empty cell in column 't'"):
        meta_report(table, PoolSettings("GEN"), MetaOptions(by="t"))


def test_moderator_rows_left_out_are_noted_and_funnel_uses_the_plain_fit() -> None:
    table = read_csv("study,yi,vi,x\nA,1,1,1\nB,2,1,\nC,3,1,3\nD,1,2,4\n", source="t.csv")
    report = meta_report(table, PoolSettings("GEN", method="EE"), MetaOptions(mods="x"))
    analysis = report.analyses()[0]
    assert analysis.pooled.notes == ("rows 2 have no value of 'x' and were left out (as metafor "
                                     "does)",)
    assert analysis.pooled.fit.p == 2  # type: ignore[union-attr]
    assert analysis.funnel_fit().p == 1 and analysis.funnel_fit().k == 3
    assert "Note: rows 2 have no value of 'x'" in report.summary()


def test_summary_is_deterministic_and_headed_by_the_by_value() -> None:
    options = MetaOptions(by="group")
    text = meta_report(_bcg(), PoolSettings("RR"), options).summary()
    assert text == meta_report(_bcg(), PoolSettings("RR"), options).summary()
    assert text.startswith("== group = random ==\n\nRandom-Effects Model (k = 7")
