"""Load a corpus directory (by default the bundled demo) into validated domain objects.

Layout of a corpus directory::

    records.toml     [[record]] tables: evidencehub.model.Record fields; authors as "Family GI"
    trials.toml      [[trial]] tables: evidencehub.model.Trial fields
    studies.toml     [[study]] tables: evidencehub.model.Study fields
    analyses.toml    [source] (the arm table, its outcome and control arm), [classes]
                     (class -> arms), [[analysis]] (slug and class): one analysis per class,
                     the class's arms against the control arm
    pages/*.md       pages: TOML front matter between +++ lines, Markdown body
    *.csv            the arm table named by analyses.toml, in the layout of
                     ``evidencehub data import`` (:mod:`evidencehub.ingest.arm_data`)

Every object is validated by :func:`evidencehub.model.validate`, so an error names the file
and the entry (``studies.toml, study 3 ('mandai2017'): field 'n': …``). Cross-references are
checked too: a study citing an unknown record, a page citing an unknown study, an analysis
naming an unknown class.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidencehub.data import DEMO_DIR
from evidencehub.data.pages import PageSource, read_page
from evidencehub.errors import InputError
from evidencehub.ingest.arm_data import ArmDataRow, read_arm_data
from evidencehub.model import (
    Analysis,
    Record,
    Study,
    Trial,
    ValueKind,
    normalize_doi,
    validate,
)

__all__ = ["Corpus", "load_corpus", "parse_author"]

_CITATION = re.compile(r"\[@([^\]]+)\]")
_INITIALS = re.compile(r"^[A-Z]{1,4}$")


@dataclass(frozen=True, slots=True)
class Corpus:
    """Everything a corpus directory holds, validated and cross-checked.

    ``arm_table`` is the arm-level outcome table (the ``data import`` layout) and ``arm_rows``
    its rows, read and checked; its studies are created when it is imported.
    """

    root: Path
    records: tuple[Record, ...]
    trials: tuple[Trial, ...]
    studies: tuple[Study, ...]
    arm_table: Path | None
    arm_rows: tuple[ArmDataRow, ...]
    analyses: tuple[Analysis, ...]
    pages: tuple[PageSource, ...]


def parse_author(text: str) -> dict[str, str]:
    """``"Vodyanik MA"`` → ``{"family": "Vodyanik", "given": "M. A."}``; else a collective."""
    family, _, initials = text.strip().rpartition(" ")
    if family and _INITIALS.match(initials):
        return {"family": family, "given": " ".join(f"{letter}." for letter in initials)}
    return {"collective": text.strip()}


def _tables(path: Path, name: str) -> list[dict[str, Any]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("file not found", source=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=path.name) from None
    entries = data.get(name, [])
    if not isinstance(entries, list):
        raise InputError(f"expected [[{name}]] tables", source=path.name)
    return entries


def _entry(name: str, index: int, data: dict[str, Any], id_field: str) -> str:
    ident = data.get(id_field)
    return f"{name} {index}" + (f" ({ident!r})" if ident else "")


def _records(root: Path) -> tuple[Record, ...]:
    records = []
    for i, data in enumerate(_tables(root / "records.toml", "record"), start=1):
        data = {**data, "authors": [parse_author(a) for a in data.get("authors", [])]}
        records.append(
            validate(Record, data, source="records.toml", where=_entry("record", i, data, "doi"))
        )
    return tuple(records)


def _simple(
    root: Path, file: str, name: str, model: type[Trial | Study], id_field: str
) -> tuple[Any, ...]:
    return tuple(
        validate(model, data, source=file, where=_entry(name, i, data, id_field))
        for i, data in enumerate(_tables(root / file, name), start=1)
    )


def _plan(root: Path) -> tuple[Path | None, tuple[ArmDataRow, ...], tuple[Analysis, ...]]:
    path = root / "analyses.toml"
    if not path.exists():
        return None, (), ()
    spec = tomllib.loads(path.read_text(encoding="utf-8"))
    source = spec.get("source", {})
    for field in ("file", "outcome", "control_arm"):
        if field not in source:
            raise InputError(f"the [source] table needs '{field}'", source=path.name)
    table = root / source["file"]
    rows = tuple(read_arm_data(table))
    classes = {name: tuple(arms) for name, arms in spec.get("classes", {}).items()}
    arms_present = {r.data.arm for r in rows}
    for name, arms in classes.items():
        unknown = [a for a in arms if a not in arms_present]
        if unknown:
            raise InputError(
                f"arm(s) {', '.join(unknown)} of class {name!r} are not in {source['file']}",
                source=path.name,
                where="[classes]",
            )
    control = source["control_arm"]
    analyses = []
    for i, data in enumerate(spec.get("analysis", []), start=1):
        where = _entry("analysis", i, data, "slug")
        name = data.get("class")
        if name not in classes:
            raise InputError(
                f"unknown class {name!r}; expected one of {', '.join(classes)}",
                source=path.name,
                where=where,
            )
        fields = {
            "slug": data.get("slug"),
            "title": f"{name} versus {control}: change in {source['outcome']}",
            "outcome": source["outcome"],
            "comparison": {"experimental": classes[name], "control": (control,)},
            "measure": data.get("measure", "MD"),
            "method": data.get("method", "REML"),
            "test": data.get("test", "z"),
            "value_kind": ValueKind.CHANGE,
            "description": (
                f"Change in {source['outcome']} from baseline with {name.lower()} against "
                f"{control}, pooled across randomised trials with a random-effects model."
            ),
        }
        analyses.append(validate(Analysis, fields, source=path.name, where=where))
    return table, rows, tuple(analyses)


def _record_key(key: str) -> str:
    """Canonical record key: DOIs are case-insensitive, so ``doi:`` keys are lower-cased."""
    return "doi:" + normalize_doi(key[4:]) if key.startswith("doi:") else key


def _check_unique(items: list[str], what: str, source: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise InputError(f"duplicate {what} {item!r}", source=source)
        seen.add(item)


def load_corpus(root: Path = DEMO_DIR) -> Corpus:
    """Read, validate and cross-check the corpus in ``root``."""
    records = _records(root)
    trials = _simple(root, "trials.toml", "trial", Trial, "registry_id")
    studies = _simple(root, "studies.toml", "study", Study, "key")
    arm_table, arm_rows, analyses = _plan(root)
    studies = tuple(
        s.model_copy(update={"record_keys": tuple(_record_key(k) for k in s.record_keys)})
        for s in studies
    )
    pages = tuple(read_page(p) for p in sorted((root / "pages").glob("*.md")))
    _check_unique([r.key for r in records], "record", "records.toml")
    _check_unique([t.registry_id for t in trials], "trial", "trials.toml")
    _check_unique([s.key for s in studies], "study key", "studies.toml")
    _check_unique([p.page.slug for p in pages], "page slug", "pages/")
    record_keys = {r.key for r in records}
    for study in studies:
        for key in study.record_keys:
            if key not in record_keys:
                raise InputError(
                    f"unknown record {key!r}", source="studies.toml", where=f"study {study.key!r}"
                )
    for row in arm_rows:
        if row.data.source is not None and _record_key(row.data.source) not in record_keys:
            raise InputError(f"unknown record {row.data.source!r}", source=arm_table.name
                             if arm_table else "analyses.toml", where=f"row {row.row}")
    study_keys = {s.key for s in studies} | {r.data.study_key for r in arm_rows}
    analysis_slugs = {a.slug for a in analyses}
    for source in pages:
        where = f"pages/{source.page.slug}.md"
        for match in _CITATION.finditer(source.page.body):
            for key in (k.strip().removeprefix("@") for k in match.group(1).split(";")):
                if key not in study_keys:
                    raise InputError(f"cites unknown study {key!r}", source=where)
        for slug in source.page.analysis_slugs:
            if slug not in analysis_slugs:
                raise InputError(f"names unknown analysis {slug!r}", source=where)
    return Corpus(
        root=root,
        records=records,
        trials=trials,
        studies=studies,
        arm_table=arm_table,
        arm_rows=arm_rows,
        analyses=analyses,
        pages=pages,
    )
