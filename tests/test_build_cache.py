"""Issue 8: Pelican's content cache is on, so a post whose bytes did not
change is not parsed again — and a cached reading is never reused once
something else it depends on (clinic.toml, the plugin's code) changed."""

from __future__ import annotations

import copy
import gzip
import os
import pickle
import shutil

import pytest
from sitekit import REPO

from clinicsite import reader
from clinicsite.build import run_pelican

PUBLISH = str(REPO / "publishconf.py")
BASELINE = REPO / "tests" / "fixtures" / "baseline"
CONTENT = REPO / "content"


@pytest.fixture
def reads(monkeypatch):
    """The source files our reader actually parsed, in order."""
    seen: list[str] = []
    original = reader.FrontMatterReader._read

    def counting(self, source_path):
        seen.append(source_path)
        return original(self, source_path)

    monkeypatch.setattr(reader.FrontMatterReader, "_read", counting)
    return seen


def _build(tmp_path, content, out="out", **override):
    settings = {"PATH": str(content), "CACHE_PATH": str(tmp_path / "cache"), **override}
    return run_pelican(PUBLISH, tmp_path / out, settings)


def test_unchanged_posts_are_not_read_again(tmp_path, reads):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    posts = sorted((content / "posts").glob("*.md"))
    assert _build(tmp_path, content, "a") == []
    first = len(reads)
    assert first == len(posts) + len(list((content / "pages").glob("*.md")))
    reads.clear()
    assert _build(tmp_path, content, "b") == []
    assert reads == []
    assert (tmp_path / "a" / "index.html").read_bytes() == (tmp_path / "b" / "index.html").read_bytes()
    # Edit one post: only it is read again, and the page shows the edit.
    edited = posts[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA sentence added by the cache test.\n", encoding="utf-8")
    assert _build(tmp_path, content, "c") == []
    assert reads == [str(edited)]
    pages = list((tmp_path / "c" / "posts").rglob("index.html"))
    assert any("A sentence added by the cache test." in p.read_text(encoding="utf-8") for p in pages)


def test_a_changed_clinic_toml_empties_the_cache(tmp_path, reads):
    """A post read while its author existed must not pass from the cache
    once clinic.toml no longer knows the author: the reader's own error
    (file, field, fix) is reported, not a crash further on."""
    assert _build(tmp_path, BASELINE) == []
    from pelican.settings import read_settings

    data = copy.deepcopy(read_settings(PUBLISH)["CLINIC_DATA"])
    data["authors"]["Byron Lamb"] = data["authors"].pop("Byron Lam")
    data["authors"]["Byron Lamb"]["slug"] = "byron-lamb"
    reads.clear()
    problems = _build(tmp_path, BASELINE, "out2", CLINIC_DATA=data)
    assert reads, "the posts were not read again after clinic.toml changed"
    assert any("baseline-post.md" in p and "authors" in p and "Byron Lamb" in p for p in problems), problems


def test_a_cache_file_cut_short_is_read_afresh(tmp_path, reads):
    assert _build(tmp_path, BASELINE) == []
    (cache,) = (tmp_path / "cache").glob("ArticlesGenerator-Readers")
    cache.write_bytes(cache.read_bytes()[: cache.stat().st_size // 2])
    reads.clear()
    assert _build(tmp_path, BASELINE, "out2") == []
    assert reads, "the damaged cache was not replaced"


def test_the_cache_keeps_only_this_content_folder(tmp_path):
    other = tmp_path / "other"
    shutil.copytree(BASELINE, other)
    assert _build(tmp_path, BASELINE) == []
    assert _build(tmp_path, other, "out2") == []
    with gzip.open(tmp_path / "cache" / "ArticlesGenerator-Readers", "rb") as fh:
        paths = set(pickle.load(fh))
    assert paths and all(p.startswith(str(other)) for p in paths), paths


def test_unchanged_pages_link_their_compressed_copies_from_the_cache(tmp_path):
    """Precompression: a page whose bytes are in the cache gets its .gz/.br
    as a hard link to the cached file — no bytes written."""
    assert _build(tmp_path, BASELINE) == []
    assert _build(tmp_path, BASELINE, "out2") == []
    for sibling in ("index.html.gz", "index.html.br"):
        path = tmp_path / "out2" / sibling
        # The same cached file as the first build's: linked, not written again.
        assert os.path.samefile(path, tmp_path / "out" / sibling), f"{sibling} was copied, not linked"
        assert path.stat().st_mtime_ns == (tmp_path / "out2" / "index.html").stat().st_mtime_ns
