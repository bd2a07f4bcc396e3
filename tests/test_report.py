"""The editorial report (figures, findings, the check-content command, and
the same figures from worker processes) and the new-post scaffold, the
author's first step."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys

import pytest
import textstat
from sitekit import DEVELOP, REPO, fixture_project, overrides

from clinicsite.build import build
from clinicsite.report import text
from clinicsite.report.__main__ import collect


@pytest.fixture(scope="module")
def fixture_report(tmp_path_factory):
    project = fixture_project(tmp_path_factory.mktemp("report"), "report")
    (report,) = collect(DEVELOP, overrides(project, CLINICSITE_READABILITY=True))
    return report


def test_report_counts(fixture_report):
    r = fixture_report
    assert r.words == 10 + 20 + 12
    assert r.reading_minutes == 1
    assert r.longest_paragraph == 20 and r.most_words_between_headings == 20
    assert r.internal_links == 0
    assert r.title_length == len("A Report Fixture Post That Has A Title Much Longer Than Sixty Characters")
    assert r.claims == ["100%", "cure"]
    assert r.grade_level is not None


def test_report_findings(fixture_report):
    assert {f["check"] for f in fixture_report.findings} == {"no_internal_link", "title_length", "claims"}


def test_readability_counts_clinical_terms_as_plain_words():
    sentence = "Sciatica and piriformis syndrome need acupuncture from a practitioner."
    terms = ("sciatica", "piriformis", "syndrome", "acupuncture", "practitioner")
    ease, grade = text.readability(sentence, terms)
    plain = "pain and pain pain need pain from a pain."
    assert grade == round(textstat.flesch_kincaid_grade(plain), 1)
    assert ease > textstat.flesch_reading_ease(sentence)


def test_figures_from_worker_processes_equal_those_worked_out_here():
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing

    htmls = ["<h2>A</h2><p>Sciatica: a cure, a miracle. TODO</p>",
             "<p>Short words help readers in pain.</p><p><a href='/posts/x/'>x</a></p>"]
    here = text.facts_of(htmls, ("sciatica",))
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        there = pool.submit(text.facts_of, htmls, ("sciatica",)).result()
    assert there == here
    assert here[0]["claims"] == ["cure", "miracle"] and here[0]["placeholder"]


def test_check_content_json():
    proc = subprocess.run([sys.executable, "-m", "clinicsite.report", "--settings", DEVELOP, "--json"],
                          capture_output=True, encoding="utf-8", cwd=REPO, timeout=180)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {d["file"] for d in data} == {f"content/posts/{p.name}" for p in (REPO / "content" / "posts").glob("*.md")}
    assert all(d["words"] > 100 and d["grade_level"] is not None for d in data)


def _project_copy(tmp_path):
    root = tmp_path / "project"
    for name in ("content", "theme", "safety"):
        shutil.copytree(REPO / name, root / name)
    for name in ("clinic.toml", "pelicanconf.py", "publishconf.py", "tasks.py"):
        shutil.copy(REPO / name, root / name)
    return root


def test_new_post_round_trip(tmp_path):
    root = _project_copy(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "invoke", "new-post", "Sitting with sciatica: what helps", "--author", "Byron Lam"],
                          capture_output=True, encoding="utf-8", cwd=root, timeout=120)
    assert proc.returncode == 0, proc.stderr
    (post,) = list((root / "content" / "posts").glob("*sitting-with-sciatica*.md"))
    assert post.name.startswith(dt.date.today().isoformat())
    # It builds at once, in the preview and in production…
    assert build(str(root / "pelicanconf.py"), root / "output").ok
    assert (root / "output" / "drafts" / "sitting-with-sciatica-what-helps" / "index.html").is_file()
    assert build(str(root / "publishconf.py"), root / "prod").ok
    assert not (root / "prod" / "drafts").exists()
    # …and the report's only complaint is the placeholder text.
    (report,) = [r for r in collect(str(root / "pelicanconf.py")) if "sitting-with-sciatica" in r.file]
    assert {f["check"] for f in report.findings} == {"placeholder"}


def test_new_post_unknown_author(tmp_path):
    root = _project_copy(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "invoke", "new-post", "A title", "--author", "Bryon Lam"],
                          capture_output=True, encoding="utf-8", cwd=root, timeout=120)
    assert proc.returncode != 0 and 'did you mean "Byron Lam"' in proc.stderr
    assert not list((root / "content" / "posts").glob("*a-title.md"))


