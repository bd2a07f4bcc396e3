"""The browser editor (clinicsite/editor, docs/editor.md).

- Its configuration is the front-matter schema and clinic.toml: every field,
  the same limits, the lists to pick from.
- A build publishes /admin/ only with a git backend that has real sign-in,
  and nginx gives it the editor's policy while the site keeps its own.
- End to end, as a clinician uses it: `./dev edit` in a copy of the repo,
  Debian's Chromium writing a post through Decap's interface; the file, the
  preview, the error page and every request the pages made.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from sitekit import FIXTURES, REPO, build_site, fixture_project, free_port
from nginxkit import Nginx, worker_user
from tools import NODE_MODULES, require

from clinicsite import rules
from clinicsite.config import load_site
from clinicsite.editor import decap_config, published_csp
from clinicsite.frontmatter import PostMeta

AXE = NODE_MODULES / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
# What axe finds on Decap CMS 3.16.3's entry page, in its own interface
# (docs/editor.md lists them): the rich-text box has no name, the Rich
# Text/Markdown switch no name or aria-checked, low-contrast toggle labels
# and Remove badge, the toolbar's menus nest a button in a button, the
# preview pane's frame has no title.
DECAP_KNOWN = {"aria-input-field-name", "aria-required-attr", "button-name", "color-contrast", "nested-interactive",
               "frame-title"}
# The README's screenshots: written into docs/editor/ when asked for.
SCREENSHOTS = REPO / "docs" / "editor" if os.environ.get("CLINICSITE_SCREENSHOTS") else None


@pytest.fixture(scope="module")
def fixture_clinic(tmp_path_factory):
    project = fixture_project(tmp_path_factory.mktemp("editor-config"), "baseline", warm=False)
    return load_site(project / "clinic.toml", project / "safety")


@pytest.fixture(scope="module")
def fields(fixture_clinic) -> dict[str, dict]:
    (posts,) = decap_config(fixture_clinic)["collections"]
    return {f["name"]: f for f in posts["fields"]}


def context(site) -> dict:
    return {"authors": list(site.authors), "clinicians": site.clinicians, "topics": list(site.topics),
            "categories": list(site.categories), "timezone": "UTC", "today": dt.date(2026, 12, 2)}


# --- The configuration is the schema ---------------------------------------------------


def test_every_schema_field_is_in_the_editor(fields):
    assert set(PostMeta.model_fields) | {"body"} == set(fields)
    for name, info in PostMeta.model_fields.items():
        if info.is_required():
            assert fields[name]["required"], f"{name} is required by the schema, optional in the editor"
        assert fields[name]["label"] and fields[name].get("hint"), f"{name}: no label or hint"


def test_the_lists_to_pick_from_are_clinic_toml(fields, fixture_clinic):
    assert fields["authors"]["options"] == list(fixture_clinic.authors)
    assert fields["reviewed_by"]["options"] == fixture_clinic.clinicians
    assert fields["reviewed_by"]["options"] and set(fields["reviewed_by"]["options"]) < set(fixture_clinic.authors)
    assert [o["value"] for o in fields["topics"]["options"]] == list(fixture_clinic.topics)
    assert fields["category"]["options"] == list(fixture_clinic.categories)
    assert fields["status"]["options"] == ["draft", "published", "hidden"] and fields["status"]["default"] == "draft"


@pytest.mark.parametrize("length", [1, 20, rules.DESCRIPTION_MIN - 1, rules.DESCRIPTION_MIN, rules.DESCRIPTION_MAX,
                                    rules.DESCRIPTION_MAX + 1])
def test_the_editor_refuses_the_descriptions_the_build_refuses(fields, fixture_clinic, length):
    description = ("word " * 40)[:length - 1] + "x"
    pattern, message = fields["description"]["pattern"]
    editor_ok = re.search(pattern, description) is not None  # Decap: new RegExp(pattern).test(value)
    meta = {"title": "A post", "date": "2026-12-01 09:30", "authors": [fields["authors"]["options"][0]],
            "description": description, "topics": [fields["topics"]["options"][0]["value"]]}
    try:
        PostMeta.model_validate(meta, context=context(fixture_clinic))
        build_ok = True
    except ValueError:
        build_ok = False
    assert editor_ok == build_ok, f"{length} characters: editor {editor_ok}, build {build_ok}"
    assert f"{rules.DESCRIPTION_MIN}–{rules.DESCRIPTION_MAX}" in message


def test_the_dates_the_editor_writes_are_what_the_schema_reads(fields, fixture_clinic):
    """Decap writes its datetime widget's value with the field's moment.js
    format; the build reads it in the site's time zone."""
    formats = {"YYYY-MM-DD HH:mm": "%Y-%m-%d %H:%M", "YYYY-MM-DD": "%Y-%m-%d"}
    when = dt.datetime(2026, 12, 1, 9, 30)
    meta = {"title": "A post", "authors": [fixture_clinic.clinicians[0]], "topics": [next(iter(fixture_clinic.topics))],
            "description": "d" * rules.DESCRIPTION_MIN, "reviewed_by": fixture_clinic.clinicians[0]}
    for name in ("date", "modified", "last_reviewed"):
        meta[name] = when.strftime(formats[fields[name]["format"]])
    parsed = PostMeta.model_validate(meta, context=context(fixture_clinic))
    assert parsed.date == when.replace(tzinfo=dt.timezone.utc) and parsed.last_reviewed == when.date()


