"""Small synthetic screening data for the priority and simulation tests: included records
speak of one topic, excluded ones of others, both with shared filler words (seeded)."""

from __future__ import annotations

import random

TOPIC = ["islet", "transplantation", "insulin", "independence", "graft", "beta", "cell"]
OTHERS = ["asthma", "inhaler", "cardiac", "stent", "fracture", "knee", "migraine", "tumour",
          "dental", "caries", "vision", "retina"]
FILLER = ["study", "patients", "results", "trial", "outcome", "group", "data", "analysis",
          "effect", "year", "cohort", "follow"]


def records(n: int = 200, n_included: int = 12, seed: int = 3) -> list[tuple[int, str, str, int]]:
    """``(record_id, title, abstract, label_included)`` rows; inclusions spread at random."""
    rng = random.Random(seed)
    included = set(rng.sample(range(n), n_included))
    rows = []
    for i in range(n):
        words = TOPIC if i in included else rng.sample(OTHERS, 4)
        title = " ".join(rng.choices(words, k=3) + rng.choices(FILLER, k=2))
        abstract = " ".join(rng.choices(words, k=6) + rng.choices(FILLER + OTHERS, k=14))
        rows.append((1000 + i, title, abstract, int(i in included)))
    return rows


def csv_text(rows: list[tuple[int, str, str, int]]) -> str:
    """The rows as a SYNERGY-style CSV, with an extra column the reader must ignore."""
    lines = ["record_id,title,abstract,year,label_included"]
    lines += [f'{r},"{t}","{a}",2020,{y}' for r, t, a, y in rows]
    return "\n".join(lines) + "\n"
