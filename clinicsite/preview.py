"""The local preview (`invoke livereload`, `./dev edit`): a saved post whose
text alone changed re-renders only its own page, in a fraction of a second;
anything else rebuilds the whole site.

    python -m clinicsite.preview [--settings pelicanconf.py] [--output output] [--port 8000]

Why: Pelican has no per-page dependency tracking; `pelican --autoreload`
renders every page again on every save. In the preview settings (feeds off)
lists of posts, other posts' related and older/newer links and the sitemap
show a post's front matter and reading time, never its text.

How: each full build runs in a fresh worker process (a *generation*), which
keeps what the build computed — settings, Pelican's generators, their
context — and answers the saves that follow. For one saved post whose
reading changed only in BODY_ONLY metadata, the worker reads it again with
the generator's own readers, puts the new Article in the old one's place in
the kept state (keeping what the plugins computed after reading), checks the
links in and into it, and renders its page as ArticlesGenerator does, into a
temporary folder moved over the old page (the server never sends half a
page). Anything else — a new, deleted or renamed file, a changed field, a
page, template, stylesheet, image, clinic.toml or settings change, several
files at once — ends the generation: a new worker rebuilds the site through
clinicsite.build (a new release, swapped in only on success). A worker
starts with a fresh interpreter, so nothing of an earlier build (Pelican's
memoized page content, its log de-duplication) carries over, and a worker
whose save failed is replaced at the next save for the same reason.

A broken save logs the problem — file, line, field and fix — and leaves the
output as it was; `Preview.problems` holds it, and the preview server shows
it instead of the page (serve.py) until a save fixes it.

Until the next full rebuild a re-rendered post is not re-indexed for search.
Changes to clinicsite's own Python code need a restart.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import watchfiles

logger = logging.getLogger(__name__)

# What the reader returns that only the post's own page shows (the body
# itself is not metadata). Reading time is computed from the body too, but
# every list of posts shows it: when it changes, the site is rebuilt.
BODY_ONLY = frozenset({"word_count", "toc", "links", "ids"})
WAKE_MS = 500  # the longest the watcher sleeps before checking clinic.toml and the settings
# Files a build reads: deleting one changes the site.
SOURCE_SUFFIXES = frozenset({".md", ".toml", ".py", ".html", ".css", ".js", ".png", ".jpg", ".jpeg", ".webp", ".svg", ".pdf"})


@dataclass
class Outcome:
    """What one batch of changes did: `action` is "page" (one page
    re-rendered, `page` relative to the output folder), "site" (a full
    rebuild) or, from a worker, "rebuild" (it cannot handle the change: a
    new generation must); no problems means it succeeded."""

    action: str
    reason: str
    seconds: float
    problems: list[str] = field(default_factory=list)
    page: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


# --- In the worker process -------------------------------------------------


class Engine:
    """One generation: a full build, then the saves it can handle."""

    def __init__(self, settings_file: str, output: Path, override: dict):
        self.settings_file, self.output, self.override = settings_file, Path(output), override
        self.generators: list = []
        self.content: Path | None = None

    @property
    def articles(self):
        from pelican.generators import ArticlesGenerator

        return next(g for g in self.generators if isinstance(g, ArticlesGenerator))

    def rebuild(self, reason: str) -> Outcome:
        from pelican import signals

        from .build import build

        start = time.perf_counter()

        def keep(generators):
            self.generators[:] = generators

        with signals.all_generators_finalized.connected_to(keep):
            result = build(self.settings_file, self.output, self.override)
        if result.ok:
            self.content = Path(self.articles.path).resolve()
        else:
            self.generators = []
        return Outcome("site", reason, time.perf_counter() - start, result.problems)

    def apply(self, paths: list[Path]) -> Outcome:
        post = self._edited_post(paths)
        if post is None:
            return Outcome("rebuild", "", 0.0)
        return self._update_post(post)

    def _edited_post(self, paths):
        from pelican.contents import Article

        if not self.generators or len(paths) != 1 or not paths[0].is_file() or not paths[0].is_relative_to(self.content):
            return None
        post = self.articles.context["generated_content"].get(paths[0].relative_to(self.content).as_posix())
        return post if isinstance(post, Article) else None

    def _update_post(self, old) -> Outcome:
        from .build import ProblemLog
        from .errors import source_name
        from .locks import Lock

        start = time.perf_counter()
        name = source_name(old)
        with ProblemLog() as log:
            new = self._read(old, log)
            changed = _listed_changes(old, new, self.articles.context) if new is not None else []
            if changed:
                return Outcome("rebuild", f"{name}: {', '.join(changed)} changed", 0.0)
            if new is not None:
                with Lock(self.output.parent / f".{self.output.name}.lock", f"{self.output.name}/"):
                    self._publish(old, new, log)
        problems = log.problems
        reason = f"{name}: {'a problem' if problems else 'only the text changed'}"
        return Outcome("page", reason, time.perf_counter() - start, problems, page=old.save_as)

    def _read(self, old, log):
        """The post read again as ArticlesGenerator.generate_context reads it."""
        from pelican import signals
        from pelican.contents import Article

        from .errors import ContentError, source_name

        gen = self.articles
        try:
            new = gen.readers.read_file(
                base_path=gen.path, path=old.relative_source_path, content_class=Article, context=gen.context,
                preread_signal=signals.article_generator_preread, preread_sender=gen,
                context_signal=signals.article_generator_context, context_sender=gen,
            )
        except ContentError:
            return None  # the reader logged it, naming the file, line, field and fix
        except Exception as exc:
            log.add(f"{source_name(old)}: {type(exc).__name__}: {exc}")
            return None
        if not new.is_valid():  # it logs what is missing
            return None
        new.refresh_metadata_intersite_links()  # as Pelican.run does before writing
        return new

    def _publish(self, old, new, log) -> None:
        """Put `new` in `old`'s place, check it, render its page into a
        temporary folder beside the output and move the page over the old
        one. On any problem `old` goes back and the page is left as it was."""
        from . import linkcheck
        from .errors import source_name

        for key, value in vars(old).items():
            # What Pelican and the plugins computed after reading (byline,
            # topic_list, related_posts, prev/next_article, help, …).
            if key not in vars(new):
                setattr(new, key, value)
        self._swap(old, new)
        with tempfile.TemporaryDirectory(prefix=f".{self.output.name}.page-", dir=self.output.parent) as tmp:
            try:
                linkcheck.check_edited(new, self.generators)
                self._report(new)
                page = None if log.records else self._render(new, Path(tmp))
            except Exception as exc:  # a template error is a broken save too
                log.add(f"{source_name(new)}: {type(exc).__name__}: {exc}")
            if log.records:
                self._swap(new, old)
                return
            target = self.output / new.save_as
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(page, target)

    def _report(self, post) -> None:
        """The editorial checks that CLINICSITE_REPORT_ERRORS makes errors,
        for this post (they are advisory otherwise: the next full build
        lists them)."""
        settings = self.articles.settings
        if settings["CLINICSITE_REPORT_ERRORS"]:
            from . import report
            from .state import current

            build = current()
            terms = tuple(build.site.editorial.clinical_terms) if settings["CLINICSITE_READABILITY"] else None
            report.finish(build, report.Job([post], terms, None))

    def _swap(self, old, new) -> None:
        """Make every list and attribute of the kept state that holds `old`
        hold `new`: the generator's article lists, dates and per-topic,
        category and author lists (the context shares them), other posts'
        related and older/newer links, and generated_content (which resolves
        links and is where the next save finds the post)."""
        gen = self.articles
        holders = [gen.articles, gen.translations, gen.drafts, gen.drafts_translations, gen.hidden_articles,
                   gen.hidden_translations, gen.dates, *gen.tags.values(), *(m for _, m in gen.categories),
                   *(m for _, m in gen.authors)]
        for article in chain(gen.articles, gen.drafts, gen.hidden_articles):
            for key, value in list(vars(article).items()):
                if value is old:
                    setattr(article, key, new)
                elif isinstance(value, list):
                    holders.append(value)
        for holder in holders:
            for i, item in enumerate(holder):
                if item is old:
                    holder[i] = new
        gen.context["generated_content"][new.get_relative_source_path()] = new

    def _render(self, article, tmp: Path) -> Path:
        """Write the article's page into `tmp` exactly as
        ArticlesGenerator.generate_articles / generate_drafts would."""
        from pelican import signals
        from pelican.writers import Writer

        gen = self.articles
        extra = {"all_articles": gen.articles} if article.status == "draft" else {}
        if article.status != "draft":
            signals.article_generator_write_article.send(gen, content=article)
        Writer(str(tmp), settings=gen.settings).write_file(
            article.save_as, gen.get_template(article.template), gen.context,
            relative_urls=gen.settings["RELATIVE_URLS"], article=article,
            category=getattr(article, "category", None), override_output=hasattr(article, "override_save_as"),
            url=article.url, blog=True, **extra,
        )
        return tmp / article.save_as


def _listed_changes(old, new, context) -> list[str]:
    """What other pages show of the post and the save changed: its fields
    other than BODY_ONLY, and links to files the full build must copy."""
    keys = (old.metadata.keys() | new.metadata.keys()) - BODY_ONLY
    changed = sorted(k for k in keys if old.metadata.get(k) != new.metadata.get(k))
    if new.get_static_links() - old.get_static_links() - context["static_content"].keys():
        changed.append("links to files")
    return changed


def _worker(conn, parent: int, settings_file: str, output: str, override: dict, reason: str) -> None:
    """A generation: build, then answer each batch of paths until told to stop
    (or until the preview's process ends: then so does this one)."""
    from .state import _die_with_parent

    _die_with_parent(parent)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("pelican").setLevel(logging.WARNING)
    engine = Engine(settings_file, Path(output), override)
    conn.send(engine.rebuild(reason))
    try:
        while (paths := conn.recv()) is not None:
            conn.send(engine.apply([Path(p) for p in paths]))
    except EOFError:  # the preview ended
        pass


# --- In the preview's own process ------------------------------------------


class Preview:
    """The preview: `rebuild()` once, then `apply(paths)` for each batch of
    saved files (`watch()` does that until stopped)."""

    def __init__(self, settings_file: str, output: str | os.PathLike, override: dict | None = None):
        from pelican.settings import read_settings

        self.settings_file = str(Path(settings_file).resolve())
        self.output = Path(os.path.abspath(output))
        self.override = dict(override or {})
        settings = read_settings(self.settings_file, override=self.override)
        self.content = Path(settings["PATH"]).resolve()
        self.project = Path(settings_file).resolve().parent
        clinic = Path(settings.get("CLINICSITE_CLINIC_FILE") or self.project / "clinic.toml").resolve()
        self.watched = [self.content, Path(settings["THEME"]).resolve(), Path(self.settings_file), clinic]
        if settings.get("CLINICSITE_SAFETY_PATH"):
            self.watched.append(Path(settings["CLINICSITE_SAFETY_PATH"]).resolve())
        self.problems: list[str] = []  # of the last change; shown by the server until fixed
        self.generation = 0  # increases with every change that reached the output
        self._process = self._conn = None
        self._stale = True

    def rebuild(self, reason: str = "start") -> Outcome:
        """Build the whole site in a new worker, which keeps its state."""
        self.close()
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        # Not a daemon: it starts the build's own worker processes.
        self._process = context.Process(
            target=_worker, args=(child, os.getpid(), self.settings_file, str(self.output), self.override, reason))
        self._process.start()
        child.close()
        outcome = self._receive()
        self._stale = not outcome.ok
        return self._record(outcome)

    def apply(self, paths) -> Outcome:
        """Handle one batch of changed files (added, modified or deleted)."""
        paths = sorted({str(Path(p).resolve()) for p in paths})
        if self._stale or self._process is None:
            return self.rebuild(self._names(paths))
        self._conn.send(paths)
        outcome = self._receive()
        if outcome.action == "rebuild":
            return self.rebuild(outcome.reason or self._names(paths))
        self._stale = not outcome.ok  # a failed save ends this generation at the next save
        return self._record(outcome)

    def close(self) -> None:
        if self._process is not None:
            try:
                self._conn.send(None)
            except OSError:
                pass
            self._process.join(5)
            if self._process.is_alive():
                self._process.kill()
            self._process = self._conn = None

    def _receive(self) -> Outcome:
        try:
            return self._conn.recv()
        except EOFError:
            self._process = None
            return Outcome("site", "the build process ended", 0.0, ["the preview's build process ended unexpectedly (see above)"])

    def _record(self, outcome: Outcome) -> Outcome:
        self.problems = list(outcome.problems)
        if outcome.ok:
            self.generation += 1
            if outcome.action == "page":
                logger.info("%s re-rendered in %.2f s (%s)", outcome.page, outcome.seconds, outcome.reason)
            else:
                logger.info("Rebuilt the whole site in %.1f s (%s)", outcome.seconds, outcome.reason)
        else:
            logger.error("%s: %s/ was left as it was:\n%s", outcome.reason, self.output.name,
                         "\n".join(f"  - {p}" for p in outcome.problems))
        return outcome

    def _names(self, paths) -> str:
        names = [self._name(Path(p)) for p in paths[:3]]
        return ", ".join(names) + (" …" if len(paths) > 3 else "") + " changed"

    def _name(self, path: Path) -> str:
        """"content/posts/x.md", "theme/templates/base.html", "clinic.toml"."""
        base = self.content.parent if path.is_relative_to(self.content) else self.project
        return os.path.relpath(path, base)

    def watch(self, stop: threading.Event | None = None) -> None:
        """`apply` each batch of saved files until `stop` is set.

        Folders are watched through inotify (watchfiles), which groups an
        editor's several writes into one batch. Single files (the settings,
        clinic.toml) are compared by mtime whenever the watcher wakes (at
        least every WAKE_MS): editors save by replacing a file, which ends an
        inotify watch on that file alone."""
        folders = [p for p in self.watched if p.is_dir()]
        files = [p for p in self.watched if p not in folders]
        stamps = _stamps(files)
        for changes in watchfiles.watch(*folders, watch_filter=_NotContent(), stop_event=stop,
                                        rust_timeout=WAKE_MS, yield_on_timeout=True):
            now = _stamps(files)
            paths = {Path(p) for _, p in changes} | {p for p in files if now[p] != stamps[p]}
            stamps = now
            # A file written and deleted within the batch (an editor's
            # temporary file) is no change; a deleted post or image is.
            paths = {p for p in paths if p.exists() or p.suffix.lower() in SOURCE_SUFFIXES}
            if paths:
                self.apply(paths)


class _NotContent(watchfiles.DefaultFilter):
    """watchfiles' defaults (VCS folders, swap and backup files) and what
    Pelican never reads: dotfiles (IGNORE_FILES) and Emacs's #autosaves#."""

    ignore_entity_patterns = (*watchfiles.DefaultFilter.ignore_entity_patterns, r"^\.", r"^#.*#$")


def _stamps(files: list[Path]) -> dict[Path, int | None]:
    return {p: p.stat().st_mtime_ns if p.exists() else None for p in files}


def run(settings_file: str, output: str, host: str = "127.0.0.1", port: int = 8000, admin=None) -> None:
    """Build, serve the output at http://host:port/ and preview every save
    until Ctrl-C. `admin`: the browser editor's pages (clinicsite.editor)."""
    from .serve import StaticServer

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    preview = Preview(settings_file, output)
    try:
        preview.rebuild()
        with StaticServer(preview.output, port, host, preview=preview, admin=admin) as server:
            if admin is not None:
                logger.info("\n  Write and preview posts at  %s/admin/\n  (the site itself: %s/ — Ctrl-C stops both)\n",
                            server.url, server.url)
            else:
                logger.info("Previewing at %s/ (drafts shown). Watching %s. Ctrl-C stops.", server.url,
                            ", ".join(preview._name(p) for p in preview.watched if p.exists()))
            try:
                preview.watch()
            except KeyboardInterrupt:
                pass
    finally:
        preview.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="pelicanconf.py")
    parser.add_argument("--output", default="output")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    run(args.settings, args.output, args.host, args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