def test_a_field_the_editor_leaves_empty_is_a_field_not_given(fields, fixture_clinic):
    """Decap writes an optional field it showed and the writer left empty as
    "" (or nothing): the build reads it as absent, not as a wrong value."""
    meta = {"title": "A post", "date": "2026-12-01 09:30", "authors": [fields["authors"]["options"][0]],
            "description": "d" * rules.DESCRIPTION_MIN, "topics": [fields["topics"]["options"][0]["value"]]}
    empty = {"slug": "", "image": "", "image_alt": None, "reviewed_by": "", "last_reviewed": "", "modified": "",
             "provenance": "", "category": None, "review_every": None}
    assert set(empty) <= set(fields)
    given = PostMeta.model_validate({**meta, **empty}, context=context(fixture_clinic))
    absent = PostMeta.model_validate(meta, context=context(fixture_clinic))
    assert given == absent


# --- Published only with real sign-in -----------------------------------------------------


def test_a_build_has_no_editor_unless_a_backend_with_sign_in_is_set(fixture_site):
    assert not (fixture_site.root / "admin").exists()
    assert "/admin/" not in (fixture_site.root / "_headers").read_text(encoding="utf-8")


def test_the_editors_policy_allows_only_the_git_hosts_api():
    policy = published_csp({"name": "github", "repo": "clinic/site"})
    assert "connect-src 'self' blob: https://api.github.com;" in policy
    assert "frame-ancestors 'none'" in policy
    with pytest.raises(ValueError, match="https://"):
        published_csp({"name": "gitea", "api_root": "http://git.example.com/api/v1"})
    with pytest.raises(ValueError, match="api_root"):
        published_csp({"name": "gitea"})


def test_a_published_editor_has_its_backend_and_its_own_policy(tmp_path):
    require(NODE_MODULES / "decap-cms" / "dist" / "decap-cms.js", "to publish the editor (npm package decap-cms)")
    backend = {"name": "github", "repo": "clinic/site", "branch": "main"}
    project = tmp_path / "project"
    project.mkdir()
    (project / "node_modules").symlink_to(NODE_MODULES)
    port = free_port()
    site = build_site(project, SITEURL=f"http://127.0.0.1:{port}", CLINICSITE_EDITOR_BACKEND=backend)
    config = yaml.safe_load((site.root / "admin" / "config.yml").read_text(encoding="utf-8"))
    assert config["backend"] == backend and "local_backend" not in config
    assert (site.root / "admin" / "decap-cms.js").stat().st_size > 1_000_000
    assert 'content="noindex"' in (site.root / "admin" / "index.html").read_text(encoding="utf-8")
    assert "/admin/" not in (site.root / "sitemap.xml").read_text(encoding="utf-8")
    rules_text = (site.root / "_headers").read_text(encoding="utf-8")
    assert "/admin/*\n  ! Content-Security-Policy\n  Content-Security-Policy: " + published_csp(backend) in rules_text

    with Nginx(site.root, port, tmp_path / "nginx", user=worker_user()) as nginx:
        admin, page = nginx.fetch("/admin/"), nginx.fetch("/")
        assert admin.status == 200 and page.status == 200
        assert admin.header("Content-Security-Policy") == published_csp(backend)
        assert "'unsafe-eval'" not in page.header("Content-Security-Policy")
        assert "https://api.github.com" not in page.header("Content-Security-Policy")
        for response in (admin, page):  # the other headers stay on both
            assert response.header("Strict-Transport-Security") and response.header("X-Content-Type-Options") == "nosniff"


# --- End to end: ./dev edit and a clinician in Chromium ---------------------------------


