"""Every page of the production and the development build is valid HTML by
the W3C Nu HTML checker (vnu.jar, pinned in package-lock.json).

The checker runs once, over both builds and a known-bad canary page: the
canary proves that the checker really ran and really reports errors, so an
empty or unparsable report can never pass as "no errors".
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tools import NODE_MODULES, require

VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"

# A stray end tag and an image without alt: two errors the checker must report.
CANARY = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>canary</title></head>'
    '<body><p>canary</span></p><img src="x.png"></body></html>\n'
)


def _path_of(message: dict) -> Path | None:
    url = message.get("url") or ""
    if not url.startswith("file:"):
        return None
    return Path(unquote(urlsplit(url).path)).resolve()


@pytest.fixture(scope="module")
def vnu_report(site, dev_site, fixture_site, tmp_path_factory) -> dict[str, list[dict]]:
    """The checker's messages, keyed "prod", "dev", "fixture" and "canary"."""
    java = require("java", "to run the W3C Nu HTML checker (vnu.jar)")
    jar = require(VNU_JAR, "to validate the built HTML (npm package vnu-jar)")
    canary_dir = tmp_path_factory.mktemp("vnu-canary")
    (canary_dir / "canary.html").write_text(CANARY, encoding="utf-8")
    roots = {"prod": site.root.resolve(), "dev": dev_site.root.resolve(), "fixture": fixture_site.root.resolve(),
             "canary": canary_dir.resolve()}
    for name in ("prod", "dev", "fixture"):
        assert list(roots[name].rglob("*.html")), f"the {name} build has no HTML file to check"

    proc = subprocess.run(
        [java, "-Dfile.encoding=UTF-8", "-Dsun.stdout.encoding=UTF-8", "-Dsun.stderr.encoding=UTF-8", "-jar", jar, "--errors-only", "--skip-non-html", "--format", "json", *map(str, roots.values())],
        capture_output=True, encoding="utf-8", errors="replace", timeout=300,
        # Pelican sets the C locale in-process; give Java a UTF-8 one explicitly.
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    try:
        # vnu writes its JSON report to stderr (after any JVM banner line such
        # as "Picked up JAVA_TOOL_OPTIONS").
        report = json.loads(proc.stderr[proc.stderr.index('{"'):])
    except ValueError:
        pytest.fail(
            f"vnu.jar did not write a JSON report (exit {proc.returncode}).\n"
            f"stderr:\n{proc.stderr[-3000:]}\nstdout:\n{proc.stdout[-3000:]}",
            pytrace=False,
        )

    by_build: dict[str, list[dict]] = {name: [] for name in roots}
    for message in report.get("messages", []):
        path = _path_of(message)
        owner = next((n for n, r in roots.items() if path and path.is_relative_to(r)), "prod")
        message["_file"] = path.relative_to(roots[owner]).as_posix() if path and path.is_relative_to(roots[owner]) else message.get("url", "?")
        by_build[owner].append(message)

    # vnu exits non-zero exactly when it reported an error: the canary's.
    assert proc.returncode != 0, "vnu.jar exited 0 although the canary page has errors"
    return by_build


def _describe(messages: list[dict], build: str) -> str:
    lines = []
    for m in sorted(messages, key=lambda m: (m["_file"], m.get("lastLine", 0), m.get("firstColumn", 0))):
        where = f'{m["_file"]}:{m.get("lastLine", "?")}:{m.get("firstColumn", m.get("lastColumn", "?"))}'
        kind = m.get("type", "?") + (f'/{m["subType"]}' if m.get("subType") else "")
        extract = (m.get("extract") or "").replace("\n", "\\n")
        lines.append(f"  {where}: [{kind}] {m.get('message', '')}" + (f"\n      near: {extract}" if extract else ""))
    return f"{len(messages)} HTML error(s) in the {build} build:\n" + "\n".join(lines)


def test_checker_reports_known_errors(vnu_report):
    """The canary's two errors are found, with the file and line named."""
    canary = vnu_report["canary"]
    texts = " | ".join(m.get("message", "") for m in canary)
    assert any("Stray end tag" in m.get("message", "") for m in canary), f"vnu missed the stray end tag: {texts}"
    assert any("alt" in m.get("message", "") for m in canary), f"vnu missed the img without alt: {texts}"
    assert all(m["_file"] == "canary.html" and m.get("lastLine") == 1 for m in canary), texts


def test_production_build_is_valid_html(vnu_report, site):
    errors = vnu_report["prod"]
    assert not errors, _describe(errors, f"production ({site.root})")


def test_development_build_is_valid_html(vnu_report, dev_site):
    errors = vnu_report["dev"]
    assert not errors, _describe(errors, f"development ({dev_site.root})")


def test_fixture_site_is_valid_html(vnu_report, fixture_site):
    """Every kind of post furniture: editor's notes, the graded help block,
    pictures, a scrolling table."""
    errors = vnu_report["fixture"]
    assert not errors, _describe(errors, f"fixture ({fixture_site.root})")
