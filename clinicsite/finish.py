"""What a build writes after the pages, at Pelican's `finalized`, in order:

1. sitemap.xml and robots.txt, from what each page said about itself;
2. the browser editor, when a build publishes it (editor.output_admin), and
   the headers files (_headers, _nginx.conf: deploy/headers.py);
3. the search index (Pagefind, in its own process) and meanwhile the
   .gz/.br copies of every text file — the index's own files last;
4. the editorial report, whose figures the worker processes worked out
   while the pages rendered (report.start).

One receiver runs the steps in this order (Pelican's signals do not order
their receivers); each step's work is in its own module.
"""

from __future__ import annotations

from pathlib import Path

from . import editor, report, search, sitemap, state
from .deploy import headers
from .precompress import precompress


def finalize(pelican) -> None:
    build = state.current()
    try:
        sitemap.write(build)
        editor.output_admin(build)
        headers.write(build)
        indexing = search.start(build)
        compress = build.settings["CLINICSITE_PRECOMPRESS"]
        output, cache = Path(build.settings["OUTPUT_PATH"]), Path(build.settings["CACHE_PATH"]) / "precompress"
        if compress:
            precompress(output, cache, build, skip=(search.BUNDLE,))
        indexed = indexing.finish() if indexing else False
        if compress and indexed:
            precompress(output / search.BUNDLE, cache, build)
        if build.report_job is not None:
            report.finish(build, build.report_job)
    finally:
        state.finish()
