"""Issue 15: one engine on Pelican's public API. `pelican` alone and the
documented build write the same bytes; every asset a page references is
made before pages render, under its fingerprinted name; builds are
reproducible; and the plugin touches no private part of Pelican."""

from __future__ import annotations

import re
import subprocess
import sys

from sitekit import PUBLISH, REPO, digest, fixture_project, overrides

from clinicsite.build import build

# Pagefind writes its filter and metadata indexes from hash maps, in an
# order that changes from run to run (Pagefind/pagefind#638).
UNSTABLE = re.compile(r"^pagefind/(filter/.*|pagefind-entry\.json|pagefind\.[^/]+\.pf_meta)(\.gz|\.br)?$")
FINGERPRINT = re.compile(r"\.[0-9a-f]{10}\.[a-z0-9]+$")


def stable(tree: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in tree.items() if not UNSTABLE.match(k)}


def test_pelican_alone_writes_what_the_documented_build_writes(tmp_path):
    project = fixture_project(tmp_path, "full")
    settings = overrides(project, SITEURL="https://clinic.example.com")
    assert build(PUBLISH, project / "output", settings).ok
    proc = subprocess.run(
        [sys.executable, "-m", "pelican", str(project / "content"), "-s", PUBLISH, "-o", str(tmp_path / "plain"),
         "--fatal", "warnings", "-e", *_extra(settings)],
        capture_output=True, encoding="utf-8", cwd=REPO, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    documented, plain = digest(project / "output"), digest(tmp_path / "plain")
    assert documented.keys() == plain.keys()
    differ = sorted(k for k in documented if documented[k] != plain[k])
    assert differ == [], f"files differ: {differ}"


def _extra(settings: dict) -> list[str]:
    """Pelican's -e KEY=VALUE (VALUE is JSON)."""
    import json

    return [f"{k}={json.dumps(v)}" for k, v in settings.items()]


def test_two_builds_from_empty_caches_are_byte_identical(tmp_path):
    trees = []
    for name in ("a", "b"):
        project = fixture_project(tmp_path / name, "full")
        assert build(PUBLISH, project / "output", overrides(project, SITEURL="https://clinic.example.com")).ok
        trees.append(stable(digest(project / "output")))
    assert any(k.startswith("pagefind/fragment/") for k in trees[0]), "the search index was not built"
    assert trees[0] == trees[1]


def test_every_asset_is_named_by_the_hash_of_its_bytes(fixture_site):
    import hashlib

    generated = [p for p in fixture_site.root.rglob("*")
                 if p.is_file() and p.suffix in (".png", ".svg", ".js", ".webp", ".avif", ".jpg", ".webmanifest")
                 and not fixture_site.rel(p).startswith("pagefind/")]
    assert len(generated) > 20
    for path in generated:
        assert FINGERPRINT.search(path.name), f"{fixture_site.rel(path)} has no fingerprinted name"
        assert f".{hashlib.sha256(path.read_bytes()).hexdigest()[:10]}." in path.name, path.name


def test_no_page_refers_to_an_asset_by_a_plain_name(fixture_site):
    asset = re.compile(r"\.(png|svg|js|webmanifest|jpe?g|webp|avif)$")
    for path in fixture_site.html_files():
        soup = fixture_site.soup(fixture_site.rel(path))
        urls = [el.get("href") or el.get("src") or el.get("content") or "" for el in soup.select("[href], [src], meta[content]")]
        urls += [part.split()[0] for el in soup.select("[srcset]") for part in el["srcset"].split(",")]
        ours = [u for u in urls if asset.search(u) and not u.startswith("https://www.") and "/pagefind/" not in u]
        assert ours, fixture_site.rel(path)
        plain = [u for u in ours if not FINGERPRINT.search(u) and not u.endswith("favicon.ico")]
        assert not plain, f"{fixture_site.rel(path)} refers to {plain}"


def test_the_plugin_uses_no_private_part_of_pelican():
    code = {p.relative_to(REPO).as_posix(): p.read_text(encoding="utf-8") for p in (REPO / "clinicsite").rglob("*.py")}
    forbidden = ["_written_files", "readers._cache", "_raised_messages", "_group_count", "os._exit", "os.fork",
                 "get_content.cache", "._content", "._context", "_get_intrasite_link_regex"]
    found = [f"{name}: {word}" for name, text in code.items() for word in forbidden if word in text]
    assert not found, found
    # No assignment to an attribute of a Pelican class (a replaced method or property).
    assigned = [f"{name}: {m.group(0)}" for name, text in code.items()
                for m in re.finditer(r"^\s*(Article|Page|Static|Content|ArticlesGenerator|PagesGenerator|Generator|Writer|Pelican|LimitFilter)\.\w+\s*=", text, re.M)]
    assert not assigned, assigned
