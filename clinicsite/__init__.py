"""The clinic site's Pelican plugin: clinic data, front matter, safety
advice, SEO, assets and checks. `register()` only connects each stage's
module-level receivers to Pelican's signals; the modules are imported then,
so a worker process that needs one module (images.py) loads only that."""


def register():
    from pelican import signals

    from . import assets, clinicpages, content, finish, linkcheck, report, search, startup

    signals.initialized.connect(startup.initialize)
    signals.get_generators.connect(startup.begin_run)
    signals.get_generators.connect(clinicpages.get_generators)
    signals.readers_init.connect(startup.add_readers)
    signals.article_generator_context.connect(assets.draw_cards_early)
    signals.article_generator_finalized.connect(content.enrich_articles)
    signals.article_generator_finalized.connect(search.plan_parts)
    signals.page_generator_finalized.connect(content.enrich_pages)
    signals.all_generators_finalized.connect(linkcheck.check_links)
    signals.all_generators_finalized.connect(assets.prepare)
    signals.all_generators_finalized.connect(report.start)
    signals.content_written.connect(content.check_help_shown)
    signals.finalized.connect(finish.finalize)
