"""Many analyses at once (analysis/batch.py): the JSON written from the batch arrays is the
JSON of the result objects, and the batch fits are the single fits.

The statistics themselves are checked against metafor in tests/stats (rma_batch) and
tests/cli/test_meta.py; here the batch bookkeeping is checked against :func:`pool`.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pydantic_core
import pytest

from evidencehub.analysis import PoolSettings, pool, pool_batch
from evidencehub.errors import InputError, StatsWarning
from tests.stats.reference import load_reference

TABLES = ("bcg_RR", "hine1989_RD", "woods2010_OR", "yusuf1985_RR", "nielweise2007_OR")


def _stack(names: tuple[str, ...], columns: tuple[str, ...]) -> tuple[dict, list, list, list]:
    """Rows of several reference data sets, interleaved (so analyses are not contiguous), and
    a one-study analysis at the end."""
    rows = []
    for g, name in enumerate(names):
        rows += [(g, r) for r in load_reference(name)[0]]
    order = sorted(range(len(rows)), key=lambda i: (i % 3, rows[i][0]))  # interleave
    rows = [rows[i] for i in order]
    rows.append((len(names), rows[0][1]))
    inputs = {c: [float(r[c]) for _, r in rows] for c in columns}
    study = [str(r["study"]) for _, r in rows]
    groups = [g for g, _ in rows]
    return inputs, study, groups, [*names, "single"]


def _plain(doc: object) -> object:
    """The document as the command prints it (NaN as null)."""
    return json.loads(pydantic_core.to_json(doc, inf_nan_mode="null"))


SETTINGS = [
    PoolSettings("OR"),
    PoolSettings("RR", method="DL", test="knha"),
    PoolSettings("RD", method="EE", test="knha", level=90),
    PoolSettings("OR", method="PM", convention="revman"),
    PoolSettings("RR", model_rule="i2-q"),
    PoolSettings("OR", method="MH"),
    PoolSettings("OR", method="PETO"),
]


@pytest.mark.parametrize("settings", SETTINGS, ids=repr)
@pytest.mark.parametrize("names", [TABLES[:3], TABLES], ids=["no-zero-cells", "zero-cells"])
def test_batch_json_is_the_json_of_single_fits(settings: PoolSettings,
                                               names: tuple[str, ...]) -> None:
    inputs, study, groups, labels = _stack(names, ("ai", "bi", "ci", "di"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)
        batch = pool_batch(inputs, study, groups, labels, settings)
        singles = []
        for g in range(len(labels)):
            rows = [i for i, x in enumerate(groups) if x == g]
            singles.append(pool({c: [v[i] for i in rows] for c, v in inputs.items()},
                                [study[i] for i in rows], settings))
    fast = _plain(batch.to_dicts())
    # the JSON written from arrays is exactly that of the objects built from the same batch
    assert fast == _plain([p.to_dict() for p in batch.pooled()])
    assert _plain(batch.to_dicts(name_key="by")) == [{"by": n, **d}
                                                     for n, d in zip(labels, fast, strict=True)]
    # and the batch fits are the single fits
    for ours, single in zip(fast, _plain([s.to_dict() for s in singles]), strict=True):
        assert ours.keys() == single.keys()
        for key, value in single.items():
            if isinstance(value, float):
                assert ours[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
            elif key == "studies":
                assert [s["study"] for s in ours[key]] == [s["study"] for s in value]
                for a, b in zip(ours[key], value, strict=True):
                    for field in ("yi", "vi", "weight"):
                        want = b[field]
                        assert a[field] == (None if want is None else pytest.approx(
                            want, rel=1e-9, abs=1e-12))
            elif key == "warnings" and single["k"] == 1 and not settings.pooler:
                # rma and rma_batch word their k = 1 notes differently (stats/models.py and
                # stats/batch.py: rma also notes the z test replacing Knapp-Hartung)
                assert ours[key][0].startswith("k = 1: tau^2 cannot be estimated")
            elif key == "model_rule":
                assert ours[key]["chosen"] == value["chosen"]
                assert ours[key]["I2"] == pytest.approx(value["I2"], rel=1e-9, abs=1e-12)
            else:
                assert ours[key] == value, key


def test_freeman_tukey_keeps_sample_sizes_per_analysis() -> None:
    rows, _ = load_reference("pritz1997_PFT")
    inputs = {"xi": [r["xi"] for r in rows], "ni": [r["ni"] for r in rows]}
    groups = [i % 2 for i in range(len(rows))]
    batch = pool_batch(inputs, None, groups, ["a", "b"], PoolSettings("PFT"))
    for g, pooled in enumerate(batch.pooled()):
        assert pooled.fit.ni is not None  # type: ignore[union-attr]
        expected = [r["ni"] for i, r in enumerate(rows) if i % 2 == g]
        np.testing.assert_array_equal(pooled.fit.ni, expected)  # type: ignore[union-attr]
        assert pooled.study[0] == "Study 1"


def test_rows_keep_their_order_within_an_analysis() -> None:
    batch = pool_batch({"yi": [1, 2, 3, 4], "vi": [1, 1, 1, 1]}, ["a", "b", "c", "d"],
                       [1, 0, 1, 0], ["first", "second"], PoolSettings("GEN", method="EE"))
    docs = batch.to_dicts()
    assert [s["study"] for s in docs[0]["studies"]] == ["b", "d"]
    assert [s["study"] for s in docs[1]["studies"]] == ["a", "c"]
    assert docs[1]["estimate"] == pytest.approx(2.0)


@pytest.mark.parametrize(("groups", "names", "message"), [
    ([0, 0], ["a", "b"], "pool_batch: analysis 'b' has no rows"),
    ([0, 2], ["a", "b"], "pool_batch: every row needs an analysis index between 0 and 1"),
])
def test_bad_groups(groups: list[int], names: list[str], message: str) -> None:
    with pytest.raises(InputError) as exc:
        pool_batch({"yi": [1, 2], "vi": [1, 1]}, None, groups, names, PoolSettings("GEN"))
    assert str(exc.value) == message


def test_no_analyses() -> None:
    with pytest.raises(InputError) as exc:
        pool_batch({"yi": [], "vi": []}, None, [], [], PoolSettings("GEN"))
    assert str(exc.value) == "pool_batch: no analyses to pool"


def test_effect_sizes_of_one_analysis_keep_its_notes() -> None:
    batch = pool_batch({"ai": [0, 2, 3, 1], "bi": [10, 8, 7, 9], "ci": [1, 4, 2, 2],
                        "di": [9, 6, 8, 8]}, ["a", "b", "c", "d"], [0, 0, 1, 1], ["x", "y"],
                       PoolSettings("OR", method="EE"))
    first, second = batch.effect_sizes(0), batch.effect_sizes(1)
    assert first.study == ("a", "b") and second.study == ("c", "d")
    assert first.notes and not second.notes  # a zero cell in the first analysis only
    assert [p.effects.notes for p in batch.pooled()] == [first.notes, second.notes]
