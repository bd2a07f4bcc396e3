"""What a build writes after the pages, at Pelican's `finalized`, in order:

1. sitemap.xml and robots.txt, from what each page said about itself;
2. the headers files (_headers, _nginx.conf: deploy/headers.py);
3. meanwhile, on the worker processes and Pagefind's: the editorial report's
   figures, the search index, and the .gz/.br copies of every text file —
   the search index's own files last, once Pagefind has written them.

One receiver runs the steps in this order (Pelican's signals do not order
their receivers); each step's work is in its own module.
"""

from __future__ import annotations

from pathlib import Path

from . import report, search, sitemap, state
from .deploy import headers
from .precompress import precompress


def finalize(pelican) -> None:
    build = state.current()
    try:
        sitemap.write(build)
        headers.write(build)
        job = report.start(build, build.articles)
        indexing = search.start(build)
        compress = build.settings["CLINICSITE_PRECOMPRESS"]
        output, cache = Path(build.settings["OUTPUT_PATH"]), Path(build.settings["CACHE_PATH"]) / "precompress"
        if compress:
            precompress(output, cache, build, skip=(search.BUNDLE,))
        indexed = indexing.finish() if indexing else False
        if compress and indexed:
            precompress(output / search.BUNDLE, cache, build)
        report.finish(build, job)
    finally:
        state.finish()
