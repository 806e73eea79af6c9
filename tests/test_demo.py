"""The demo walk end to end: store, import, analyses, labels, site; idempotence; interruption.

Reference numbers come from metafor 3.8.1 (R), run by hand on the same arms::

    library(metafor)
    d <- read.csv("src/evidencehub/data/demo/senn2013_hba1c.csv")  # dat.senn2013
    # one row per active arm of a placebo-controlled trial, change-from-baseline arms only,
    # active arm 1, placebo arm 2; one class at a time, e.g. for the biguanides:
    r <- rma(measure="MD", m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, n2i=n2i,
             data=metformin_vs_placebo, method="REML",
             control=list(threshold=1e-12, maxiter=10000))
    predict(r); weights(r)

metafor's default REML stopping rule (a change in tau^2 below 1e-5) leaves its estimates about
1e-6 from the optimum for these data; with the tight threshold above both programs converge to
the same optimum, and the tolerance is 1e-8 relative (1e-10 absolute near zero).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from evidencehub import demo as demo_module
from evidencehub.analysis.run import RunResult
from evidencehub.demo import DemoReport, run_demo
from evidencehub.errors import EvidenceHubError
from evidencehub.store import init_db, transaction
from evidencehub.store import tables as t
from evidencehub.store.repo.analyses import latest_runs

ANALYSIS_PAGE = "pages/hba1c-glucose-lowering-drugs"
SLUGS = {
    "Biguanides": "hba1c-biguanides-vs-placebo",
    "Alpha-glucosidase inhibitors": "hba1c-alpha-glucosidase-inhibitors-vs-placebo",
    "Thiazolidinediones": "hba1c-thiazolidinediones-vs-placebo",
    "DPP-4 inhibitors": "hba1c-dpp4-inhibitors-vs-placebo",
    "Benfluorex": "hba1c-benfluorex-vs-placebo",
}

# metafor 3.8.1: rma(measure="MD", ..., method="REML", control=list(threshold=1e-12,
# maxiter=10000)) and predict() per drug class; weights(r) printed to 6 significant digits.
METAFOR = {
    "Biguanides": {
        "k": 4,
        "estimate": -1.131239172629,
        "se": 0.325862436892,
        "ci_lb": -1.769917812851,
        "ci_ub": -0.492560532406,
        "tau2": 0.347925097176,
        "I2": 90.817707294621,
        "QE": 42.178358910533,
        "QEp": 3.67725538064e-09,
        "pi_lb": -2.452015587834,
        "pi_ub": 0.189537242577,
        "weights": {
            "De Fronzo (1995)": 28.86100,
            "Lewin (2007)": 29.68061,
            "Willms (1999)": 21.70821,
            "Gonzalez-Ortiz (2004)": 19.75019,
        },
    },
    "Alpha-glucosidase inhibitors": {
        "k": 5,
        "estimate": -0.908597183614,
        "se": 0.140970550821,
        "ci_lb": -1.184894386104,
        "ci_ub": -0.632299981125,
        "tau2": 0.044947299344,
        "I2": 48.038242972236,
        "QE": 7.076131661865,
        "QEp": 0.131919295898,
        "pi_lb": -1.407599531941,
        "pi_ub": -0.409594835288,
        "weights": {
            "Willms (1999)": 7.556471,
            "Costa (1997)": 30.366025,
            "Johnston (1994)": 25.234463,
            "Johnston (1998a)": 20.936516,
            "Johnston (1998b)": 15.906525,
        },
    },
    "Thiazolidinediones": {
        "k": 7,
        "estimate": -1.193523295661,
        "se": 0.094277724047,
        "ci_lb": -1.378304239338,
        "ci_ub": -1.008742351983,
        "tau2": 0.043051268879,
        "I2": 71.883973231914,
        "QE": 22.494111606851,
        "QEp": 0.000984883807893,
        "pi_lb": -1.640204024732,
        "pi_ub": -0.746842566589,
        "weights": {
            "Davidson (2007)": 13.967498,
            "Wolffenbuttel (1999)": 15.849168,
            "Kipnes (2001)": 15.028702,
            "Kerenyi (2004)": 16.257183,
            "Baksi (2004)": 16.666612,
            "Rosenstock (2008)": 9.430237,
            "Zhu (2003)": 12.800600,
        },
    },
    "DPP-4 inhibitors": {
        "k": 2,
        "estimate": -0.635933397327,
        "se": 0.090642962258,
        "ci_lb": -0.813590338805,
        "ci_ub": -0.458276455849,
        "tau2": 0.0,
        "I2": 0.0,
        "QE": 0.514125291517,
        "QEp": 0.473358481321,
        "pi_lb": -0.813590338805,
        "pi_ub": -0.458276455849,
        "weights": {"Hermansen (2007)": 49.282, "Garber (2008)": 50.718},
    },
}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoReport, Path]:
    root = tmp_path_factory.mktemp("demo")
    stages: list[tuple[str, str]] = []
    report = run_demo(
        str(root / "hub.db"), root / "site", progress=lambda s, e: stages.append((s, e))
    )
    assert stages == [
        (name, event) for name, _ in demo_module.STAGES for event in ("start", "done")
    ]
    return report, root / "site"


def read_json(site: Path, path: str) -> Any:
    return json.loads((site / f"{path}.json").read_text(encoding="utf-8"))


def stored_runs(report: DemoReport) -> dict[str, RunResult]:
    """The newest run of each analysis, read back from the store (never refitted)."""
    engine = init_db(report.database_url)
    try:
        with transaction(engine) as session:
            return {slug: RunResult.from_dict(run.result)
                    for slug, run in latest_runs(session).items()}
    finally:
        engine.dispose()


def page_analyses(site: Path) -> dict[str, Any]:
    return {a["slug"]: a for a in read_json(site, ANALYSIS_PAGE)["analyses"]}


def test_site_has_the_expected_pages(demo_run: tuple[DemoReport, Path]) -> None:
    report, site = demo_run
    for path in [
        "index",
        "library",
        "pages/stem-cell-derived-insulin",
        "pages/ipsc-derived-cell-therapy",
        ANALYSIS_PAGE,
        "studies/reichman2025",
        "trials/NCT04802733",
        "trace/run-1",
    ]:
        assert (site / f"{path}.html").is_file(), path
        assert (site / f"{path}.json").is_file(), path
    assert report.counts == {
        "records": 9,
        "trials": 4,
        "studies": 34,
        "outcome data": 53,
        "analyses": 5,
        "pages": 3,
        "claims": 29,
        "analyses fitted": 5,
        "new runs": 5,
        "pages labelled": 3,
        "site files": 108,
    }


@pytest.mark.parametrize("drug_class", list(METAFOR))
def test_pooled_numbers_match_metafor(demo_run: tuple[DemoReport, Path], drug_class: str) -> None:
    report, site = demo_run
    fit = stored_runs(report)[SLUGS[drug_class]].fit
    assert fit is not None
    reference = METAFOR[drug_class]
    assert fit["k"] == reference["k"]
    for key in ("estimate", "se", "ci_lb", "ci_ub", "tau2", "I2", "QE", "QEp", "pi_lb", "pi_ub"):
        assert fit[key] == pytest.approx(reference[key], rel=1e-8, abs=1e-10), key
    weights = {s["study"]: s["weight"] for s in fit["studies"]}
    assert weights == pytest.approx(reference["weights"], abs=1e-5)  # as printed: 6 digits
    shown = page_analyses(site)[SLUGS[drug_class]]["fit"]  # the page shows the stored run
    for key in ("estimate", "ci_lb", "ci_ub", "tau2", "I2", "QE"):
        assert shown[key] == fit[key], key


def test_tau2_zero_class_against_the_inverse_variance_formula(
    demo_run: tuple[DemoReport, Path],
) -> None:
    """With tau^2 = 0 the REML model is the inverse-variance average (Borenstein et al. 2009,
    ch. 11): computed here from the arms in the CSV with numpy."""
    _, site = demo_run
    # Hermansen (2007) sitagliptin vs placebo, Garber (2008) vildagliptin vs placebo.
    m1, sd1, n1 = np.array([-0.30, -0.63]), np.array([0.94, 1.034]), np.array([106, 132])
    m2, sd2, n2 = np.array([0.27, 0.07]), np.array([0.94, 1.08]), np.array([106, 144])
    yi = m1 - m2
    vi = sd1**2 / n1 + sd2**2 / n2
    w = 1 / vi
    estimate = np.sum(w * yi) / np.sum(w)
    se = np.sqrt(1 / np.sum(w))
    fit = page_analyses(site)[SLUGS["DPP-4 inhibitors"]]["fit"]
    assert fit["estimate"] == pytest.approx(estimate, rel=1e-12)
    assert fit["ci_lb"] == pytest.approx(estimate - 1.959963984540054 * se, rel=1e-12)
    assert fit["QE"] == pytest.approx(np.sum(w * (yi - estimate) ** 2), rel=1e-12)


def test_final_values_are_listed_not_pooled(demo_run: tuple[DemoReport, Path]) -> None:
    report, site = demo_run
    benfluorex = page_analyses(site)[SLUGS["Benfluorex"]]
    assert benfluorex["fit"] is None
    rows = {r["study_key"]: r for r in benfluorex["other_rows"]}
    stucci = rows["stucci1996"]  # final values: 8.03 (1.29, n 28) vs 8.26 (1.35, n 30)
    assert stucci["value_kind"] == "final"
    assert stucci["estimate"] == pytest.approx(8.03 - 8.26, rel=1e-12)
    stored = {r.study_key: r for r in stored_runs(report)[SLUGS["Benfluorex"]].rows}
    assert stored["stucci1996"].vi == pytest.approx(1.29**2 / 28 + 1.35**2 / 30, rel=1e-12)
    html = (site / f"{ANALYSIS_PAGE}.html").read_text(encoding="utf-8")
    assert "final value; not pooled with change values" in html
    assert "−1.13" in html and "−1.77 to −0.49" in html  # biguanides MD and CI as shown


def test_pages_carry_labels_tags_and_footnotes(demo_run: tuple[DemoReport, Path]) -> None:
    _, site = demo_run
    page = read_json(site, "pages/ipsc-derived-cell-therapy")
    assert page["label"]["kinds"] == ["Early human trials", "Laboratory (in-vitro) studies"]
    assert len(page["footnotes"]) == 8
    html = (site / "pages/ipsc-derived-cell-therapy.html").read_text(encoding="utf-8")
    assert '<span class="tag tag-needs-replication"' in html
    assert '<li id="fn-8" value="8">' in html and 'href="#cite-8-1"' in html
    assert "NCT04339764" in html and "UMIN000033564" in html and "jRCT2090220384" in html
    article = read_json(site, "pages/stem-cell-derived-insulin")
    assert len(article["page"]["takeaways"]) == 4
    assert article["related"] and article["disclaimer"].startswith("evidencehub gathers")


def store_contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = init_db(url)
    try:
        with transaction(engine) as session:
            return {
                table.name: sorted(
                    (tuple(row) for row in session.execute(select(table)).all()), key=repr
                )
                for table in t.Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def site_bytes(site: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()
    }


@pytest.mark.slow
def test_running_twice_changes_nothing(db_url: str, tmp_path: Path) -> None:
    site = tmp_path / "site"
    run_demo(db_url, site)
    store, files = store_contents(db_url), site_bytes(site)
    run_demo(db_url, site)
    assert store_contents(db_url) == store
    assert site_bytes(site) == files
    assert len(store["analysis_runs"]) == 5
    assert len(store["import_events"]) == 2  # the corpus and its arm table, recorded once


def test_interrupted_import_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    calls = 0
    from evidencehub.store.repo import outcomes as outcomes_repo

    real = outcomes_repo.put_outcome_data

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 20:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(outcomes_repo, "put_outcome_data", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_demo(url, tmp_path / "site")
    contents = store_contents(url)
    assert all(rows == [] for name, rows in contents.items() if name != "alembic_version")
    assert not (tmp_path / "site").exists()


def test_failed_analysis_stage_keeps_the_import_and_writes_no_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    from evidencehub.analysis import service

    real = service.fit_rows

    def failing(analysis: Any, *args: Any) -> Any:
        if analysis.slug == "hba1c-thiazolidinediones-vs-placebo":
            raise EvidenceHubError("simulated failure")
        return real(analysis, *args)

    monkeypatch.setattr(service, "fit_rows", failing)
    with pytest.raises(EvidenceHubError, match="simulated failure"):
        run_demo(url, tmp_path / "site")
    contents = store_contents(url)
    assert len(contents["studies"]) == 34
    assert len(contents["outcome_data_versions"]) == 53
    assert contents["analysis_runs"] == []  # the whole stage rolled back
