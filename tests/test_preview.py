"""The live preview: a saved post whose text alone changed re-renders only
its own page; anything else rebuilds the site; a broken save leaves the
output as it was and is shown in the browser until fixed. Driven through
the engine's API (Preview.apply) on a fixture project; one test goes
through the real file watcher, one through the preview's web server."""

from __future__ import annotations

import shutil
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sitekit import DEVELOP, build_site, digest, fixture_project, free_port, overrides

from clinicsite.preview import Preview
from clinicsite.scaffold import new_post
from clinicsite.serve import StaticServer

POST = "2026-01-12-a-table-of-treatments.md"
PAGE = "posts/a-table-of-treatments/index.html"
TARGET = "2026-01-02-a-source-article.md"  # the reviewed guide links to its #how-it-helps
SENTENCE = "Bring a bottle of water to your first session."


@pytest.fixture
def preview(tmp_path):
    project = fixture_project(tmp_path, "full")
    engine = Preview(DEVELOP, project / "output", overrides(project))
    outcome = engine.rebuild()
    assert outcome.ok, outcome.problems
    yield engine
    engine.close()


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
    assert SENTENCE in html(preview) and outcome.seconds < 1
    after = digest(preview.output)
    assert after[PAGE] != before[PAGE]
    assert {k: v for k, v in after.items() if k != PAGE} == {k: v for k, v in before.items() if k != PAGE}
    assert {k: v for k, v in stamps(preview.output).items() if k != PAGE} == {k: v for k, v in times.items() if k != PAGE}


def test_body_edits_give_what_a_full_build_gives(preview, tmp_path):
    """The re-rendered pages are byte for byte the full build's; only the
    search index waits for the next full rebuild."""
    for name in (POST, "2026-01-10-a-reviewed-guide.md"):
        append(source(preview, name), SENTENCE)
        assert preview.apply([source(preview, name)]).action == "page"
    project = preview.content.parent
    fresh = build_site(tmp_path / "fresh", "full", settings=DEVELOP)
    shutil.rmtree(fresh.project / "content")
    shutil.copytree(project / "content", fresh.project / "content")
    from clinicsite.build import build

    result = build(DEVELOP, fresh.project / "output", overrides(fresh.project))
    assert result.ok, result.problems
    ours, theirs = digest(preview.output), digest(fresh.project / "output")
    differ = sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
    assert differ and all(k.startswith("pagefind/") for k in differ), differ


def test_title_edit_rebuilds_the_site(preview):
    replace(source(preview), "title: A Table of Treatments", "title: Treatments Side by Side")
    outcome = preview.apply([source(preview)])
    assert (outcome.action, outcome.ok) == ("site", True), outcome.problems
    assert "title" in outcome.reason
    for page in ("index.html", "topics/dry-needling/index.html", "posts/treatments-side-by-side/index.html"):
        assert "Treatments Side by Side" in html(preview, page), page


def test_reading_time_change_rebuilds_the_site(preview):
    """Lists of posts show the reading time, so it is not 'only the text'."""
    append(source(preview), " ".join(["Rest and gentle walks help."] * 120))
    outcome = preview.apply([source(preview)])
    assert (outcome.action, outcome.ok) == ("site", True), outcome.problems
    assert "reading_minutes" in outcome.reason


def test_broken_front_matter_leaves_the_page_then_a_fix_recovers(preview):
    before = (preview.output / PAGE).read_bytes()
    good = source(preview).read_text(encoding="utf-8")
    replace(source(preview), "authors: [Dana Staff]", "authors: [Dana Staf]")
    outcome = preview.apply([source(preview)])
    assert (outcome.action, outcome.ok) == ("page", False)
    (problem,) = outcome.problems
    assert f"content/posts/{POST}:4: authors" in problem and 'did you mean "Dana Staff"' in problem
    assert preview.problems == outcome.problems
    assert (preview.output / PAGE).read_bytes() == before
    source(preview).write_text(good + f"\n{SENTENCE}\n", encoding="utf-8")
    outcome = preview.apply([source(preview)])
    assert outcome.ok, outcome.problems
    assert SENTENCE in html(preview) and preview.problems == []


def test_empty_body_and_dead_link_leave_the_page(preview):
    before = (preview.output / PAGE).read_bytes()
    text = source(preview).read_text(encoding="utf-8")
    source(preview).write_text(text[: text.index("\n---\n") + 5], encoding="utf-8")
    outcome = preview.apply([source(preview)])
    assert not outcome.ok and "body" in outcome.problems[0] and POST in outcome.problems[0]
    source(preview).write_text(text + "\nSee [the missing post]({filename}/posts/no-such-post.md).\n", encoding="utf-8")
    outcome = preview.apply([source(preview)])
    assert not outcome.ok and any("{filename}/posts/no-such-post.md" in p for p in outcome.problems)
    assert (preview.output / PAGE).read_bytes() == before


def test_renamed_heading_breaks_the_links_into_it(preview):
    """Another post links to #how-it-helps in this one: renaming the heading
    is caught even though only this post was saved."""
    page = "posts/a-source-article-about-sciatica/index.html"
    before = (preview.output / page).read_bytes()
    replace(source(preview, TARGET), "{#how-it-helps}", "{#how-it-works}")
    outcome = preview.apply([source(preview, TARGET)])
    assert not outcome.ok
    assert any("2026-01-10-a-reviewed-guide.md" in p and "#how-it-helps" in p for p in outcome.problems)
    assert (preview.output / page).read_bytes() == before
    replace(source(preview, TARGET), "{#how-it-works}", "{#how-it-helps}")
    assert preview.apply([source(preview, TARGET)]).ok


