"""Issue 8: post pages render in two processes (clinicsite/parallel.py).
The output must not depend on it, and whatever goes wrong in the second
process must fail the build like it would in the first."""

from __future__ import annotations

import logging
import os

import pytest
from jinja2 import pass_context
from sitekit import ORIGIN, REPO, digest

from clinicsite import pages, parallel
from clinicsite.build import build, run_pelican

PUBLISH = str(REPO / "publishconf.py")
POSTS = sorted(p.stem for p in (REPO / "content" / "posts").glob("*.md"))


def _settings(tmp_path, processes, **extra):
    return {
        "SITEURL": ORIGIN,
        "CACHE_PATH": str(tmp_path / f"cache-{processes}"),
        "CLINICSITE_RENDER_PROCESSES": processes,
        # Pagefind writes some index files in arbitrary order (Pagefind#638).
        "CLINICSITE_SEARCH": False,
        **extra,
    }


def test_one_or_two_processes_give_the_same_bytes(tmp_path):
    one = build(PUBLISH, tmp_path / "one", _settings(tmp_path, 1))
    two = build(PUBLISH, tmp_path / "two", _settings(tmp_path, 2))
    assert one.ok and two.ok, one.problems + two.problems
    a, b = digest(one.output), digest(two.output)
    assert a.keys() == b.keys()
    assert [name for name in a if a[name] != b[name]] == []
    # Every post (half of them rendered by the child) is in the sitemap.
    sitemap = (two.output / "sitemap.xml").read_text(encoding="utf-8")
    assert sitemap.count("/posts/") == len(POSTS)


def test_the_machine_decides_by_default():
    assert parallel.processes({"CLINICSITE_RENDER_PROCESSES": None}) == min(2, os.cpu_count() or 1)
    assert parallel.processes({"CLINICSITE_RENDER_PROCESSES": 1}) == 1


# The patched page_info below is a local function, which Pelican's content
# cache cannot pickle (cached taxonomy objects carry the settings, and the
# settings the Jinja globals).
NO_CACHE = {"CACHE_CONTENT": False, "LOAD_CONTENT_CACHE": False}


@pytest.fixture
def in_child_only(monkeypatch):
    """Patch page_info so that it misbehaves only in the forked child."""
    parent = os.getpid()
    original = pages.page_info

    def install(misbehave):
        @pass_context
        def page_info(ctx, *args, **kwargs):
            article = ctx.get("article")
            if os.getpid() != parent and article is not None and ctx.get("page_name") is None:
                misbehave(article)
            return original(ctx, *args, **kwargs)

        monkeypatch.setattr(pages, "page_info", page_info)

    return install


def test_a_warning_in_the_second_process_fails_the_build(tmp_path, in_child_only):
    marks = tmp_path / "rendered-in-child"
    marks.mkdir()

    def warn(article):
        (marks / article.slug).touch()
        logging.getLogger("clinicsite.test").warning("child rendered %s", article.slug)

    in_child_only(warn)
    problems = run_pelican(PUBLISH, tmp_path / "out", _settings(tmp_path, 2, **NO_CACHE))
    child = sorted(p.removeprefix("child rendered ") for p in problems if p.startswith("child rendered "))
    # Each warning of each post the child rendered (how many depends on the
    # shared queue) is reported by the build.
    assert child and child == sorted(p.name for p in marks.iterdir()), problems


def test_a_crash_in_the_second_process_fails_the_build(tmp_path, in_child_only):
    def crash(article):
        raise RuntimeError(f"template blew up on {article.slug}")

    in_child_only(crash)
    result = build(PUBLISH, tmp_path / "out", _settings(tmp_path, 2, **NO_CACHE))
    assert not result.ok
    assert any("second process" in p and "template blew up" in p for p in result.problems), result.problems
    assert not (tmp_path / "out").exists(), "a failed build was published"


def test_a_build_failing_while_the_child_renders_stops_it(tmp_path, in_child_only, monkeypatch):
    """Pelican fails on a listing page while the child still renders posts:
    the build fails and the child is stopped and reaped, not left behind."""
    import time

    from pelican.generators import ArticlesGenerator

    pids = tmp_path / "child-pid"

    def slow(article):
        pids.write_text(str(os.getpid()))
        time.sleep(0.5)

    def broken_tags(self, write):
        while not pids.exists():  # the child has started
            time.sleep(0.05)
        raise RuntimeError("a topic page failed")

    in_child_only(slow)
    monkeypatch.setattr(ArticlesGenerator, "generate_tags", broken_tags)
    result = build(PUBLISH, tmp_path / "out", _settings(tmp_path, 2, **NO_CACHE))
    assert not result.ok and any("a topic page failed" in p for p in result.problems), result.problems
    assert not os.path.exists(f"/proc/{pids.read_text()}"), "the render child is still there"


