"""A build with a problem anywhere fails with a message naming the file, the
field and the fix, exits non-zero, and leaves the published output exactly as
it was — checked on full builds of a fixture site, for the mistakes only a
whole site shows and for one of each other kind."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import subprocess
import sys
import tomllib

import pytest
import tomli_w
from sitekit import FIXTURES, PUBLISH, REPO, build_site, digest, fixture_project, merge, overrides

from clinicsite.build import build

CASES = {
    "dead-link.md": ["{filename}/posts/2026-01-05-baseline-pots.md", "did you mean"],
    "dead-fragment.md": ["#no-such-heading", "give that heading"],
    "duplicate-slug.md": ["slug", "baseline-post", "2026-01-05-baseline-post.md"],
    "duplicate-title.md": ["title", "2026-01-05-baseline-post.md"],
    "unknown-author.md": ["authors", 'did you mean "Dana Staff"'],
}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A good build of the baseline fixture: the 'previous output'."""
    return build_site(tmp_path_factory.mktemp("baseline"))


def rebuild_with(published, tmp_path, *cases, clinic=None):
    """Build the baseline plus broken posts into a copy of the published project."""
    project = tmp_path / "project"
    shutil.copytree(published.project, project, symlinks=True)
    for case in cases:
        shutil.copy(FIXTURES / "broken" / case, project / "content" / "posts" / case)
    if clinic is not None:
        (project / "clinic.toml").write_text(clinic, encoding="utf-8")
    before = digest(project / "output")
    result = build(PUBLISH, project / "output", overrides(project, SITEURL="https://clinic.example.com"))
    return result, before, project


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_site_wide_mistake_fails_naming_file_and_field(published, tmp_path, case):
    result, before, project = rebuild_with(published, tmp_path, case)
    assert not result.ok
    lines = [p for p in result.problems if case in p]
    assert lines, f"no problem names {case}: {result.problems}"
    for needle in CASES[case]:
        assert any(needle in line for line in lines), f"{case}: {needle!r} missing from {lines}"
    assert digest(project / "output") == before, "the published output changed"
    assert not list((project / ".output.releases").glob("*.building")), "a half-built release was left"


def test_all_errors_of_a_build_are_reported_together(published, tmp_path):
    result, _, _ = rebuild_with(published, tmp_path, "unknown-author.md", "short-description.md", "dead-link.md")
    for case in ("unknown-author.md", "short-description.md", "dead-link.md"):
        assert any(case in p for p in result.problems), case


def test_a_broken_clinic_toml_fails_and_leaves_the_output(published, tmp_path):
    text = (published.project / "clinic.toml").read_text(encoding="utf-8").replace("+1 202-555-0199", "call us")
    result, before, project = rebuild_with(published, tmp_path, clinic=text)
    assert any(p.startswith("clinic.toml: locations.testville.phone") for p in result.problems), result.problems
    assert digest(project / "output") == before


@pytest.mark.parametrize("changes, needle", [
    ({"authors": {"Dana Staff": {"services": ["massage"]}}}, 'authors."Dana Staff".services: "massage" is not a service'),
    ({"locations": {"testville": {"closures": [{"name": "A", "start": dt.date(2026, 12, 24), "end": dt.date(2026, 12, 26)},
                                               {"name": "B", "start": dt.date(2026, 12, 25)}]}}}, "overlap"),
    ({"booking": {"service": "https://x.cliniko.com/bookings?appointment_type_id={treatment}"}},
     "{treatment} is not a placeholder"),
    ({"services": {"dry-needling": {"description": None}}}, "services.dry-needling.description: missing"),
    ({"services": {"dry-needling": {"source": "posts/no-such-post.md", "source_url": None}}},
     "services.dry-needling.source: 'posts/no-such-post.md' is not a published post"),
])
def test_a_bad_clinic_page_entry_fails_and_leaves_the_output(published, tmp_path, changes, needle):
    text = tomli_w.dumps(merge(tomllib.loads((published.project / "clinic.toml").read_text(encoding="utf-8")), changes))
    result, before, project = rebuild_with(published, tmp_path, clinic=text)
    assert not result.ok and any(needle in p for p in result.problems), result.problems
    assert digest(project / "output") == before


