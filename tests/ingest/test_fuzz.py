"""Fuzzing the readers: no mutated input makes one raise anything but the hub's own errors, or
take more than a few seconds (issue 12).

Every run reads a fixed, seeded set of :data:`CI_INPUTS` mutated inputs per format through
the public path, auto-detected and with ``--format`` (see ``fuzzing.py``). The long run is
``slow`` and sized by the environment; fresh inputs each time unless a seed is given::

    EVIDENCEHUB_FUZZ_INPUTS=100000 nice -n 19 .venv/bin/pytest -q -n 2 -m slow \\
        tests/ingest/test_fuzz.py

``EVIDENCEHUB_FUZZ_SEED`` repeats a run; ``EVIDENCEHUB_FUZZ_OUT`` names a folder that keeps
each failing input and a summary per format (default: the test's tmp_path).
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.ingest.fuzzing import SAMPLE_DIRS, mutate, read_through_public_path, seeds

FORMATS = tuple(SAMPLE_DIRS)
#: Inputs per format in every run (each read twice: auto-detected and with its format).
CI_INPUTS = 25
#: Seconds of CPU time one input may take (the issue's bar); the alarm stops a reader that runs
#: longer. CPU time, not elapsed time: the machines these run on are shared.
LIMIT = 5.0
#: The long run is cut into this many parts per format, the parts of every format interleaved,
#: so that a run stopped early has covered every format alike.
PARTS = 20


def _fuzz(fmt: str, count: int, seed: int, work: Path, keep: Path,
          report: Callable[[dict[str, object]], None] | None = None) -> dict[str, object]:
    """Read ``count`` mutated inputs of ``fmt``; return the tally and the failures kept
    (``report`` is given the tally so far every 500 inputs)."""
    rng = random.Random(f"{fmt}:{seed}")
    samples = seeds(fmt)
    pool = [data for _, data in samples]
    tally: Counter[str] = Counter()
    failures: list[str] = []
    slowest = slowest_wall = 0.0
    warm_up = work / f"warm-up{Path(samples[0][0]).suffix}"  # imports and caches, not timed
    warm_up.write_bytes(samples[0][1])
    read_through_public_path(warm_up, None, limit=60)
    for number in range(count):
        name, data = rng.choice(samples)
        mutated = mutate(data, rng, pool)
        path = work / f"input{Path(name).suffix}"
        path.write_bytes(mutated)
        for reader_format in (None, fmt):
            outcome = read_through_public_path(path, reader_format, limit=LIMIT)
            tally[outcome.kind] += 1
            slowest = max(slowest, outcome.seconds)
            slowest_wall = max(slowest_wall, outcome.wall_seconds)
            if outcome.kind in ("crash", "timeout"):
                kept = keep / f"{fmt}_{seed}_{number}{Path(name).suffix}"
                kept.write_bytes(mutated)
                failures.append(f"{kept} (format {reader_format or 'auto'}, from {name}): "
                                f"{outcome.kind} after {outcome.seconds:.1f} s of CPU time\n{outcome.detail}")
        if report is not None and (number + 1) % 500 == 0:
            report({"format": fmt, "inputs": number + 1, "seed": seed, "tally": dict(tally),
                    "slowest_cpu_seconds": round(slowest, 3),
                    "slowest_wall_seconds": round(slowest_wall, 3), "failures": failures})
    return {"format": fmt, "inputs": count, "seed": seed, "tally": dict(tally),
            "slowest_cpu_seconds": round(slowest, 3), "slowest_wall_seconds": round(slowest_wall, 3),
            "failures": failures}


@pytest.mark.parametrize("fmt", FORMATS)
def test_mutated_samples_give_items_or_input_errors(fmt: str, tmp_path: Path) -> None:
    result = _fuzz(fmt, CI_INPUTS, seed=12, work=tmp_path, keep=tmp_path)
    assert result["failures"] == []
    assert sum(result["tally"].values()) == 2 * CI_INPUTS  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("part", range(PARTS if os.environ.get("EVIDENCEHUB_FUZZ_INPUTS") else 1))
def test_long_fuzz_run(part: int, fmt: str, tmp_path: Path) -> None:
    total = int(os.environ.get("EVIDENCEHUB_FUZZ_INPUTS", "0"))
    if total <= 0:
        pytest.skip("set EVIDENCEHUB_FUZZ_INPUTS to the number of inputs across all formats")
    seed = int(os.environ.get("EVIDENCEHUB_FUZZ_SEED") or random.SystemRandom().randrange(10**9))
    keep = Path(os.environ.get("EVIDENCEHUB_FUZZ_OUT") or tmp_path)
    keep.mkdir(parents=True, exist_ok=True)
    summary = keep / f"summary_{fmt}_{seed}_{part}.json"

    def report(result: dict[str, object]) -> None:
        summary.write_text(json.dumps(result, indent=1))

    count = -(-total // (len(FORMATS) * PARTS))
    result = _fuzz(fmt, count, seed * PARTS + part, tmp_path, keep, report)
    report(result)
    assert result["failures"] == []


def test_every_format_has_samples() -> None:
    for fmt in FORMATS:
        assert seeds(fmt), fmt
