"""Issue 8: articles and pages keep their URLs once every generator has
built its context (clinicsite/urlcache.py). The output must be the same
bytes as with Pelican computing every URL at every use, and a kept URL must
never outlive its build."""

from __future__ import annotations

from pelican.contents import Article, Content, Page
from sitekit import ORIGIN, REPO, digest

from clinicsite import urlcache
from clinicsite.build import build

PUBLISH = str(REPO / "publishconf.py")


def _counting(monkeypatch):
    calls = []
    original = Content.get_url_setting
    monkeypatch.setattr(Content, "get_url_setting", lambda self, key: calls.append(key) or original(self, key))
    return calls


def test_the_output_is_the_same_with_urls_kept_or_computed_each_time(tmp_path, monkeypatch):
    # One render process: the parent's count is then every computation.
    settings = {"SITEURL": ORIGIN, "CLINICSITE_SEARCH": False, "CLINICSITE_RENDER_PROCESSES": 1}
    kept_calls = _counting(monkeypatch)
    kept = build(PUBLISH, tmp_path / "kept", {**settings, "CACHE_PATH": str(tmp_path / "c1")})
    monkeypatch.undo()
    # Pelican's own properties, every URL computed at every use.
    monkeypatch.setattr(urlcache, "install", lambda: None)
    for cls in (Article, Page):
        monkeypatch.setattr(cls, "url", Content.url)
        monkeypatch.setattr(cls, "save_as", Content.save_as)
    computed_calls = _counting(monkeypatch)
    computed = build(PUBLISH, tmp_path / "computed", {**settings, "CACHE_PATH": str(tmp_path / "c2")})
    assert kept.ok and computed.ok, kept.problems + computed.problems
    a, b = digest(kept.output), digest(computed.output)
    assert a.keys() == b.keys()
    assert [name for name in a if a[name] != b[name]] == []
    assert len(kept_calls) * 3 < len(computed_calls), (len(kept_calls), len(computed_calls))


def _article(slug):
    settings = {"ARTICLE_URL": "posts/{slug}/", "ARTICLE_SAVE_AS": "posts/{slug}/index.html"}
    from pelican.settings import DEFAULT_CONFIG

    return Article("body", metadata={"title": "T", "slug": slug}, settings={**DEFAULT_CONFIG, **settings})


def test_a_url_is_kept_within_a_build_and_not_beyond(monkeypatch):
    for cls in (Article, Page):  # what urlcache.install() does, undone after the test
        monkeypatch.setattr(cls, "url", urlcache._memoized("url"))
        monkeypatch.setattr(cls, "save_as", urlcache._memoized("save_as"))
    article = _article("first")
    monkeypatch.setattr(urlcache, "_build", None)
    assert article.url == "posts/first/"
    article.slug = "second"
    assert article.url == "posts/second/", "outside a build every access computes"
    urlcache.freeze()
    try:
        assert article.url == "posts/second/" and article.save_as == "posts/second/index.html"
        article.slug = "third"
        assert article.url == "posts/second/", "within a build the URL is kept"
        urlcache.thaw()
        urlcache.freeze()  # the next build
        assert article.url == "posts/third/"
    finally:
        urlcache.thaw()
    article.slug = "fourth"
    assert article.url == "posts/fourth/"
