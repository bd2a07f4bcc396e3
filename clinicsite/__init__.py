"""The clinic site's Pelican plugin: clinic data, front matter, SEO and checks.

`register()` connects module-level functions to Pelican's signals, replaces
one ArticlesGenerator method to render posts in two processes, and lets
articles and pages keep their URLs once they are final (urlcache.py).
"""

from pelican import signals

from . import content, linkcheck, output, parallel, search, setup, urlcache


def register():
    parallel.install()  # post pages render in two processes (parallel.py)
    urlcache.install()  # post and page URLs computed once per build (urlcache.py)
    signals.initialized.connect(urlcache.thaw)
    signals.initialized.connect(setup.initialize)
    signals.readers_init.connect(setup.add_reader)
    signals.article_generator_preread.connect(setup.prune_content_cache)
    signals.page_generator_preread.connect(setup.prune_content_cache)
    signals.article_generator_finalized.connect(content.enrich_articles)
    signals.article_generator_finalized.connect(search.plan_parts)
    signals.page_generator_finalized.connect(content.enrich_pages)
    signals.all_generators_finalized.connect(urlcache.freeze)
    signals.all_generators_finalized.connect(linkcheck.check_links)
    signals.content_written.connect(output.record_page)
    signals.finalized.connect(output.write_extras)
    signals.finalized.connect(search.index_site)
    signals.finalized.connect(urlcache.thaw)
