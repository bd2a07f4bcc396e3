"""Issue 6: every mistake an author can make fails the build with a message
that names the file and the field, exits non-zero, and leaves the published
output byte-for-byte as it was. One fixture file per failure mode."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys

import pytest
from sitekit import REPO, digest

from clinicsite.build import main

FIXTURES = REPO / "tests" / "fixtures"
PUBLISH = str(REPO / "publishconf.py")

# case file -> what the message must name besides the file (the field, the fix)
CASES = {
    "unknown-author.md": ["authors", 'did you mean "Byron Lam"', "Known: "],
    "missing-description.md": ["description: missing", "50–160 characters"],
    "short-description.md": ["description", "it has 10"],
    "bad-date.md": ["date"],
    "date-without-timezone.md": ["date", "timezone"],
    "unknown-field.md": ["autor: unknown field", 'did you mean "authors"'],
    "unknown-topic.md": ["topics", 'did you mean "sciatica"'],
    "unknown-reviewer.md": ["reviewed_by", "not a known reviewer"],
    "review-in-future.md": ["last_reviewed", "in the future"],
    "review-before-date.md": ["last_reviewed", "before the post's date"],
    "duplicate-slug.md": ["slug", "baseline-post", "2026-01-05-baseline-post.md"],
    "duplicate-title.md": ["title", "2026-01-05-baseline-post.md"],
    "dead-link.md": ["{filename}/posts/2026-01-05-baseline-pots.md", "did you mean"],
    "dead-fragment.md": ["#no-such-heading"],
    "empty.md": ["empty"],
    "not-utf8.md": ["not UTF-8"],
    "no-front-matter.md": ["front matter: missing"],
    "invalid-yaml.md": ["invalid YAML"],
    "only-front-matter.md": ["body", "no text"],
    "image-without-alt.md": ["image_alt"],
    "bad-status.md": ["status", "published, draft, hidden"],
}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A good build of the baseline content: the 'previous output'."""
    tmp = tmp_path_factory.mktemp("baseline")
    out = tmp / "output"
    assert main(["--settings", PUBLISH, "--content", str(FIXTURES / "baseline"), "--output", str(out)]) == 0
    return out


def content_with(tmp_path, *cases):
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "baseline", content)
    for case in cases:
        shutil.copy(FIXTURES / "broken" / case, content / "posts" / case)
    return content


def test_every_fixture_has_a_case():
    assert {p.name for p in (FIXTURES / "broken").glob("*.md")} == set(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_post_fails_naming_file_and_field(case, published, tmp_path, caplog):
    out = tmp_path / "output"
    shutil.copytree(published, out)
    before = digest(out)
    content = content_with(tmp_path, case)
    with caplog.at_level(logging.WARNING):
        status = main(["--settings", PUBLISH, "--content", str(content), "--output", str(out)])
    assert status == 1
    summary = [r.getMessage() for r in caplog.records if r.name == "clinicsite.build"]
    assert summary, "no build summary logged"
    report = summary[-1]
    lines = [line for line in report.splitlines() if case in line]
    assert lines, f"no problem names {case}:\n{report}"
    for needle in CASES[case]:
        assert any(needle in line for line in lines) or needle in report, f"{case}: {needle!r} missing from:\n{report}"
    assert digest(out) == before, "the previous output changed"
    assert not list(tmp_path.glob(".output.*")), "a staging folder was left behind"


def test_all_errors_of_a_build_are_reported_together(published, tmp_path, caplog):
    out = tmp_path / "output"
    shutil.copytree(published, out)
    content = content_with(tmp_path, "unknown-author.md", "short-description.md", "dead-link.md")
    with caplog.at_level(logging.WARNING):
        assert main(["--settings", PUBLISH, "--content", str(content), "--output", str(out)]) == 1
    report = [r.getMessage() for r in caplog.records if r.name == "clinicsite.build"][-1]
    for case in ("unknown-author.md", "short-description.md", "dead-link.md"):
        assert case in report


def test_command_line_exit_status_and_message(published, tmp_path):
    out = tmp_path / "output"
    shutil.copytree(published, out)
    before = digest(out)
    content = content_with(tmp_path, "unknown-author.md")
    proc = subprocess.run(
        [sys.executable, "-m", "clinicsite.build", "--settings", PUBLISH, "--content", str(content), "--output", str(out)],
        capture_output=True,
        encoding="utf-8",
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "posts/unknown-author.md" in proc.stderr and 'did you mean "Byron Lam"' in proc.stderr
    assert digest(out) == before


def test_title_with_script_is_escaped_not_an_error(tmp_path):
    content = content_with(tmp_path)
    (content / "posts" / "script-title.md").write_text(
        "---\ntitle: 'Sciatica <script>alert(1)</script> & you'\ndate: 2026-01-06T08:00:00+00:00\n"
        "authors: [Byron Lam]\ndescription: A post whose title contains a script element, which must be shown as text.\n"
        "topics: [sciatica]\nslug: script-title\n---\n\nBody.\n",
        encoding="utf-8",
    )
    out = tmp_path / "output"
    assert main(["--settings", PUBLISH, "--content", str(content), "--output", str(out)]) == 0
    html = (out / "posts" / "script-title" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for path in out.rglob("*.html"):
        assert "<script>alert" not in path.read_text(encoding="utf-8"), path


def test_fifty_thousand_word_post_builds(tmp_path):
    content = content_with(tmp_path)
    paragraphs = "\n\n".join(
        f"## Part {i}\n\n" + " ".join(["Sciatica pain can run down the leg."] * 125) for i in range(1, 81)
    )
    (content / "posts" / "long.md").write_text(
        "---\ntitle: A Very Long Post\ndate: 2026-01-06T08:00:00+00:00\nauthors: [Byron Lam]\n"
        "description: A post of fifty thousand words, to show that the build copes with very long text.\n"
        "topics: [sciatica]\nslug: long\n---\n\n" + paragraphs + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "output"
    assert main(["--settings", PUBLISH, "--content", str(content), "--output", str(out)]) == 0
    html = (out / "posts" / "long" / "index.html").read_text(encoding="utf-8")
    assert html.count("<h2") >= 80


def test_the_replaced_output_is_kept_until_the_next_build_removes_it(tmp_path):
    """A successful build swaps its output in and keeps the one it replaced
    as a hidden sibling; the next build deletes that (in a separate process,
    while Pelican works) and keeps its own predecessor instead."""
    from clinicsite.build import build

    out = tmp_path / "output"
    override = {"PATH": str(FIXTURES / "baseline"), "CACHE_PATH": str(tmp_path / "cache")}

    def replaced():
        return sorted(tmp_path.glob(".output.old-*"))

    assert build(PUBLISH, out, override).ok and replaced() == []
    first = digest(out)
    assert build(PUBLISH, out, override).ok
    (kept,) = replaced()
    assert digest(kept / "site") == first
    second = digest(out)
    assert build(PUBLISH, out, override).ok
    (now,) = replaced()
    assert now != kept and not kept.exists() and digest(now / "site") == second
    assert not list(tmp_path.glob(".output.new-*"))
