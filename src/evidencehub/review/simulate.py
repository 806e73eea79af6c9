"""Simulation: replay a fully labelled screening as a screener working with the ranker would.

The data are a SYNERGY-style CSV (De Bruin et al. 2023, the SYNERGY data sets of ASReview):
columns ``record_id``, ``title``, ``abstract`` and ``label_included`` (1 included, 0 excluded);
other columns are ignored. :func:`simulate` presents the prior records first (given by id, or
``prior_included`` inclusions and ``prior_excluded`` exclusions drawn with the seed), then the
record the ranker puts first, learns that record's label only once it has been presented, and
so on until every record has been presented, as ASReview's ``asreview simulate`` does (van de
Schoot et al. 2021, Nat Mach Intell 3:125). The ranker is refitted on the schedule of
:func:`evidencehub.review.priority.retrain_due` (after every label for the first 100, then in
batches of 2 %), not after every single label as ASReview does: ``docs/priority.md`` shows the
measurement that the two give the same recall, WSS and ATD on the public sets.

The metrics (:mod:`evidencehub.review.screening_metrics`) count the records after the priors
only. Everything random is drawn from the seed, so a seed gives the same order every time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evidencehub.errors import InputError
from evidencehub.review.priority import (
    DEFAULT_MODEL,
    build_features,
    rank_arrays,
    record_text,
    retrain_due,
)
from evidencehub.review.screening_metrics import ScreeningMetrics, screening_metrics
from evidencehub.vocab import PriorityModel

__all__ = ["COLUMNS", "LabelledRecords", "RecordId", "SimulationResult", "parse_labelled_csv",
           "read_labelled_csv", "simulate"]

#: The columns a simulation reads; any others are ignored.
COLUMNS = ("record_id", "title", "abstract", "label_included")
#: A record's id as the CSV gives it: an integer when every id in the file is one.
RecordId = int | str
_LABELS = {"1": True, "0": False, "1.0": True, "0.0": False}


@dataclass(frozen=True, slots=True)
class LabelledRecords:
    """Fully labelled records, in the order of the file.

    Attributes
    ----------
    source
        The file name (for messages).
    record_ids
        Each record's ``record_id``.
    texts
        Title and abstract of each record (:func:`~evidencehub.review.priority.record_text`).
    included
        Each record's ``label_included``.
    """

    source: str
    record_ids: tuple[RecordId, ...]
    texts: tuple[str, ...]
    included: NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.record_ids)


def read_labelled_csv(path: Path) -> LabelledRecords:
    """Read a SYNERGY-style CSV file (UTF-8, a BOM allowed); see :func:`parse_labelled_csv`."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("no such file", source=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a CSV file", source=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                         source=path.name) from None
    return parse_labelled_csv(text, source=path.name)


def parse_labelled_csv(text: str, *, source: str = "<stdin>") -> LabelledRecords:
    """Parse the text of a SYNERGY-style CSV.

    Raises
    ------
    InputError
        A missing column, a row with too few cells, an empty or repeated ``record_id``, a
        ``label_included`` other than 0 or 1, malformed quoting, or no records; the message
        names the file and the line where the record starts.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lstrip("\ufeff").strip().lower() for h in next(reader)]
    except StopIteration:
        raise InputError("empty file; expected a header with columns "
                         + ", ".join(COLUMNS), source=source) from None
    except csv.Error as exc:
        raise InputError(f"malformed CSV ({exc})", source=source, where="line 1") from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(f"missing column{'s' if len(missing) > 1 else ''} "
                         + ", ".join(repr(c) for c in missing) + "; the header has "
                         + ", ".join(repr(h) for h in header), source=source, where="line 1")
    at = [header.index(c) for c in COLUMNS]
    width = max(at) + 1
    ids: list[str] = []
    texts: list[str] = []
    labels: list[bool] = []
    seen: dict[str, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(f"malformed CSV ({exc})", source=source, where=f"line {line}") from None
        if not any(cell.strip() for cell in row):
            continue
        where = f"line {line}"
        if len(row) < width:
            raise InputError(f"expected at least {width} cells, got {len(row)}", source=source,
                             where=where)
        record_id, title, abstract, label = (row[j] for j in at)
        record_id = record_id.strip()
        if not record_id:
            raise InputError("empty record_id", source=source, where=where)
        if record_id in seen:
            raise InputError(f"record_id {record_id!r} repeats line {seen[record_id]}",
                             source=source, where=where)
        seen[record_id] = line
        value = _LABELS.get(label.strip())
        if value is None:
            raise InputError(f"column 'label_included': expected 0 or 1, got {label.strip()!r}",
                             source=source, where=where)
        ids.append(record_id)
        texts.append(record_text(title, abstract))
        labels.append(value)
    if not ids:
        raise InputError("no records after the header", source=source)
    return LabelledRecords(source, _typed_ids(ids), tuple(texts), np.array(labels, dtype=bool))


def _typed_ids(ids: Sequence[str]) -> tuple[RecordId, ...]:
    try:
        numbers = [int(i) for i in ids]
    except ValueError:
        return tuple(ids)
    if [str(v) for v in numbers] != list(ids):  # "007" or "+1": keep them as written
        return tuple(ids)
    return tuple(numbers)


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """One simulated screening.

    Attributes
    ----------
    order
        Every record id in the order a screener would see it, the priors first.
    prior_record_ids
        The priors (the first ``len(prior_record_ids)`` of ``order``).
    metrics
        Recall@10 %, WSS@95 and ATD of the records after the priors.
    model, seed
        The priority model and the seed.
    n_records, n_included
        Records in the data, and how many are included.
    n_fits
        How many times the ranker was refitted.
    """

    order: tuple[RecordId, ...]
    prior_record_ids: tuple[RecordId, ...]
    metrics: ScreeningMetrics
    model: PriorityModel
    seed: int
    n_records: int
    n_included: int
    n_fits: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``review simulate``: ``order``, ``prior_record_ids``, ``metrics``, and
        the settings and counts."""
        return {"order": list(self.order), "prior_record_ids": list(self.prior_record_ids),
                "metrics": self.metrics.to_dict(), "model": self.model.value, "seed": self.seed,
                "n_records": self.n_records, "n_included": self.n_included,
                "n_fits": self.n_fits}


