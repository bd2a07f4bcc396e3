"""The search index of a large site is built in parts (Pagefind
holds a whole index in memory), each part cached by its pages' bytes — an
unchanged part is not indexed again, an edited post re-indexes its part only.
The browser side (the parts merged into one search) is in test_search.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sitekit import PUBLISH, fixture_project, overrides

from clinicsite import search
from clinicsite.build import run_pelican


def test_part_count_follows_the_chunk_size():
    assert search.part_count(7, 300) == 1
    assert search.part_count(300, 300) == 1
    assert search.part_count(301, 300) == 2
    assert search.part_count(1000, 300) == 4
    assert search.part_count(5000, None) == 1
    assert search.part_folders(3) == ["pagefind", "pagefind/part-2", "pagefind/part-3"]


def _pages(n):
    return {f"posts/post-{i}/index.html": f"{i:064x}" for i in range(n)}


def test_plan_spreads_pages_by_path_so_an_added_or_edited_post_moves_no_other():
    pages = _pages(1000)
    parts = search.plan(pages, 4)
    assert [p.folder for p in parts] == search.part_folders(4)
    assert all(200 <= len(p.pages) <= 300 for p in parts), [len(p.pages) for p in parts]
    assert sorted(rel for p in parts for rel in p.pages) == sorted(pages)
    # Editing one page changes its part's key and no other part's membership or key.
    edited = dict(pages, **{"posts/post-7/index.html": "f" * 64})
    again = search.plan(edited, 4)
    assert [p.pages for p in again] == [p.pages for p in parts]
    changed = [a.folder for a, b in zip(parts, again) if a.key != b.key]
    assert changed == [next(p.folder for p in parts if "posts/post-7/index.html" in p.pages)]
    # Adding a page (same part count) adds it to one part; the others keep their pages and keys.
    added = search.plan(dict(pages, **{"posts/new-post/index.html": "e" * 64}), 4)
    assert sum(a.key != b.key for a, b in zip(parts, added)) == 1
    assert sum(a.pages != b.pages for a, b in zip(parts, added)) == 1


def test_plan_never_leaves_a_part_empty():
    for n in range(3, 12):
        parts = search.plan(_pages(n), 3)
        assert all(p.pages for p in parts) and sum(len(p.pages) for p in parts) == n


def test_no_indexed_page_means_no_index(tmp_path):
    out = tmp_path / "out"
    (out / search.BUNDLE).mkdir(parents=True)
    (out / search.BUNDLE / "stale.js").write_text("left by an earlier build")
    job = search.Indexing(out, tmp_path / "cache", {}, 1).start()
    assert job.finish() and not (out / search.BUNDLE).exists()


def test_plan_refuses_more_parts_than_pages():
    with pytest.raises(search.SearchError, match="merges 3 index parts but only 2 page"):
        search.plan(_pages(2), 3)


def _build(project, out, chunk=1):
    settings = overrides(project, CLINICSITE_SEARCH_CHUNK=chunk, SITEURL="https://clinic.example.com")
    assert run_pelican(PUBLISH, project / out, settings) == []
    return project / out


def _entries(cache: Path) -> set[str]:
    return {p.name for p in (cache / "search").iterdir()}


def test_parts_are_cached_by_their_pages_and_an_edit_reindexes_one_part(tmp_path):
    project = fixture_project(tmp_path, "full")
    posts = sorted((project / "content" / "posts").glob("*.md"))
    parts = search.part_count(len(posts), 1)
    assert parts >= 3, "the site needs posts enough for several parts"

    first = _build(project, "a")
    folders = search.part_folders(parts)
    assert sorted(p.relative_to(first).as_posix() for p in first.glob("pagefind/**/pagefind-entry.json")) == sorted(
        f"{f}/pagefind-entry.json" for f in folders
    )
    counts = [json.loads((first / f / "pagefind-entry.json").read_text(encoding="utf-8"))["languages"]["en"]["page_count"] for f in folders]
    assert sum(counts) == len(posts) and min(counts) >= 1, counts
    # Only the first bundle carries Pagefind's script and WebAssembly.
    assert (first / "pagefind" / "pagefind.js").is_file()
    assert not list((first / folders[1]).glob("*.js")) and not list((first / folders[1]).glob("wasm.*"))
    # The search page merges exactly the other parts.
    form = BeautifulSoup((first / "search" / "index.html").read_text(encoding="utf-8"), "html.parser").select_one(
        "form[data-search-form]"
    )
    merged = [url.split("/", 3)[-1] for url in form["data-pagefind-parts"].split()]
    assert merged == [f"{folder}/" for folder in folders[1:]], form["data-pagefind-parts"]
    cache = project / "cache"
    cached = _entries(cache)
    assert len(cached) == parts

    # Building into the same folder again (Pelican's --autoreload) leaves the
    # cached parts intact: the output's links are replaced, not written through.
    stored = {p: p.read_bytes() for p in (cache / "search").rglob("*") if p.is_file()}
    _build(project, "a")
    assert {p: p.read_bytes() for p in (cache / "search").rglob("*") if p.is_file()} == stored

    # Nothing changed: every part comes from the cache (the same files, hard-linked).
    second = _build(project, "b")
    assert _entries(cache) == cached
    for folder in folders:
        a, b = first / folder / "pagefind-entry.json", second / folder / "pagefind-entry.json"
        assert a.read_bytes() == b.read_bytes()
        assert a.samefile(b), f"{folder} was indexed again"

    # One post edited: one new part in the cache, the others linked as before.
    edited = posts[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nZygomorphic sentence added by the test.\n", encoding="utf-8")
    third = _build(project, "c")
    assert len(_entries(cache) - cached) == 1
    same = [f for f in folders if (second / f / "pagefind-entry.json").samefile(third / f / "pagefind-entry.json")]
    assert len(same) == parts - 1, same
    fragments = [p for p in third.glob("pagefind/**/fragment/*") if not p.name.endswith((".gz", ".br"))]
    assert fragments


def test_one_part_when_the_site_is_smaller_than_a_chunk(tmp_path):
    out = _build(fixture_project(tmp_path, "full"), "out", chunk=300)
    assert not list(out.glob("pagefind/part-*"))
    assert "data-pagefind-parts" not in (out / "search" / "index.html").read_text(encoding="utf-8")
