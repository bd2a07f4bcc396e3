"""Issue 6 for the clinic's author: the editorial report's figures, the
new-post scaffold round trip, drafts and scheduled posts."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys

import pytest
import textstat
from sitekit import REPO, BuiltSite

from clinicsite.build import main as build_main
from clinicsite.build import run_pelican
from clinicsite.report import analyse, collect, plain_for_scoring, report_articles

FIXTURES = REPO / "tests" / "fixtures"
PUBLISH = str(REPO / "publishconf.py")
DEVELOP = str(REPO / "pelicanconf.py")


@pytest.fixture(scope="module")
def fixture_report():
    reports = collect(DEVELOP, {"PATH": str(FIXTURES / "report")})
    (report,) = reports
    return report


def test_report_counts(fixture_report):
    r = fixture_report
    assert r.words == 10 + 20 + 12
    assert r.reading_minutes == 1
    assert r.longest_paragraph == 20
    assert r.most_words_between_headings == 20
    assert r.images_without_alt == 1
    assert r.internal_links == 0
    assert r.title_length == len("A Report Fixture Post That Has A Title Much Longer Than Sixty Characters")
    assert r.description_length == len("A fixture post whose figures are known, so the editorial report can be checked.")
    assert r.claims == ["100%", "cure"]


def test_report_findings(fixture_report):
    checks = {f["check"] for f in fixture_report.findings}
    assert checks == {"image_alt", "no_internal_link", "title_length", "review_overdue", "claims"}


def test_readability_uses_the_clinical_allowlist():
    html = "<p>Sciatica and piriformis syndrome need acupuncture from a practitioner.</p>"
    report = analyse("x.md", "t", "d" * 60, html, today=dt.date(2026, 1, 1))
    scored = plain_for_scoring("Sciatica and piriformis syndrome need acupuncture from a practitioner.")
    assert "sciatica" not in scored.lower()
    assert report.grade_level == round(textstat.flesch_kincaid_grade(scored), 1)
    assert report.flesch_reading_ease > textstat.flesch_reading_ease(
        "Sciatica and piriformis syndrome need acupuncture from a practitioner."
    )


def test_report_setting_turns_a_warning_into_a_build_error(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "baseline", content)
    post = content / "posts" / "2026-01-02-claims.md"
    post.write_text(
        "---\ntitle: Claims\ndate: 2026-01-02T08:00:00+00:00\nauthors: [Byron Lam]\n"
        "description: A post that promises a miracle cure, which health regulators object to.\n"
        "topics: [sciatica]\n---\n\nA painless miracle.\n",
        encoding="utf-8",
    )
    common = {"PATH": str(content), "CACHE_PATH": str(tmp_path / "c")}
    assert run_pelican(PUBLISH, tmp_path / "out", common) == []
    problems = run_pelican(PUBLISH, tmp_path / "out2", {**common, "CLINICSITE_REPORT_ERRORS": ["claims"]})
    assert any("claims" in p and "2026-01-02-claims.md" in p for p in problems), problems


def test_check_content_json(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "clinicsite.report", "--settings", DEVELOP, "--json"],
        capture_output=True, encoding="utf-8", cwd=REPO, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    import json

    data = json.loads(proc.stdout)
    assert {d["file"] for d in data} == {f"content/posts/{p.name}" for p in (REPO / "content" / "posts").glob("*.md")}
    assert all(d["words"] > 100 for d in data)


def _project_copy(tmp_path):
    root = tmp_path / "project"
    for name in ("content", "theme"):
        shutil.copytree(REPO / name, root / name)
    for name in ("clinic.toml", "pelicanconf.py", "publishconf.py", "tasks.py"):
        shutil.copy(REPO / name, root / name)
    return root


def test_new_post_round_trip(tmp_path):
    root = _project_copy(tmp_path)
    invoke = [sys.executable, "-m", "invoke"]
    proc = subprocess.run(
        invoke + ["new-post", "Sitting with sciatica: what helps", "--author", "Byron Lam"],
        capture_output=True, encoding="utf-8", cwd=root, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    (post,) = [p for p in (root / "content" / "posts").glob("*sitting-with-sciatica*.md")]
    assert post.name.startswith(dt.date.today().isoformat())
    # It builds at once, in the preview and in production…
    assert build_main(["--settings", str(root / "pelicanconf.py"), "--output", str(root / "output")]) == 0
    assert (root / "output" / "drafts" / "sitting-with-sciatica-what-helps" / "index.html").is_file()
    assert build_main(["--settings", str(root / "publishconf.py"), "--output", str(root / "prod")]) == 0
    assert not (root / "prod" / "drafts").exists()
    # …and the report's only complaint is the placeholder text.
    (report,) = [r for r in collect(str(root / "pelicanconf.py")) if "sitting-with-sciatica" in r.file]
    assert {f["check"] for f in report.findings} == {"placeholder"}


def test_new_post_unknown_author(tmp_path):
    root = _project_copy(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "invoke", "new-post", "A title", "--author", "Bryon Lam"],
        capture_output=True, encoding="utf-8", cwd=root, timeout=120,
    )
    assert proc.returncode != 0
    assert 'did you mean "Byron Lam"' in proc.stderr
    assert not list((root / "content" / "posts").glob("*a-title.md"))


@pytest.fixture(scope="module")
def draft_builds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("drafts")
    content = str(FIXTURES / "drafts")
    assert build_main(["--settings", PUBLISH, "--content", content, "--output", str(tmp / "prod")]) == 0
    assert build_main(["--settings", DEVELOP, "--content", content, "--output", str(tmp / "dev")]) == 0
    return BuiltSite(tmp / "prod", "https://clinic.example.com"), BuiltSite(tmp / "dev", "")


def test_production_leaves_out_drafts_and_future_posts(draft_builds):
    prod, _ = draft_builds
    everything = "".join(p.read_text(encoding="utf-8") for p in prod.root.rglob("*") if p.suffix in (".html", ".xml"))
    assert "A Draft About Piriformis" not in everything
    assert "A Scheduled Post From the Future" not in everything
    assert not (prod.root / "drafts").exists()
    assert "A Baseline Post About Sciatica" in everything


def test_preview_shows_drafts_and_future_posts_marked(draft_builds):
    _, dev = draft_builds
    draft = dev.soup("drafts/a-draft-about-piriformis/index.html")
    assert "Draft: not published" in draft.select_one(".notice").get_text()
    assert draft.select_one('meta[name="robots"]')["content"] == "noindex"
    future = dev.soup("posts/a-scheduled-post-from-the-future/index.html")
    assert "Scheduled" in future.select_one(".notice").get_text()
    archive_links = [a.get_text() for a in dev.soup("archives/index.html").select("main a")]
    assert "A Draft About Piriformis" in archive_links


def test_report_figures_worked_out_in_another_process_match(tmp_path):
    """The build works out the report's figures in a separate process while
    pages render (report.FactsJob.launch); they must equal the in-process
    ones, and the cache then answers without any process."""
    from clinicsite.report import FactsJob

    htmls = [
        "<h2>A</h2><p>Sciatica: a cure, a miracle. TODO</p><img src=x>",
        "<p>Short words help readers in pain.</p><p><a href='/posts/x/'>x</a></p>",
    ]
    here = FactsJob(htmls, None).result()
    job = FactsJob(htmls, str(tmp_path))
    job.launch()
    assert job.launched, "the figures were not sent to another process"
    assert job.result() == here
    assert here[0].claims == ["cure", "miracle"] and here[0].placeholder and here[0].images_without_alt == 1
    again = FactsJob(htmls, str(tmp_path))
    again.launch()
    assert again.missing == {} and not again.launched
    assert again.result() == here
