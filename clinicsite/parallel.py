"""Render the post pages in two processes.

Pelican renders every page in one process, one after another, so a build
uses one core. Post pages are most of a site and each depends only on the
context Pelican has finished building before it writes anything, so they
can be shared: `generate_articles` (Pelican's ArticlesGenerator method,
replaced by `install()`) forks once; the child renders posts from a queue
both processes draw from (a counter in shared memory) while the parent goes
on with the listing pages Pelican writes next (archives, topics,
categories, authors), and then, at article_writer_finalized, renders what
the child has not taken (`finish_articles`). Both cores stay busy to the
end whatever the mix of posts and listings. The parent then takes back what
the child's renders left in shared state:

- the log records at WARNING and above (re-logged in the parent, so a
  problem in a page the child rendered still fails the atomic build);
- what our plugin appends while pages are written (the sitemap registry of
  output.record_page): SHARED_LISTS;
- the paths the writer wrote: one that the parent also wrote meanwhile is
  an error, as Pelican's writer makes it within one process, and Pelican
  still notices a later page that would overwrite one of them. (Two posts
  with one output path never get this far: content.py fails the build on a
  duplicate slug.)

Posts with an `{attach}` link render in the parent: rendering one moves the
attached file, which the parent's static generator must know.

The rest of the build (listings, topic, author and archive pages, feeds,
the plugin's finalized work) stays in the parent: several of Pelican's
writers keep state between pages (pagination). A build that fails before
the child is taken back stops it (`abandon`, from build.py, and at the
start of the next run in this process).

Where os.fork() does not exist (Windows) or CLINICSITE_RENDER_PROCESSES is
1, Pelican's own loop runs. The output is the same bytes either way
(tests/test_parallel.py).
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import traceback
from dataclasses import dataclass
from itertools import chain

from pelican import signals
from pelican.generators import ArticlesGenerator

from . import report

logger = logging.getLogger(__name__)

# Lists in the settings/context that page rendering appends to.
SHARED_LISTS = ("_CLINICSITE_PAGES",)
_PELICAN_GENERATE_ARTICLES = ArticlesGenerator.generate_articles


def install() -> None:
    ArticlesGenerator.generate_articles = generate_articles
    signals.article_writer_finalized.connect(finish_articles)


def processes(settings) -> int:
    """1 or 2: the render processes this build uses."""
    wanted = settings.get("CLINICSITE_RENDER_PROCESSES")
    if wanted is None:
        wanted = os.cpu_count() or 1
    return min(2, max(1, wanted)) if hasattr(os, "fork") else 1


def generate_articles(self, write) -> None:
    """ArticlesGenerator.generate_articles, with the posts shared with a
    forked child process: the child renders posts from a shared queue while
    this process renders the listing pages that follow (archives, topics,
    categories, authors); then this process helps with what is left of the
    queue (finish_articles, at article_writer_finalized). So both cores stay
    busy until the end, whatever the mix of posts and listings."""
    abandon()  # a child an earlier, failed run in this process left (pelican --autoreload)
    items = list(chain(self.translations, self.articles, self.hidden_translations, self.hidden_articles))
    if processes(self.settings) < 2 or len(items) < 2:
        report.launch_facts(self.settings)
        return _PELICAN_GENERATE_ARTICLES(self, write)
    # Rendering an {attach} link moves the attached file (StaticContent.
    # attach_to): the parent must see that, so such posts stay here.
    attaching = [a for a in items if "{attach}" in (a._content or "")]
    queue = [a for a in items if "{attach}" not in (a._content or "")]
    context = self.context
    before = {name: len(context.get(name, ())) for name in SHARED_LISTS}
    import multiprocessing

    taken = multiprocessing.get_context("fork").Value("q", 0)  # the next post of the queue
    forked = _fork(lambda: _render_in_child(self, write, _Queue(queue, taken), before))
    if forked is None:
        report.launch_facts(self.settings)
        return _PELICAN_GENERATE_ARTICLES(self, write)
    global _child
    writer = _writer_of(write)
    _child = _Child(*forked, _Queue(queue, taken), write, set(writer._written_files) if writer else set())
    # The report's worker process starts now: its pool runs threads, which
    # a fork must not copy.
    report.launch_facts(self.settings)
    _render(self, write, attaching)


def finish_articles(generator, writer=None) -> None:
    """At article_writer_finalized: render what the child has not taken yet,
    wait for it and take back what its renders left (see the module doc)."""
    global _child
    child = _child
    if child is None:
        return
    try:
        _render(generator, child.write, child.queue)
    except BaseException:
        abandon()
        raise
    _child = None
    _take_back(generator, child, *_collect(child.pid, child.read_end))


def abandon() -> None:
    """After a failed build: stop a render child still running (Pelican
    failed between generate_articles and article_writer_finalized)."""
    global _child
    child, _child = _child, None
    if child is None:
        return
    try:
        os.kill(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(child.pid, 0)
    os.close(child.read_end)


@dataclass
class _Child:
    pid: int
    read_end: int  # its report comes through this pipe
    queue: _Queue
    write: object  # the writer's write_file, as Pelican passed it
    written_before: set  # what the writer had written when the child was forked


_child: _Child | None = None  # the render child between generate_articles and finish_articles


class _Queue:
    """The posts, handed out one at a time to whichever process asks next
    (a counter in shared memory, behind its lock)."""

    def __init__(self, items, taken):
        self.items, self.taken = items, taken

    def __iter__(self):
        while True:
            with self.taken.get_lock():
                index = self.taken.value
                self.taken.value = index + 1
            if index >= len(self.items):
                return
            yield self.items[index]


def _render(generator, write, articles) -> None:
    # The body of Pelican's loop (pelican/generators.py, generate_articles).
    for article in articles:
        signals.article_generator_write_article.send(generator, content=article)
        write(
            article.save_as,
            generator.get_template(article.template),
            generator.context,
            article=article,
            category=getattr(article, "category", None),
            override_output=hasattr(article, "override_save_as"),
            url=article.url,
            blog=True,
        )


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record):
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None and str(record.exc_info[1]) not in text:
            text = f"{text}: {record.exc_info[1]}"
        self.records.append((record.name, record.levelno, text))


def _render_in_child(generator, write, articles, before) -> dict:
    # Only this handler: the parent prints what it re-logs, once.
    root = logging.getLogger()
    records = _Records()
    root.handlers = [records]
    _render(generator, write, articles)
    context = generator.context
    writer = _writer_of(write)
    return {
        "records": records.records,
        "lists": {name: list(context.get(name, ()))[before[name]:] for name in SHARED_LISTS},
        "written": sorted(writer._written_files) if writer else [],
    }


def _writer_of(write):
    """The pelican Writer behind `write` (a bound method, maybe in a partial)."""
    target = getattr(write, "func", write)
    return getattr(target, "__self__", None)


def _take_back(generator, child: _Child, kind: str, report) -> None:
    if kind == "crash":
        logger.error("clinicsite: rendering posts in a second process failed:\n%s", report)
        return
    for name, level, text in report["records"]:
        logging.getLogger(name).log(level, "%s", text)
    for name, added in report["lists"].items():
        if name in generator.context:
            generator.context[name].extend(added)
    writer = _writer_of(child.write)
    if writer is not None:
        # Pelican's writer refuses to overwrite a file it wrote in this
        # build; pages the two processes wrote meanwhile are checked here.
        theirs = set(report["written"]) - child.written_before
        for path in sorted(theirs & (writer._written_files - child.written_before)):
            logger.error("clinicsite: %s was written twice in this build (by a post page and by another page)", path)
        writer._written_files.update(theirs)


def fork_map(func, items: list, processes: int | None = None) -> list:
    """`[func(item) for item in items]`, with every other item done in a
    forked child process (both cores for CPU-bound Python, such as the
    post-processing's regexes). The child's results come back pickled, in
    order; `func` must report through its result (what it logs in the child
    is not shown). An exception in the child is raised here as a
    RuntimeError with the child's traceback. One process where os.fork()
    does not exist or fails, for fewer than two items, or with
    `processes` 1 (None: as for rendering, 2 if the machine has 2 cores).
    Call it only while this process runs no other threads."""
    if processes is None:
        processes = min(2, os.cpu_count() or 1)
    if processes < 2 or len(items) < 2 or not hasattr(os, "fork"):
        return [func(item) for item in items]
    forked = _fork(lambda: [func(item) for item in items[1::2]])
    if forked is None:
        return [func(item) for item in items]
    try:
        mine = [func(item) for item in items[0::2]]
    finally:
        kind, theirs = _collect(*forked)
    if kind == "crash":
        raise RuntimeError(f"the second process failed:\n{theirs}")
    results = [None] * len(items)
    results[0::2] = mine
    results[1::2] = theirs
    return results


def _fork(work) -> tuple[int, int] | None:
    """Fork a child that runs `work()`, sends back ("done", its result) or
    ("crash", the traceback) pickled, and exits without running any cleanup.
    Returns (pid, the read end of its pipe) for _collect(); None where the
    fork failed."""
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:
        os.close(read_end)
        try:
            outcome = ("done", work())
        except BaseException:
            outcome = ("crash", traceback.format_exc())
        try:
            with os.fdopen(write_end, "wb") as pipe:
                pickle.dump(outcome, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            os._exit(0)
    os.close(write_end)
    return pid, read_end


def _collect(pid: int, read_end: int) -> tuple[str, object]:
    """Wait for a _fork() child: ("done", result) or ("crash", why)."""
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()  # before waiting: the child blocks on a full pipe
    _, status = os.waitpid(pid, 0)
    try:
        return pickle.loads(data)
    except Exception:
        return "crash", f"the child process ended without a report (wait status {status})"