def test_a_page_written_by_both_processes_fails_the_build(tmp_path, monkeypatch):
    """A listing page (parent) and a post page (possibly the child) with one
    output path: the overwrite is an error, whichever process wrote the post
    (Pelican's writer only sees its own process's files)."""
    from pelican.generators import ArticlesGenerator

    original = ArticlesGenerator.generate_tags
    clash = {}

    def tags_and_a_clash(self, write):
        original(self, write)
        article = self.articles[0]
        clash["path"] = article.save_as
        write(article.save_as, self.get_template("index"), self.context, url=article.url, articles=self.articles)

    monkeypatch.setattr(ArticlesGenerator, "generate_tags", tags_and_a_clash)
    result = build(PUBLISH, tmp_path / "out", _settings(tmp_path, 2, **NO_CACHE))
    assert not result.ok
    assert any(clash["path"] in p and ("written twice" in p or "overwrite" in p) for p in result.problems), result.problems


def test_attach_links_resolve_with_two_processes(tmp_path):
    """Rendering an {attach} link moves the attached file next to the post
    (Pelican's StaticContent.attach_to): every post must link to where its
    file really is, whichever process would have rendered it."""
    import shutil

    from bs4 import BeautifulSoup

    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    svg = (REPO / "content" / "images" / "sciatic-nerve-and-piriformis.svg").read_text(encoding="utf-8")
    for i, post in enumerate(sorted((content / "posts").glob("*.md"))):
        (content / "images" / f"attached-{i}.svg").write_text(svg, encoding="utf-8")
        post.write_text(
            post.read_text(encoding="utf-8") + f"\n[The diagram]({{attach}}../images/attached-{i}.svg)\n",
            encoding="utf-8",
        )
    # The preview settings: production's feeds render every post's text in
    # the parent before the post pages, which would hide the problem.
    result = build(str(REPO / "pelicanconf.py"), tmp_path / "out", _settings(tmp_path, 2, PATH=str(content)))
    assert result.ok, result.problems
    checked = 0
    for page in (result.output / "posts").glob("*/index.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        (link,) = [a["href"] for a in soup.select("a[href]") if "attached-" in a["href"]]
        target = (page.parent / link).resolve()
        assert target.is_file(), f"{page.parent.name} links to {link}, which was not written"
        checked += 1
    assert checked == len(POSTS)


# --- fork_map: the post-processing's files on both cores ---------------------------------------


def _pid_of(item):
    return item, os.getpid()


def test_fork_map_keeps_the_order_and_uses_two_processes():
    results = parallel.fork_map(_pid_of, list(range(7)), processes=2)
    assert [item for item, _ in results] == list(range(7))
    assert len({pid for _, pid in results}) == 2 and results[0][1] == os.getpid()
    assert {pid for _, pid in parallel.fork_map(_pid_of, list(range(7)), processes=1)} == {os.getpid()}


def _odd_fails(item):
    if item % 2:
        raise ValueError(f"item {item} is odd")
    return item


def test_fork_map_raises_what_failed_in_the_child():
    with pytest.raises(RuntimeError, match=r"(?s)second process failed.*ValueError: item 1 is odd"):
        parallel.fork_map(_odd_fails, [0, 1, 2], processes=2)


def test_fingerprinting_in_two_processes_gives_the_same_bytes_and_scan(tmp_path):
    import shutil

    from clinicsite import deploy, fingerprint

    raw = tmp_path / "raw"
    settings = {**_settings(tmp_path, 1), "CLINICSITE_POSTPROCESS": False}
    assert run_pelican(PUBLISH, raw, settings) == []
    results = {}
    for processes in (1, 2):
        shutil.copytree(raw, tmp_path / str(processes))
        results[processes] = fingerprint.fingerprint(
            tmp_path / str(processes), ORIGIN, visit=deploy._visit_page, processes=processes
        )
    one, two = results[1], results[2]
    assert one.manifest == two.manifest and one.rewritten_files == two.rewritten_files > 0
    assert one.visited == two.visited and any(v and v[1] for v in one.visited.values())
    assert digest(tmp_path / "1") == digest(tmp_path / "2")
