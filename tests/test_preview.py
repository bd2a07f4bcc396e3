"""Issue 8, the preview path: one edited post re-renders only its own page;
anything else rebuilds the site; a broken save leaves the page as it was.

The engine is driven through its API (`Preview.apply`) on a copy of
content/, with the development settings; one test goes through the watcher.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from sitekit import REPO, digest

from clinicsite.build import build
from clinicsite.preview import Preview
from clinicsite.scaffold import new_post

DEVELOP = str(REPO / "pelicanconf.py")
# A post with no image (rendering an image copies its variants again).
POST = "2026-11-22-dry-needling-session-and-aftercare.md"
PAGE = "posts/dry-needling-session-and-aftercare/index.html"
SENTENCE = "Bring a bottle of water to your first session."


@pytest.fixture
def preview(tmp_path) -> Preview:
    shutil.copytree(REPO / "content", tmp_path / "content")
    engine = Preview(DEVELOP, tmp_path / "output",
                     {"PATH": str(tmp_path / "content"), "CACHE_PATH": str(tmp_path / "cache")})
    outcome = engine.rebuild()
    assert outcome.ok, outcome.problems
    return engine


def source(preview: Preview, name: str = POST) -> Path:
    return preview.content / "posts" / name


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{text}\n", encoding="utf-8")


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def html(preview: Preview, rel: str = PAGE) -> str:
    return (preview.output / rel).read_text(encoding="utf-8")


def stamps(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def test_body_edit_rewrites_only_that_page(preview):
    before, times = digest(preview.output), stamps(preview.output)
    append(source(preview), SENTENCE)
    outcome = preview.apply([source(preview)])
    assert (outcome.action, outcome.ok, outcome.page) == ("page", True, PAGE), outcome.problems
    assert SENTENCE in html(preview)
    after = digest(preview.output)
    assert after[PAGE] != before[PAGE]
    assert {k: v for k, v in after.items() if k != PAGE} == {k: v for k, v in before.items() if k != PAGE}
    assert {k: v for k, v in stamps(preview.output).items() if k != PAGE} == {
        k: v for k, v in times.items() if k != PAGE
    }


def test_body_edits_give_what_a_full_build_gives(preview, tmp_path):
    """The re-rendered page is byte for byte the full build's; only the
    search index waits for the next full rebuild."""
    for name in (POST, "2026-11-22-sciatica-treatments-compared.md"):
        append(source(preview, name), SENTENCE)
        assert preview.apply([source(preview, name)]).action == "page"
    fresh = build(DEVELOP, tmp_path / "fresh",
                  {"PATH": str(preview.content), "CACHE_PATH": str(tmp_path / "cache2")})
    assert fresh.ok, fresh.problems
    ours, theirs = digest(preview.output), digest(fresh.output)
    differ = sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
    assert differ and all(k.startswith("pagefind/") for k in differ), differ


def test_title_edit_rebuilds_the_site(preview):
    replace(source(preview), 'title: "Dry Needling for Sciatica: The Session and Aftercare"',
            'title: "What Happens at a Dry Needling Session"')
    outcome = preview.apply([source(preview)])
    assert (outcome.action, outcome.ok) == ("site", True), outcome.problems
    assert "title" in outcome.reason
    for page in ("index.html", "topics/dry-needling/index.html", "topics/sciatica/index.html", PAGE):
        assert "What Happens at a Dry Needling Session" in html(preview, page), page


def test_reading_time_change_rebuilds_the_site(preview):
    """Lists of posts show the reading time, so it is not 'only the text'."""
    append(source(preview), " ".join(["Rest and gentle walks help."] * 120))
    outcome = preview.apply([source(preview)])
    assert (outcome.action, outcome.ok) == ("site", True), outcome.problems
    assert "reading_minutes" in outcome.reason


def test_broken_front_matter_leaves_the_page_then_a_fix_recovers(preview, caplog):
    before = (preview.output / PAGE).read_bytes()
    good = source(preview).read_text(encoding="utf-8")
    replace(source(preview), "authors: [Editorial team]", "authors: [Editorial tem]")
    outcome = preview.apply([source(preview)])
    assert (outcome.action, outcome.ok) == ("page", False)
    (problem,) = outcome.problems
    assert f"content/posts/{POST}" in problem and "authors" in problem and "Editorial team" in problem
    assert f"content/posts/{POST}" in caplog.text and PAGE in caplog.text
    assert (preview.output / PAGE).read_bytes() == before

    source(preview).write_text(good + f"\n{SENTENCE}\n", encoding="utf-8")
    outcome = preview.apply([source(preview)])
    assert (outcome.action, outcome.ok) == ("page", True), outcome.problems
    assert SENTENCE in html(preview)


def test_empty_body_leaves_the_page(preview):
    before = (preview.output / PAGE).read_bytes()
    text = source(preview).read_text(encoding="utf-8")
    source(preview).write_text(text[: text.index("\n---\n") + 5], encoding="utf-8")
    outcome = preview.apply([source(preview)])
    assert not outcome.ok and "body" in outcome.problems[0] and POST in outcome.problems[0]
    assert (preview.output / PAGE).read_bytes() == before


def test_dead_link_leaves_the_page(preview):
    before = (preview.output / PAGE).read_bytes()
    append(source(preview), "See [the missing post]({filename}/posts/no-such-post.md).")
    outcome = preview.apply([source(preview)])
    assert (outcome.action, outcome.ok) == ("page", False)
    (problem,) = outcome.problems
    assert f"content/posts/{POST}" in problem and "{filename}/posts/no-such-post.md" in problem
    assert (preview.output / PAGE).read_bytes() == before


def test_renamed_heading_breaks_the_links_into_it(preview):
    """Another post links to #what-to-know in this one: renaming the heading
    is caught even though only this post was saved."""
    target = "2026-11-22-how-dry-needling-can-help-sciatica.md"
    page = "posts/how-dry-needling-can-help-sciatica/index.html"
    before = (preview.output / page).read_bytes()
    replace(source(preview, target), "{#what-to-know}", "{#what-you-should-know}")
    outcome = preview.apply([source(preview, target)])
    assert not outcome.ok
    (problem,) = outcome.problems
    assert "2023-04-18-dry-needling-for-sciatica-pain.md" in problem and "#what-to-know" in problem
    assert (preview.output / page).read_bytes() == before
    # The rejected save changed nothing: the served page still has the
    # heading, so a save of the post linking to it is accepted.
    linking = source(preview, "2023-04-18-dry-needling-for-sciatica-pain.md")
    append(linking, SENTENCE)
    assert preview.apply([linking]).ok
    replace(source(preview, target), "{#what-you-should-know}", "{#what-to-know}")
    assert preview.apply([source(preview, target)]).ok


def test_the_new_post_replaces_the_old_everywhere(preview):
    """Lists, other posts' related and older/newer links and the lookup by
    path all hold the re-read post, with what the plugins computed kept."""
    old = preview.kept.context["generated_content"][f"posts/{POST}"]
    append(source(preview), SENTENCE)
    assert preview.apply([source(preview)]).ok
    new = preview.kept.context["generated_content"][f"posts/{POST}"]
    assert new is not old and SENTENCE in new.content
    assert new.byline == old.byline and new.related_posts == old.related_posts
    gen = preview.kept.articles
    held = [gen.articles, gen.dates, *gen.tags.values(), *(m for _, m in gen.categories)]
    for article in gen.articles:
        held += [article.related_posts, [article.prev_article, article.next_article]]
    assert any(new is a for group in held for a in group)
    assert not any(old is a for group in held for a in group)


def test_new_post_rebuilds_the_site_and_its_draft_then_previews_fast(preview):
    path = new_post("Sitting comfortably with sciatica", "Byron Lam", preview.content, REPO / "clinic.toml")
    outcome = preview.apply([path])
    assert (outcome.action, outcome.ok) == ("site", True), outcome.problems
    draft = "drafts/sitting-comfortably-with-sciatica/index.html"
    assert "Sitting comfortably with sciatica" in html(preview, draft)

    append(path, SENTENCE)
    outcome = preview.apply([path])
    assert (outcome.action, outcome.ok, outcome.page) == ("page", True, draft), outcome.problems
    assert SENTENCE in html(preview, draft)


def test_several_files_at_once_rebuild_the_site(preview):
    names = [POST, "2026-11-22-sciatica-treatments-compared.md"]
    for name in names:
        append(source(preview, name), SENTENCE)
    outcome = preview.apply([source(preview, n) for n in names])
    assert (outcome.action, outcome.ok) == ("site", True), outcome.problems
    assert SENTENCE in html(preview) and SENTENCE in html(preview, "posts/sciatica-treatments-compared/index.html")


def test_failed_full_rebuild_leaves_the_output_and_rebuilds_next_time(preview):
    before = digest(preview.output)
    other = source(preview, "2026-11-22-sciatica-treatments-compared.md")
    title = 'title: "Dry Needling for Sciatica: The Session and Aftercare"'
    replace(other, "title:", f"{title}\n# was:", )  # a title another post has
    outcome = preview.apply([other])
    assert (outcome.action, outcome.ok) == ("site", False)
    assert any("title" in p and "2026-11-22-sciatica-treatments-compared.md" in p for p in outcome.problems)
    assert digest(preview.output) == before
    # The kept state is gone with the failure: the next save rebuilds fully.
    append(source(preview), SENTENCE)
    assert preview.apply([source(preview)]).action == "site"


def test_report_errors_also_hold_for_one_post(tmp_path):
    """With a report check made an error, the fast path runs it as well."""
    shutil.copytree(REPO / "content", tmp_path / "content")
    engine = Preview(DEVELOP, tmp_path / "output", {
        "PATH": str(tmp_path / "content"), "CACHE_PATH": str(tmp_path / "cache"),
        "CLINICSITE_REPORT_ERRORS": ["claims"],
    })
    assert engine.rebuild().ok
    before = (engine.output / PAGE).read_bytes()
    append(source(engine), "Dry needling is a miracle cure.")
    outcome = engine.apply([source(engine)])
    assert (outcome.action, outcome.ok) == ("page", False)
    assert any("claims" in p and POST in p for p in outcome.problems), outcome.problems
    assert (engine.output / PAGE).read_bytes() == before


def wait_for(path: Path, text: str, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in path.read_text(encoding="utf-8"):
            return True
        time.sleep(0.1)
    return False


def test_the_watcher_hands_saves_to_the_engine(tmp_path):
    """Through the real watcher, in a copy of the project: a post saved in
    place, then clinic.toml replaced twice as editors save (a new file
    renamed over the old one)."""
    for name in ("content", "theme"):
        shutil.copytree(REPO / name, tmp_path / name)
    for name in ("clinic.toml", "pelicanconf.py"):
        shutil.copy(REPO / name, tmp_path / name)
    engine = Preview(str(tmp_path / "pelicanconf.py"), tmp_path / "output")
    assert engine.rebuild().ok
    stop = threading.Event()
    watcher = threading.Thread(target=engine.watch, args=(stop,), daemon=True)
    watcher.start()
    try:
        time.sleep(1)  # let it start watching
        append(source(engine), SENTENCE)
        assert wait_for(engine.output / PAGE, SENTENCE)
        clinic = tmp_path / "clinic.toml"
        for name in ("Sample Clinic", "Other Clinic"):
            text = clinic.read_text(encoding="utf-8").replace('name = "Example Clinic"', f'name = "{name}"', 1)
            text = text.replace('name = "Sample Clinic"', f'name = "{name}"', 1)
            (tmp_path / "clinic.toml.new").write_text(text, encoding="utf-8")
            (tmp_path / "clinic.toml.new").replace(clinic)
            assert wait_for(engine.output / "index.html", name), name
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert not watcher.is_alive()