def test_new_post_rebuilds_the_site_then_previews_fast(preview):
    path = new_post("Sitting comfortably with sciatica", "Dana Staff", preview.content, preview.content.parent / "clinic.toml")
    outcome = preview.apply([path])
    assert (outcome.action, outcome.ok) == ("site", True), outcome.problems
    draft = "drafts/sitting-comfortably-with-sciatica/index.html"
    assert "Sitting comfortably with sciatica" in html(preview, draft)
    append(path, SENTENCE)
    outcome = preview.apply([path])
    assert (outcome.action, outcome.ok, outcome.page) == ("page", True, draft), outcome.problems
    assert SENTENCE in html(preview, draft)


def test_a_failed_full_rebuild_leaves_the_output(preview):
    before = digest(preview.output)
    replace(source(preview), "title: A Table of Treatments", "title: A Reviewed Guide to Sciatica Symptoms")
    outcome = preview.apply([source(preview)])
    assert (outcome.action, outcome.ok) == ("site", False)
    assert any("title" in p and POST in p for p in outcome.problems)
    assert digest(preview.output) == before


def test_report_errors_also_hold_for_one_post(tmp_path):
    """With a report check made an error, the fast path runs it as well."""
    project = fixture_project(tmp_path, "full")
    engine = Preview(DEVELOP, project / "output", overrides(project, CLINICSITE_REPORT_ERRORS=["claims"]))
    try:
        assert engine.rebuild().ok
        before = (engine.output / PAGE).read_bytes()
        append(source(engine), "Dry needling is a miracle cure.")
        outcome = engine.apply([source(engine)])
        assert (outcome.action, outcome.ok) == ("page", False)
        assert any("claims" in p and POST in p for p in outcome.problems), outcome.problems
        assert (engine.output / PAGE).read_bytes() == before
    finally:
        engine.close()


def test_the_server_shows_the_problem_then_the_page(preview):
    port = free_port()
    with StaticServer(preview.output, port, preview=preview):
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/{PAGE.removesuffix('index.html')}") as resp:
            assert b"/_preview/reload.js" in resp.read()
        good = source(preview).read_text(encoding="utf-8")
        replace(source(preview), "description: A fixture guide about a treatment only, with a wide table that must scroll in its own box.",
                "description: Too short.")
        assert not preview.apply([source(preview)]).ok
        with pytest.raises(urllib.error.HTTPError) as shown:
            urllib.request.urlopen(f"{base}/{PAGE.removesuffix('index.html')}")
        page = shown.value.read().decode()
        assert shown.value.code == 500 and "The last save has a problem" in page
        assert f"content/posts/{POST}:5: description" in page and "50–160 characters" in page
        source(preview).write_text(good, encoding="utf-8")
        assert preview.apply([source(preview)]).ok
        with urllib.request.urlopen(f"{base}/{PAGE.removesuffix('index.html')}") as resp:
            assert resp.status == 200 and b"A Table of Treatments" in resp.read()


@pytest.mark.parametrize("path, status", [("/%00", 400), ("/%ff%fe", 400), ("/posts/", 404), ("/no/such/", 404)])
def test_the_server_lists_no_folder_and_refuses_malformed_paths(fixture_site, path, status):
    port = free_port()
    with StaticServer(fixture_site.root, port):
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}")
        assert error.value.code == status
        if status == 404:
            assert b"Page not found" in error.value.read()


def test_the_server_takes_a_burst_of_requests(fixture_site):
    from concurrent.futures import ThreadPoolExecutor

    port = free_port()
    with StaticServer(fixture_site.root, port):
        def get(_):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as resp:
                return resp.status

        with ThreadPoolExecutor(64) as pool:
            assert set(pool.map(get, range(200))) == {200}


def wait_for(path: Path, text: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(encoding="utf-8"):
            return True
        time.sleep(0.1)
    return False


def test_the_watcher_hands_saves_to_the_engine(tmp_path):
    """Through the real watcher: a post saved in place, then clinic.toml
    replaced twice as editors save (a new file renamed over the old one)."""
    project = fixture_project(tmp_path, "full")
    engine = Preview(DEVELOP, project / "output", overrides(project))
    assert engine.rebuild().ok
    stop = threading.Event()
    watcher = threading.Thread(target=engine.watch, args=(stop,), daemon=True)
    watcher.start()
    try:
        time.sleep(1)  # let it start watching
        append(source(engine), SENTENCE)
        assert wait_for(engine.output / PAGE, SENTENCE)
        clinic = project / "clinic.toml"
        for name in ("Sample Clinic", "Other Clinic"):
            text = clinic.read_text(encoding="utf-8").replace('name = "Fixture Clinic"', f'name = "{name}"', 1)
            text = text.replace('name = "Sample Clinic"', f'name = "{name}"', 1)
            (project / "clinic.toml.new").write_text(text, encoding="utf-8")
            (project / "clinic.toml.new").replace(clinic)
            assert wait_for(engine.output / "index.html", name), name
    finally:
        stop.set()
        watcher.join(timeout=10)
        engine.close()
    assert not watcher.is_alive()


