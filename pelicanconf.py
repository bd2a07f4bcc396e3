"""Development settings: the whole truth for a local build (see publishconf.py
for what production changes). Clinic facts live in clinic.toml, not here."""

import logging
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The clinic's facts, authors and topics; the site's name comes from it too.
CLINICSITE_CLINIC_FILE = str(HERE / "clinic.toml")
# Urgent-care advice per country (safety/README.md).
CLINICSITE_SAFETY_PATH = str(HERE / "safety")
AUTHOR = "Editorial team"
SITEURL = ""
RELATIVE_URLS = True
# Development output must never be indexed if deployed by mistake: every page
# carries <meta name="robots" content="noindex"> and robots.txt disallows all
# until publishconf.py sets CLINICSITE_PRODUCTION = True.
CLINICSITE_PRODUCTION = False

PATH = str(HERE / "content")
OUTPUT_PATH = str(HERE / "output")
THEME = str(HERE / "theme")
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images"]
# The stylesheet is inlined into every page and the search page's script is
# an asset with a fingerprinted name (clinicsite/assets.py): Pelican copies
# nothing from the theme.
THEME_STATIC_PATHS = []

TIMEZONE = "UTC"
DEFAULT_LANG = "en"
LOCALE = ("C",)
DEFAULT_DATE_FORMAT = "%-d %B %Y"
USE_FOLDER_AS_CATEGORY = False
WITH_FUTURE_DATES = True  # future posts are previewed in development only
SLUGIFY_SOURCE = "title"

# Explicit: without it Pelican loads every installed pelican.plugins.* package.
PLUGINS = ["clinicsite", "neighbors"]
# Pagefind indexes the built pages for /search/ (clinicsite/search.py).
CLINICSITE_SEARCH = True

# Clean URLs: every page is a folder with index.html.
ARTICLE_URL = "posts/{slug}/"
ARTICLE_SAVE_AS = "posts/{slug}/index.html"
DRAFT_URL = "drafts/{slug}/"
DRAFT_SAVE_AS = "drafts/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
DRAFT_PAGE_URL = "drafts/pages/{slug}/"
DRAFT_PAGE_SAVE_AS = "drafts/pages/{slug}/index.html"
AUTHOR_URL = "authors/{slug}/"
AUTHOR_SAVE_AS = "authors/{slug}/index.html"
AUTHORS_SAVE_AS = "authors/index.html"
CATEGORY_URL = "category/{slug}/"
CATEGORY_SAVE_AS = "category/{slug}/index.html"
CATEGORIES_SAVE_AS = "category/index.html"
# Topics are Pelican tags; a topic's page is its hub.
TAG_URL = "topics/{slug}/"
TAG_SAVE_AS = "topics/{slug}/index.html"
TAGS_SAVE_AS = "topics/index.html"
ARCHIVES_SAVE_AS = "archives/index.html"
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""
DIRECT_TEMPLATES = ["index", "tags", "categories", "authors", "archives", "404"]
PAGINATED_TEMPLATES = {"index": 10, "tag": 20, "category": 20, "author": 20}
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)
DEFAULT_PAGINATION = 10

# Feeds are off in development (production turns them on).
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
TAG_FEED_ATOM = None
TAG_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None

MARKDOWN = {
    "extension_configs": {
        # tables, fenced code, footnotes, abbreviations, {#id} attributes,
        # Markdown inside <figure markdown="1">.
        "markdown.extensions.extra": {},
        "markdown.extensions.admonition": {},
        "markdown.extensions.toc": {"toc_depth": "2-3"},
    },
    "output_format": "html5",
}

# clinicsite.linkcheck reports dead {filename} links with the post's name and
# a fix; Pelican's own, vaguer warning for the same link is filtered out.
LOG_FILTER = [(logging.WARNING, "Unable to find '%s', skipping url replacement.")]

# Autoescape: a title or description can never inject markup. Rendered HTML
# (post bodies) is marked |safe in the templates that print it.
# auto_reload off: every build (and Pelican's autoreload loop) makes a new
# Jinja environment, so checking each template's mtime on every include
# (~17,000 stat calls at 1,000 posts) buys nothing.
JINJA_ENVIRONMENT = {"trim_blocks": True, "lstrip_blocks": True, "autoescape": True, "auto_reload": False}

CACHE_PATH = str(HERE / "cache")
# Pelican's content cache: a post whose bytes did not change is not parsed
# again (Markdown + front matter are most of a build's reading time). Keyed by
# each file's md5, not its mtime (a fresh clone or a copy touches every mtime);
# the clinicsite plugin empties it when clinic.toml, the reader's code or the
# Markdown settings change (clinicsite/contentcache.py).
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CHECK_MODIFIED_METHOD = "md5"
DELETE_OUTPUT_DIRECTORY = False
