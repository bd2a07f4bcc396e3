"""Production settings: only what differs from development."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pelicanconf import *  # noqa: E402,F403

# The public origin, https, no trailing slash. Set SITEURL in the environment
# to publish elsewhere; the default is the placeholder clinic's domain.
SITEURL = os.environ.get("SITEURL", "https://clinic.example.com").rstrip("/")
RELATIVE_URLS = False
# Indexed by search engines; overdue reviews and (for a real clinic)
# unchecked urgent-care sources fail the build.
CLINICSITE_PRODUCTION = True
WITH_FUTURE_DATES = False  # scheduled posts stay out until their date

FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
AUTHOR_FEED_ATOM = "feeds/authors/{slug}.atom.xml"
AUTHOR_FEED_RSS = "feeds/authors/{slug}.rss.xml"
TAG_FEED_ATOM = "feeds/topics/{slug}.atom.xml"
TAG_FEED_RSS = "feeds/topics/{slug}.rss.xml"
RSS_FEED_SUMMARY_ONLY = False
# Full-content feeds carry the latest posts, not the archive: 20 keeps each
# feed small for readers to poll (and cheap to write and compress).
FEED_MAX_ITEMS = 20

DELETE_OUTPUT_DIRECTORY = True
# .gz/.br beside every text file, for nginx's gzip_static/brotli_static.
CLINICSITE_PRECOMPRESS = True
# Readability figures change nothing a visitor gets: the development build
# and `invoke check-content` work them out (textstat loads a large dictionary
# per process); the production build runs the editorial report's other checks.
CLINICSITE_READABILITY = False
# Drafts are previewed locally only: nothing is written for them here.
DRAFT_SAVE_AS = ""
DRAFT_PAGE_SAVE_AS = ""
