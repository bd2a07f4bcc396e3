"""The local preview (`invoke livereload`): a saved post re-renders only its
own page, in a fraction of a second; anything else rebuilds the whole site.

    python -m clinicsite.preview [--settings pelicanconf.py] [--output output] [--port 8000]

Why: Pelican has no per-page dependency tracking. `pelican --autoreload`
renders every page again on every save — about 1,300 pages and 30-60 s for a
1,000-post site — although the usual save changes one post's text, which
only that post's page shows. In the preview settings (pelicanconf.py, feeds
off) lists of posts (home, topics, authors, archives), other posts' related
and older/newer links and the sitemap show a post's front matter and reading
time, never its text. (Production feeds carry the full text; production
builds are always full builds.)

So this process keeps what a full build computed instead of throwing it
away — the settings, Pelican's generators, their shared context and the Jinja
environment — and for each batch of saved files:

- exactly one post changed, and everything its reader returns except the
  body-derived word count and table of contents is unchanged (so title,
  slug, dates, status, authors, topics, category, description, takeaways,
  sources, image, featured, review fields and reading time): the file is read
  again with the generator's own readers, the new Article takes the old one's
  place everywhere the kept state refers to it (keeping what the plugins
  computed after reading: byline, related posts, older/newer posts…), the
  links in and into it are checked (clinicsite.linkcheck.check_edited), and
  only its page is rendered — the template, context and arguments that
  ArticlesGenerator.generate_articles (or generate_drafts) passes — into a
  temporary folder beside the output and moved over the old page with one
  os.replace, so the server never sends half a page;
- anything else — a new, deleted or renamed file, a changed field, a page,
  template, stylesheet, image, clinic.toml or settings change, several files
  at once — rebuilds the site through clinicsite.build.build (into a
  temporary folder, swapped in only on success) and keeps its state instead.

A broken save (front matter the reader rejects, a dead link, an empty body…)
logs the problem — file, line, field and fix — and leaves the page as it
was; the next good save recovers. A failed full rebuild leaves the output as
it was and drops the kept state: until a full rebuild succeeds, every change
rebuilds fully, since the state no longer matches the sources.

Until the next full rebuild a re-rendered post is not re-indexed for
/search/ (the index is built at the end of a full build), and its editorial report
findings are not logged unless CLINICSITE_REPORT_ERRORS makes one of its
checks a build error. Changes to clinicsite's own Python code need a restart.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import watchfiles
from pelican import signals
from pelican.contents import Article, Content
from pelican.generators import ArticlesGenerator
from pelican.log import LimitFilter
from pelican.settings import read_settings
from pelican.writers import Writer

from . import linkcheck, report
from .build import ProblemLog, build
from .errors import ContentError, source_name
from .serve import StaticServer

logger = logging.getLogger(__name__)

# What the reader returns that only the post's own page shows (the body
# itself is not metadata). Reading time is computed from the body too, but
# every list of posts shows it: when it changes, the site is rebuilt.
BODY_ONLY = frozenset({"word_count", "toc"})

WAKE_MS = 500  # the longest the watcher sleeps before checking clinic.toml and the settings


@dataclass
class Outcome:
    """What one batch of changes did: `action` is "page" (one page
    re-rendered, `page` relative to the output folder) or "site" (a full
    rebuild); no problems means it succeeded."""

    action: str
    reason: str
    seconds: float
    problems: list[str] = field(default_factory=list)
    page: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Kept:
    """What a successful full build computed, kept to re-render one post."""

    generators: list

    @property
    def articles(self) -> ArticlesGenerator:
        return next(g for g in self.generators if isinstance(g, ArticlesGenerator))

    @property
    def context(self) -> dict:
        return self.articles.context

    def every_article(self) -> list[Article]:
        g = self.articles
        return list(chain(g.articles, g.translations, g.drafts, g.drafts_translations,
                          g.hidden_articles, g.hidden_translations))


class Preview:
    """The preview engine: `rebuild()` once, then `apply(paths)` for each
    batch of saved files (`watch()` does that until stopped)."""

    def __init__(self, settings_file: str, output: str | os.PathLike, override: dict | None = None):
        self.settings_file = settings_file
        self.output = Path(output).resolve()
        self.override = dict(override or {})
        settings = read_settings(settings_file, override=self.override)
        self.content = Path(settings["PATH"]).resolve()
        self.project = Path(settings_file).resolve().parent
        self.watched = [self.content, Path(settings["THEME"]).resolve(),
                        Path(settings_file).resolve(), self.project / "clinic.toml"]
        self.kept: _Kept | None = None

    # ------------------------------------------------------------ changes

    def apply(self, paths) -> Outcome:
        """Handle one batch of changed files (added, modified or deleted)."""
        paths = sorted({Path(p).resolve() for p in paths})
        post = self._edited_post(paths)
        if post is None:
            names = ", ".join(self._name(p) for p in paths[:3]) + (" …" if len(paths) > 3 else "")
            return self.rebuild(f"{names} changed")
        return self._update_post(post)

    def _edited_post(self, paths: list[Path]) -> Article | None:
        """The post the kept state knows, if the batch is one saved post."""
        if self.kept is None or len(paths) != 1 or not paths[0].is_file():
            return None
        if not paths[0].is_relative_to(self.content):
            return None
        key = paths[0].relative_to(self.content).as_posix()
        post = self.kept.context["generated_content"].get(key)
        return post if isinstance(post, Article) else None

    def _name(self, path: Path) -> str:
        """"content/posts/x.md", "theme/templates/base.html", "clinic.toml"."""
        base = self.content.parent if path.is_relative_to(self.content) else self.project
        return os.path.relpath(path, base)

    # ------------------------------------------------------------ full rebuild

    def rebuild(self, reason: str = "start") -> Outcome:
        """Build the whole site atomically and keep its state (or, if it
        failed, keep nothing: the output is left as it was)."""
        start = time.perf_counter()
        _forget_previous_runs()
        captured: list = []

        def keep(generators):
            captured[:] = generators

        with signals.all_generators_finalized.connected_to(keep):
            result = build(self.settings_file, self.output, self.override)
        self.kept = _Kept(captured) if result.ok and captured else None
        if self.kept is not None:
            # The build ran in a temporary folder, since renamed to the output;
            # templates write image variants to OUTPUT_PATH as they render.
            for mapping in (self.kept.context, self.kept.articles.settings):
                mapping["OUTPUT_PATH"] = str(self.output)
        outcome = Outcome("site", reason, time.perf_counter() - start, result.problems)
        if outcome.ok:
            logger.info("Rebuilt the whole site in %.1f s (%s)", outcome.seconds, reason)
        else:
            logger.error("Full rebuild failed (%s); %s/ was left as it was:\n%s",
                         reason, self.output.name, _bullets(outcome.problems))
        return outcome

    # ------------------------------------------------------------ one post

    def _update_post(self, old: Article) -> Outcome:
        start = time.perf_counter()
        _forget_previous_runs()
        name = source_name(old)
        with ProblemLog() as log:
            new = self._read(old, log)
            changed = _listed_changes(old, new, self.kept.context) if new is not None else []
            if new is not None and not changed:
                self._publish(old, new, log)
        if changed:
            return self.rebuild(f"{name}: {', '.join(changed)} changed")
        problems = log.problems
        outcome = Outcome("page", f"{name}: {'a problem' if problems else 'only the text changed'}",
                          time.perf_counter() - start, problems, page=old.save_as)
        if outcome.ok:
            logger.info("%s re-rendered in %.2f s (%s)", outcome.page, outcome.seconds, outcome.reason)
        else:
            logger.error("%s: not previewed; %s was left as it was:\n%s",
                         name, outcome.page, _bullets(outcome.problems))
        return outcome

    def _read(self, old: Article, log: ProblemLog) -> Article | None:
        """The post read again as ArticlesGenerator.generate_context reads it."""
        gen = self.kept.articles
        try:
            new = gen.readers.read_file(
                base_path=gen.path,
                path=old.relative_source_path,
                content_class=Article,
                context=gen.context,
                preread_signal=signals.article_generator_preread,
                preread_sender=gen,
                context_signal=signals.article_generator_context,
                context_sender=gen,
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

    def _publish(self, old: Article, new: Article, log: ProblemLog) -> None:
        """Put `new` in `old`'s place, check it, render its page into a
        temporary folder beside the output and move the page over the old
        one (os.replace: the server never sends half a page). On any problem
        `old` goes back and the page is left as it was."""
        for key, value in vars(old).items():
            # What Pelican and the plugins computed after reading (byline,
            # topic_list, related_posts, prev/next_article, …).
            if key not in vars(new):
                setattr(new, key, value)
        self._swap(old, new)
        with tempfile.TemporaryDirectory(prefix=f".{self.output.name}.page-", dir=self.output.parent) as tmp:
            try:
                self._check(new)
                page = None if log.records else self._render(new, Path(tmp))
            except Exception as exc:  # a template error is a broken save too
                log.add(f"{source_name(new)}: {type(exc).__name__}: {exc}")
            if log.records:
                self._swap(new, old)
                return
            target = self.output / new.save_as
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(page, target)

    def _check(self, post: Article) -> None:
        """The build's checks that can fail on one post: links in and into it,
        and the editorial report when CLINICSITE_REPORT_ERRORS makes one of
        its checks an error (it is advisory otherwise, and its first use in
        a process costs ~1.4 s)."""
        linkcheck.check_edited(post, self.kept.generators)
        settings = self.kept.articles.settings
        if settings.get("CLINICSITE_REPORT_ERRORS"):
            # The report's cache is for whole builds: one post must not prune it.
            reports = report.report_articles([post], {**settings, "CACHE_PATH": None})
            report.log_summary(reports, settings)

    def _swap(self, old: Article, new: Article) -> None:
        """Make every list and attribute of the kept state that holds `old`
        hold `new`: the generator's article lists, dates and per-topic,
        category and author lists (the context shares them), other posts'
        related and older/newer links, and generated_content (which resolves
        links and is where the next save finds the post)."""
        gen = self.kept.articles
        holders = [gen.articles, gen.translations, gen.drafts, gen.drafts_translations,
                   gen.hidden_articles, gen.hidden_translations, gen.dates,
                   *gen.tags.values(), *(m for _, m in gen.categories), *(m for _, m in gen.authors)]
        for article in self.kept.every_article():
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

    def _render(self, article: Article, tmp: Path) -> Path:
        """Write the article's page into `tmp` exactly as
        ArticlesGenerator.generate_articles / generate_drafts would."""
        gen = self.kept.articles
        extra = {"all_articles": gen.articles} if article.status == "draft" else {}
        if article.status != "draft":
            signals.article_generator_write_article.send(gen, content=article)
        Writer(str(tmp), settings=gen.settings).write_file(
            article.save_as,
            gen.get_template(article.template),
            gen.context,
            relative_urls=gen.settings["RELATIVE_URLS"],
            article=article,
            category=getattr(article, "category", None),
            override_output=hasattr(article, "override_save_as"),
            url=article.url,
            blog=True,
            **extra,
        )
        return tmp / article.save_as

    # ------------------------------------------------------------ watching

    def watch(self, stop: threading.Event | None = None) -> None:
        """`apply` each batch of saved files until `stop` is set.

        The content and theme folders are watched through inotify
        (watchfiles), which groups an editor's several writes into one batch.
        The settings file and clinic.toml are compared by mtime whenever the
        watcher wakes (at least every WAKE_MS): editors save by replacing a
        file, which ends an inotify watch on that file alone."""
        folders = [p for p in self.watched if p.is_dir()]
        files = [p for p in self.watched if p not in folders]
        stamps = _stamps(files)
        for changes in watchfiles.watch(*folders, watch_filter=_NotContent(), stop_event=stop,
                                        rust_timeout=WAKE_MS, yield_on_timeout=True):
            now = _stamps(files)
            paths = {Path(p) for _, p in changes} | {p for p in files if now[p] != stamps[p]}
            stamps = now
            # An editor's temporary file, written and deleted within the batch.
            paths = {p for p in paths if p.exists() or self._was_read(p)}
            if paths:
                self.apply(paths)

    def _was_read(self, path: Path) -> bool:
        """Whether the kept build read a file that is gone now (a deleted
        post or image); outside content/, assume so."""
        if self.kept is None or not path.is_relative_to(self.content):
            return True
        key = path.relative_to(self.content).as_posix()
        return key in self.kept.context["generated_content"] or key in self.kept.context["static_content"]


class _NotContent(watchfiles.DefaultFilter):
    """watchfiles' defaults (VCS folders, swap and backup files) and what
    Pelican never reads: dotfiles (IGNORE_FILES) and Emacs's #autosaves#."""

    ignore_entity_patterns = (*watchfiles.DefaultFilter.ignore_entity_patterns, r"^\.", r"^#.*#$")