COPY = ["clinicsite", "content", "theme", "safety", "clinic.toml", "pelicanconf.py", "publishconf.py", "tasks.py",
        "dev", "scripts", "package.json", "package-lock.json", "pyproject.toml", "requirements.lock"]


class Editor:
    """`./dev edit` in a copy of the repository, with the installed Python
    and npm packages linked in (its own install would take minutes)."""

    def __init__(self, tmp: Path):
        self.dir = tmp / "repo"
        self.dir.mkdir()
        for name in COPY:
            subprocess.run(["cp", "-a", str(REPO / name), str(self.dir / name)], check=True)
        (self.dir / ".venv").symlink_to(REPO / ".venv")
        (self.dir / "node_modules").symlink_to(NODE_MODULES)
        for lock in ("requirements.lock", "pyproject.toml", "package-lock.json"):
            os.utime(self.dir / lock, (0, 0))  # installed already: ./dev must not reinstall into the linked venv
        self.port, self.backend_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "edit.log"

    def __enter__(self) -> Editor:
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                ["./dev", "edit", "--port", str(self.port), "--backend-port", str(self.backend_port)],
                cwd=self.dir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"./dev edit exited with {self.proc.returncode}:\n{self.log.read_text()}")
            if f"{self.url}/admin/" in self.log.read_text(errors="replace"):
                return self
            time.sleep(0.2)
        self.__exit__()
        pytest.fail(f"./dev edit did not start:\n{self.log.read_text()}")

    def __exit__(self, *exc) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def status(self, path: str) -> int:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def wait_for(self, path: str, status: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.status(path) != status:
            if time.monotonic() > deadline:
                pytest.fail(f"{path} did not answer {status} within {timeout} s:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)


def field(page, label: str):
    """A field by its label; Decap adds " (optional)" to an optional one's."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \(optional\))?$"))


def pick(page, label: str, option: str) -> None:
    """Decap's select lists (react-select): open by the label, click the option."""
    field(page, label).click()
    page.get_by_role("option", name=option, exact=True).click()


def save(page) -> None:
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("menuitem", name="Save now").click()


def axe(page) -> list[str]:
    """axe's violations ("rule: targets"); the context injects axe-core into every page."""
    found = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))", AXE_TAGS)
    return found


def shot(page, name: str, tmp: Path) -> None:
    page.screenshot(path=str((SCREENSHOTS or tmp) / name))