def test_command_line_exit_status_and_message(published, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(published.project, project, symlinks=True)
    shutil.copy(FIXTURES / "broken" / "unknown-author.md", project / "content" / "posts")
    before = digest(project / "output")
    # The documented command, with the fixture project's clinic.toml: a settings file beside it.
    settings = project / "settings.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(REPO)!r})\nfrom publishconf import *\n"
        + "".join(f"{k} = {v!r}\n" for k, v in overrides(project).items() if k != "PATH"),
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "clinicsite.build", "--settings", str(settings), "--content", str(project / "content"),
         "--output", str(project / "output")],
        capture_output=True, encoding="utf-8", cwd=REPO, timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "posts/unknown-author.md" in proc.stderr and 'did you mean "Dana Staff"' in proc.stderr
    assert "output/ was not changed" in proc.stderr
    assert digest(project / "output") == before


def test_a_title_with_markup_is_text_not_markup(tmp_path):
    project = fixture_project(tmp_path, "baseline")
    (project / "content" / "posts" / "script-title.md").write_text(
        "---\ntitle: 'Sciatica <script>alert(1)</script> & you'\ndate: 2026-01-06T08:00:00+00:00\n"
        "authors: [Dana Staff]\ndescription: A post whose title contains a script element, which must be shown as text.\n"
        "topics: [sciatica]\nslug: script-title\n---\n\nBody.\n",
        encoding="utf-8",
    )
    result = build(PUBLISH, project / "output", overrides(project))
    assert result.ok, result.problems
    for path in (project / "output").rglob("*.html"):
        assert "<script>alert" not in path.read_text(encoding="utf-8"), path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (project / "output/posts/script-title/index.html").read_text(encoding="utf-8")


def test_a_hostile_post_reaches_no_page_and_no_feed_in_either_build(tmp_path):
    """The allowlist holds in development and production builds alike."""
    hostile = ('<img src="https://tracker.example/p.png" alt="x">\n\n<iframe src="https://x.example/"></iframe>\n\n'
               '<a href="javascript:alert(1)">x</a>\n')
    for settings in (PUBLISH, str(REPO / "pelicanconf.py")):
        project = fixture_project(tmp_path / settings.rsplit("/", 1)[1], "baseline")
        (project / "content" / "posts" / "hostile.md").write_text(
            "---\ntitle: Hostile\ndate: 2026-01-06T08:00:00+00:00\nauthors: [Dana Staff]\n"
            "description: A post carrying markup that would send its readers' visits to other sites.\n"
            f"topics: [sciatica]\n---\n\nText.\n\n{hostile}",
            encoding="utf-8",
        )
        result = build(settings, project / "output", overrides(project))
        assert not result.ok
        messages = "\n".join(result.problems)
        for what in ("tracker.example", "<iframe>", "javascript:"):
            assert what in messages, (settings, what, messages)
        assert not (project / "output").exists()


def test_a_fifty_thousand_word_post_builds(tmp_path):
    paragraphs = "\n\n".join(f"## Part {i}\n\n" + " ".join(["Sciatica pain can run down the leg."] * 125) for i in range(1, 81))
    post = tmp_path / "long.md"
    post.write_text(
        "---\ntitle: A Very Long Post\ndate: 2026-01-06T08:00:00+00:00\nauthors: [Dana Staff]\n"
        "description: A post of fifty thousand words, to show that the build copes with very long text.\n"
        "topics: [sciatica]\nslug: long\n---\n\n" + paragraphs + "\n",
        encoding="utf-8",
    )
    site = build_site(tmp_path / "site", extra_posts=[post])
    assert (site.root / "posts/long/index.html").read_text(encoding="utf-8").count("<h2") >= 80


def test_report_errors_setting_turns_a_finding_into_a_build_error(tmp_path, caplog):
    post = tmp_path / "2026-01-02-claims.md"
    post.write_text(
        "---\ntitle: Claims\ndate: 2026-01-02T08:00:00+00:00\nauthors: [Dana Staff]\n"
        "description: A post that promises a miracle cure, which health regulators object to.\n"
        "topics: [sciatica]\n---\n\nA painless miracle. See [the baseline]({filename}/posts/2026-01-05-baseline-post.md).\n",
        encoding="utf-8",
    )
    with caplog.at_level(logging.INFO):
        build_site(tmp_path / "ok", extra_posts=[post])
    assert any("claims regulators object to" in r.getMessage() and r.levelno == logging.INFO for r in caplog.records)
    failed = build_site(tmp_path / "strict", extra_posts=[post], expect_ok=False, CLINICSITE_REPORT_ERRORS=["claims"])
    assert any("2026-01-02-claims.md: claims" in p for p in failed.problems), failed.problems


def test_an_unknown_setting_is_refused(tmp_path):
    failed = build_site(tmp_path, expect_ok=False, CLINICSITE_SERACH=True)
    assert any('CLINICSITE_SERACH: not a clinicsite setting — did you mean "CLINICSITE_SEARCH"' in p for p in failed.problems)