def _listed_changes(old: Article, new: Article, context: dict) -> list[str]:
    """What other pages show of the post and the save changed: its fields
    other than BODY_ONLY, and links to files the full build must copy (a
    {static} or {attach} file outside STATIC_PATHS)."""
    keys = (old.metadata.keys() | new.metadata.keys()) - BODY_ONLY
    changed = sorted(k for k in keys if old.metadata.get(k) != new.metadata.get(k))
    if new.get_static_links() - old.get_static_links() - context["static_content"].keys():
        changed.append("links to files")
    return changed


def _forget_previous_runs() -> None:
    """Reset the two process-wide memories Pelican has, both meant for one
    run: its log filter drops a warning or info message already logged once
    (so a problem logged again would not fail the next build, and repeated
    progress lines would vanish), and Content.get_content/get_summary memoize
    every article's HTML, which would keep every earlier build alive."""
    LimitFilter._raised_messages.clear()
    LimitFilter._group_count.clear()
    Content.get_content.cache.clear()
    Content.get_summary.cache.clear()


def _stamps(files: list[Path]) -> dict[Path, int | None]:
    return {p: p.stat().st_mtime_ns if p.exists() else None for p in files}


def _bullets(problems: list[str]) -> str:
    return "\n".join(f"  - {p}" for p in problems)


def run(settings_file: str, output: str, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Build, serve the output at http://host:port/ and preview every save
    until Ctrl-C."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("pelican").setLevel(logging.WARNING)
    # One render process: the server and watcher threads run during the
    # rebuilds, and a process forked while other threads hold locks (a
    # buffered stream's, say) can hang on them (clinicsite/parallel.py).
    preview = Preview(settings_file, output, {"CLINICSITE_RENDER_PROCESSES": 1})
    preview.rebuild()
    with StaticServer(preview.output, port, host) as server:
        logger.info("Previewing at %s/ (drafts shown). Watching %s. Ctrl-C stops.", server.url,
                    ", ".join(preview._name(p) for p in preview.watched if p.exists()))
        try:
            preview.watch()
        except KeyboardInterrupt:
            pass


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
