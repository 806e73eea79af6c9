"""Reference values for evidencehub.review.screening_metrics, from ASReview's own code.

Run by hand in a venv of its own with ``asreview-insights`` (1.6.1, which needs asreview 2, so
not the venv of ``bench/bench_screening.py``; never a dependency of evidencehub)::

    python3 -m venv ../asr-insights-venv && ../asr-insights-venv/bin/pip install asreview-insights==1.6.1
    ../asr-insights-venv/bin/python tests/reference/asreview/generate.py > tests/reference/asreview/metrics.json

For label sequences (priors already left out, as ``asreview metrics`` does by default) it
records what asreview-insights' ``_recall`` (at 10 %), ``_wss`` (at 95 %) and
``_average_time_to_discovery`` of ``_time_to_discovery`` return. The sequences: small
hand-made ones, and shuffles (seeded) of the label columns of the two SYNERGY sets with their
inclusions moved forward by a noisy score, as a ranker would order them.
"""

import csv
import json
import random
import sys
from importlib.metadata import version
from pathlib import Path

from asreviewcontrib.insights.metrics import (
    _average_time_to_discovery,
    _recall,
    _time_to_discovery,
    _wss,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
DATA = next(p / "shared" / "fixtures" / "formats" / "screening" for p in ROOT.parents
            if (p / "shared").is_dir())


def ranked(labels, strength, seed):
    rng = random.Random(seed)
    scored = [(rng.random() + (strength if y else 0.0), i) for i, y in enumerate(labels)]
    return [labels[i] for _, i in sorted(scored, reverse=True)]


def case(name, labels):
    return {"name": name, "labels": labels, "recall@10%": _recall(labels, 0.1),
            "wss@95": _wss(labels, 0.95),
            "atd": _average_time_to_discovery(_time_to_discovery(range(len(labels)), labels))}


cases = [case("one_first", [1] + [0] * 9), case("one_last", [0] * 9 + [1]),
         case("three_of_ten", [1, 0, 1, 0, 0, 0, 0, 0, 0, 1]),
         case("all_relevant", [1, 1, 1, 1]), case("twenty", [0, 1] * 10),
         case("perfect_100", [1] * 7 + [0] * 93)]
for name in ("Bannach-Brown_2019.csv", "Cohen_2006_ADHD.csv"):
    with open(DATA / name, encoding="utf-8") as f:
        labels = [int(row["label_included"]) for row in csv.DictReader(f)]
    for strength in (0.0, 0.5, 0.9):
        cases.append(case(f"{name}:ranked{strength}", ranked(labels, strength, 7)))
json.dump({"asreview_insights": version("asreview-insights"), "cases": cases}, sys.stdout)
sys.stdout.write("\n")