def simulate(data: LabelledRecords, *, prior_ids: Sequence[RecordId] | None = None,
             prior_included: int = 0, prior_excluded: int = 0, seed: int = 0,
             model: PriorityModel | str = DEFAULT_MODEL,
             progress: Callable[[int, int], None] | None = None,
             retrain: Callable[[int, int], bool] = retrain_due) -> SimulationResult:
    """Replay the screening of ``data``: priors first, then the ranker's order.

    Parameters
    ----------
    data
        From :func:`read_labelled_csv`.
    prior_ids
        The prior records by ``record_id`` (as written in the file), in this order; or else
    prior_included, prior_excluded
        how many inclusions and exclusions to draw at random (with ``seed``) as priors.
    seed
        Seeds the priors drawn, the ranker and the random model.
    model
        A :class:`~evidencehub.vocab.PriorityModel` or its name.
    progress
        Called now and then with (records presented, all records).
    retrain
        When to refit: called with (labels so far, labels new since the last fit).

    Raises
    ------
    InputError
        Both ``prior_ids`` and counts, an unknown or repeated prior id, more priors of a kind
        than the data have, an unknown model, or no inclusion outside the priors.
    """
    chosen = PriorityModel(model) if model in set(PriorityModel) else _unknown(model)
    included = data.included
    n = len(data)
    priors = _priors(data, prior_ids, prior_included, prior_excluded, seed)
    if int(included.sum()) - int(included[priors].sum()) == 0:
        raise InputError("no included record outside the priors; the metrics need at least one",
                         source=data.source)
    features = build_features(data.texts)
    labelled = np.empty(n, dtype=np.intp)
    labelled[:priors.size] = priors
    count = priors.size
    learns = chosen is PriorityModel.SVM
    order, _ = rank_arrays(features, labelled[:count], included[labelled[:count]], model=chosen,
                           seed=seed)
    fits, at, since = 1, 0, 0
    step = max(1, n // 100)
    while count < n:
        labelled[count] = order[at]
        count += 1
        at += 1
        since += 1
        if progress is not None and (count % step == 0 or count == n):
            progress(count, n)
        if count < n and (at == order.size or (learns and retrain(count, since))):
            done = labelled[:count]
            order, _ = rank_arrays(features, done, included[done], model=chosen, seed=seed)
            fits, at, since = fits + 1, 0, 0
    ids = data.record_ids
    return SimulationResult(
        order=tuple(ids[i] for i in labelled),
        prior_record_ids=tuple(ids[i] for i in priors),
        metrics=screening_metrics(included[labelled[priors.size:]]),
        model=chosen, seed=seed, n_records=n, n_included=int(included.sum()), n_fits=fits)


def _unknown(model: object) -> PriorityModel:
    known = ", ".join(m.value for m in PriorityModel)
    raise InputError(f"unknown priority model {model!r}; expected one of {known}",
                     source="--model")


def _priors(data: LabelledRecords, prior_ids: Sequence[RecordId] | None, n_in: int, n_out: int,
            seed: int) -> NDArray[np.intp]:
    if prior_ids is not None:
        if n_in or n_out:
            raise InputError("give the priors either by id or as counts, not both",
                             source="--prior-ids")
        position = {str(r): i for i, r in enumerate(data.record_ids)}
        picked: list[int] = []
        for r in prior_ids:
            i = position.get(str(r))
            if i is None:
                raise InputError(f"record_id {r!r} is not in {data.source}", source="--prior-ids")
            if i in picked:
                raise InputError(f"record_id {r!r} is given twice", source="--prior-ids")
            picked.append(i)
        return np.array(picked, dtype=np.intp)
    rng = np.random.default_rng(seed)
    drawn = []
    for count, pool, kind, option in (
            (n_in, np.flatnonzero(data.included), "included", "--prior-included"),
            (n_out, np.flatnonzero(~data.included), "excluded", "--prior-excluded")):
        if count < 0:
            raise InputError(f"expected a count of 0 or more, got {count}", source=option)
        if count > pool.size:
            raise InputError(f"{count} {kind} priors asked for, but {data.source} has "
                             f"{pool.size} {kind} records", source=option)
        drawn.append(rng.choice(pool, size=count, replace=False))
    return np.concatenate(drawn).astype(np.intp)