@pytest.mark.browser
def test_a_clinician_writes_reviews_and_publishes_a_post_in_the_browser(browser, tmp_path):
    require(AXE, "to run axe-core (npm package axe-core)")
    require(NODE_MODULES / "decap-server" / "dist" / "index.js", "for the editor's backend (npm package decap-server)")
    clinic = tomllib.loads((REPO / "clinic.toml").read_text(encoding="utf-8"))
    clinician = next(name for name, a in clinic["authors"].items() if a.get("clinician"))
    topic = next(iter(clinic["topics"].values()))["name"]
    picture = tmp_path / "chair.png"
    shutil.copy(FIXTURES / "full" / "images" / "fixture-photo.png", picture)
    title = "Sitting comfortably at work"
    slug = "sitting-comfortably-at-work"
    description = "Three changes to a desk chair that a writer tried while testing this editor, in plain words."

    with Editor(tmp_path) as editor:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_init_script(path=str(AXE))
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{editor.url}/admin/#/collections/posts/new")
        page.get_by_role("button", name="Login").click()

        # Write the post: every required field, a heading, an image with its description.
        page.get_by_label("Title", exact=True).fill(title)
        pick(page, "Authors", clinician)
        page.get_by_label("Publication date", exact=True).fill("2026-12-01T09:30")
        page.get_by_label("Description", exact=True).fill(description)
        pick(page, "Topics", topic)
        body = page.locator("[data-slate-editor]")
        body.click()
        page.get_by_role("button", name="Headings").click()
        page.get_by_role("menuitem", name="Heading 2").click()
        body.type("How to sit")
        body.press("Enter")
        body.type("Keep both feet flat on the floor.")
        body.press("Enter")
        page.get_by_role("button", name="Add Component").click()
        page.get_by_role("menuitem", name="Image").click()
        page.get_by_role("button", name="Choose an image").last.click()
        page.locator("input[type=file]").set_input_files(str(picture))
        page.get_by_role("button", name="Choose selected").click()
        alt = page.get_by_label(re.compile("^What the image shows"))
        alt.fill("A desk chair with a cushion at the small of the back")
        save(page)

        # A draft: the file the build accepts, and its page in the preview only.
        post = editor.dir / "content" / "posts" / f"2026-12-01-{slug}.md"
        deadline = time.monotonic() + 20
        while not post.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        front, text = post.read_text(encoding="utf-8").split("---\n", 2)[1:]
        meta = yaml.safe_load(front)
        assert meta["status"] == "draft" and meta["title"] == title and meta["authors"] == [clinician]
        assert re.search(r"(?m)^## How to sit$", text)
        assert re.search(r"!\[A desk chair with a cushion at the small of the back\]\(\{static\}/images/chair\.png\)", text)
        assert (editor.dir / "content" / "images" / "chair.png").read_bytes() == picture.read_bytes()
        editor.wait_for(f"/drafts/{slug}/", 200)
        assert editor.status(f"/posts/{slug}/") == 404

        # The preview pane (Decap's own frame) shows the real page, after the save.
        frame = page.frame_locator("iframe").first.frame_locator("iframe[title^='Preview of the post']")
        frame.locator("h1", has_text=title).wait_for(timeout=15_000)
        page.get_by_text("How to sit").first.scroll_into_view_if_needed()
        shot(page, "1-write.png", tmp_path)

        # Decap's own interface: axe finds only what it found in Decap itself
        # (docs/editor.md); our fields and image block add nothing.
        found = {line.split(":")[0] for line in axe(page)}
        assert found <= DECAP_KNOWN, f"new accessibility problems in the editor: {found - DECAP_KNOWN}"

        # A clinician reviews it and publishes it.
        pick(page, "Reviewed by", clinician)
        field(page, "Date of the review").fill("2026-12-02")
        pick(page, "Status", "published")
        save(page)
        editor.wait_for(f"/posts/{slug}/", 200)
        meta = yaml.safe_load(post.read_text(encoding="utf-8").split("---\n", 2)[1])
        assert meta["reviewed_by"] == clinician and str(meta["last_reviewed"]) == "2026-12-02"
        # The production build, which fails on any warning, accepts it.
        built = subprocess.run([sys.executable, "-m", "clinicsite.build", "--settings", "publishconf.py",
                                "--output", str(tmp_path / "production")], cwd=editor.dir, capture_output=True, text=True)
        assert built.returncode == 0, built.stdout + built.stderr
        assert (tmp_path / "production" / "posts" / slug / "index.html").is_file()

        # Too short a description: the editor names the field and the limit, and does not save.
        page.get_by_label("Description", exact=True).fill("Chairs and sciatica.")
        save(page)
        error = page.get_by_text(f"Write {rules.DESCRIPTION_MIN}–{rules.DESCRIPTION_MAX} characters.")
        error.wait_for()
        page.get_by_text("Entry saved").wait_for(state="detached", timeout=15_000)
        error.scroll_into_view_if_needed()
        page.mouse.wheel(0, -120)
        shot(page, "2-field-error.png", tmp_path)
        assert yaml.safe_load(post.read_text(encoding="utf-8").split("---\n", 2)[1])["description"] == description

        # The same mistake saved another way (a text editor): the preview shows the build's message.
        front, text = post.read_text(encoding="utf-8").split("---\n", 2)[1:]
        meta = {**yaml.safe_load(front), "description": "Chairs and sciatica."}
        post.write_text(f"---\n{yaml.safe_dump(meta, sort_keys=False)}---\n{text}", encoding="utf-8")
        editor.wait_for(f"/posts/{slug}/", 500)
        view = context.new_page()
        view.goto(f"{editor.url}/posts/{slug}/")
        message = view.locator("main").inner_text()
        assert f"{post.name}:" in message and "description" in message and "50–160 characters" in message
        assert axe(view) == []
        shot(view, "3-preview-error.png", tmp_path)

        # Fixed in the editor: the page is back, with the new words.
        fixed = description.replace("Three", "Four")
        page.get_by_label("Description", exact=True).fill(fixed)
        save(page)
        view.wait_for_function(f"() => document.title.includes({title!r})", timeout=30_000)
        assert view.locator("meta[name=description]").get_attribute("content") == fixed
        assert axe(view) == []
        context.close()

    # Every request went to this machine: the editor, its backend, the preview.
    others = {url for url in requests if not re.match(rf"(blob:)?http://127\.0\.0\.1:({editor.port}|{editor.backend_port})/", url)
              and not url.startswith("data:")}
    assert not others, f"requests to other origins: {sorted(others)}"
