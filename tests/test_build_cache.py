"""What a build keeps in its cache folder: Pelican's content cache (a post
whose bytes did not change is not read again — and never reused once
clinic.toml or the plugin's code changed), and the compressed copies of
unchanged files (not compressed again)."""

from __future__ import annotations

import logging
import re

import pytest
import tomli_w
from sitekit import FIXTURE_CLINIC, PUBLISH, fixture_project, merge, overrides

from clinicsite import reader
from clinicsite.build import run_pelican


@pytest.fixture
def reads(monkeypatch):
    """The source files our reader actually parsed, in order."""
    seen: list[str] = []
    original = reader.FrontMatterReader.read

    def counting(self, source_path):
        seen.append(source_path)
        return original(self, source_path)

    monkeypatch.setattr(reader.FrontMatterReader, "read", counting)
    return seen


def _build(project, out="out", **override):
    return run_pelican(PUBLISH, project / out, overrides(project, **override))


def test_unchanged_posts_are_not_read_again(tmp_path, reads):
    project = fixture_project(tmp_path, "full")
    posts = sorted((project / "content" / "posts").glob("*.md"))
    assert _build(project, "a") == []
    assert len(reads) == len(posts) + len(list((project / "content" / "pages").glob("*.md")))
    reads.clear()
    assert _build(project, "b") == []
    assert reads == []
    assert (project / "a" / "index.html").read_bytes() == (project / "b" / "index.html").read_bytes()
    edited = posts[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA sentence added by the cache test.\n", encoding="utf-8")
    assert _build(project, "c") == []
    assert reads == [str(edited)]
    assert any("A sentence added by the cache test." in p.read_text(encoding="utf-8")
               for p in (project / "c" / "posts").rglob("index.html"))


def test_a_changed_clinic_toml_empties_the_cache(tmp_path, reads):
    """A post read while its author existed must not pass from the cache
    once clinic.toml no longer knows the author: the reader's own error
    (file, field, fix) is reported, not a crash further on."""
    project = fixture_project(tmp_path, "baseline")
    assert _build(project) == []
    data = merge(FIXTURE_CLINIC, {})
    data["authors"]["Dana Stafford"] = data["authors"].pop("Dana Staff")
    data["authors"]["Dana Stafford"]["slug"] = "dana-stafford"
    (project / "clinic.toml").write_bytes(tomli_w.dumps(data).encode())
    reads.clear()
    problems = _build(project, "out2")
    assert reads, "the posts were not read again after clinic.toml changed"
    assert any("baseline-post.md" in p and "authors" in p and "Dana Stafford" in p for p in problems), problems


def test_a_cache_file_cut_short_is_read_afresh(tmp_path, reads):
    project = fixture_project(tmp_path, "baseline")
    assert _build(project) == []
    (cache,) = (project / "cache").glob("ArticlesGenerator-Readers")
    cache.write_bytes(cache.read_bytes()[: cache.stat().st_size // 2])
    reads.clear()
    assert _build(project, "out2") == []
    assert reads, "the damaged cache was not replaced"


def test_unchanged_files_are_not_compressed_again(tmp_path, caplog):
    project = fixture_project(tmp_path, "baseline")
    with caplog.at_level(logging.INFO):
        assert _build(project) == []
        assert _build(project, "out2") == []
    counts = [int(m.group(1)) for r in caplog.records if (m := re.search(r"(\d+) compressed now", r.getMessage()))]
    second = counts[len(counts) // 2:]
    assert counts[0] > 10 and second and not any(second), counts
    for sibling in ("index.html.gz", "index.html.br"):
        assert (project / "out2" / sibling).read_bytes() == (project / "out" / sibling).read_bytes()
