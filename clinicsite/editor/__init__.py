"""The browser editor (`./dev edit`, `invoke edit`): Decap CMS, served from
our own origin beside the live preview, writing posts into content/posts/
through decap-server on 127.0.0.1 (docs/editor.md says why Decap).

Nobody maintains the editor's configuration: `decap_config()` makes it, at
every request, from the front-matter schema (frontmatter.PostMeta: every
field, with its label, hint, required flag, pattern and limits from
rules.py and FIXES) and from clinic.toml (authors, clinicians, topics and
categories as lists to pick from). The editor's own script (admin/editor.js)
shows each post in its preview pane as the live preview renders it — our
theme, the real page — and asks for a description of every image.

The editor is never part of a build's output unless the settings name a git
backend with real sign-in (CLINICSITE_EDITOR_BACKEND): then the build writes
/admin/ with that backend (output_admin()).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from .. import rules
from ..state import _die_with_parent
from ..frontmatter import FIXES, PostMeta

logger = logging.getLogger(__name__)

ADMIN = Path(__file__).resolve().parent / "admin"
DECAP = Path("node_modules") / "decap-cms" / "dist" / "decap-cms.js"
DECAP_SERVER = Path("node_modules") / "decap-server" / "dist" / "index.js"
# The editor's pages need what the site's pages never do: Decap compiles its
# config schema with new Function() ('unsafe-eval') and injects <style>
# elements; uploads are read as blob: URLs; the preview pane frames our pages.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; connect-src 'self' blob: {backend}; frame-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

LABELS = {
    "title": "Title", "date": "Publication date", "authors": "Authors", "description": "Description",
    "topics": "Topics", "category": "Category", "status": "Status", "slug": "Web address",
    "modified": "Text last changed", "featured": "Feature on the home page", "reviewed_by": "Reviewed by",
    "last_reviewed": "Date of the review", "review_every": "Months until the next review",
    "takeaways": "Key takeaways", "sources": "Sources", "image": "Image for sharing",
    "image_alt": "What that image shows", "provenance": "Where the article comes from",
    "editor_notes": "Editor's notes",
}
# The order a writer fills them in; every field of the schema is in the
# editor whether listed here or not (listed ones first).
ORDER = ["title", "authors", "date", "description", "topics", "category", "status", "featured", "takeaways",
         "sources", "image", "image_alt", "reviewed_by", "last_reviewed", "review_every", "modified",
         "provenance", "editor_notes", "slug"]
HINTS = {
    "title": f"Plain words. Search results show about {rules.TITLE_MAX} characters.",
    "authors": "Who wrote it. Add writers in clinic.toml.",
    "date": "When the post goes live, in the clinic's time zone.",
    "modified": "When the text last changed, if it did after it went live.",
    "category": "Articles: an author's own article, copied as it was written. Guides: written for this blog.",
    "featured": "Shows the post under Start here on the home page.",
    "takeaways": "Short sentences, shown in a box at the top.",
    "sources": "Every fact you add from elsewhere needs its source. Only https:// addresses.",
    "image_alt": "Needed when there is an image for sharing.",
    "review_every": "Leave empty for the clinic's usual interval.",
    "description": f"{rules.DESCRIPTION_MIN}–{rules.DESCRIPTION_MAX} characters saying what the reader will learn. "
                   "Search results show it under the title.",
    "status": "Draft: only the preview shows it. Published: on the site. A clinician reviews a draft first.",
    "reviewed_by": "Only for a clinician who has read the whole post. Leave empty until then.",
    "last_reviewed": "The day the clinician finished the review.",
    "topics": "The first one is where the post sits in the site.",
    "editor_notes": "A note beside the author's words: copy the author's sentence exactly, then write the note.",
    "provenance": "Needed for articles copied from their authors: where from, and what an editor repaired.",
    "slug": "Leave empty: the title makes it.",
    "image": "Optional: the picture shown when the post is shared. The post's own images go in the body.",
}


def decap_config(site, backend_url: str | None = "http://127.0.0.1:8081/api/v1", backend: dict | None = None) -> dict:
    """The editor's configuration, from the schema and clinic.toml."""
    names = sorted(PostMeta.model_fields, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER))
    fields = [_field(name, PostMeta.model_fields[name], site) for name in names]
    fields.append({"label": "Text of the post", "name": "body", "widget": "markdown", "modes": ["rich_text", "raw"],
                   "buttons": ["bold", "italic", "link", "heading-two", "heading-three", "quote",
                               "bulleted-list", "numbered-list"],
                   "editor_components": ["described-image"],
                   "hint": "Headings start at level two. Every image needs a description."})
    config = {
        "backend": backend or {"name": "git-gateway"},
        "media_folder": "content/images",
        "public_folder": "{static}/images",
        "slug": {"encoding": "ascii", "clean_accents": True},
        "locale": "en",
        "collections": [{
            "name": "posts",
            "label": "Posts",
            "label_singular": "Post",
            "folder": "content/posts",
            "create": True,
            "extension": "md",
            "format": "yaml-frontmatter",
            "slug": "{{year}}-{{month}}-{{day}}-{{slug}}",
            "identifier_field": "title",
            "summary": "{{title}} ({{status}})",
            "sortable_fields": ["date", "title"],
            "fields": fields,
        }],
    }
    if backend_url:
        config["local_backend"] = {"url": backend_url}
    return config


def _field(name: str, info, site) -> dict:
    required = info.is_required()
    field = {"label": LABELS.get(name, name.replace("_", " ").capitalize()), "name": name, "required": required}
    hint = HINTS.get(name) or FIXES.get(name, "")
    if hint:
        field["hint"] = hint.replace("`", "")
    if name == "title":
        field.update(widget="string", pattern=[f"^.{{1,{rules.TITLE_HARD_MAX}}}$", f"At most {rules.TITLE_HARD_MAX} characters."])
    elif name == "description":
        lo, hi = rules.DESCRIPTION_MIN, rules.DESCRIPTION_MAX
        field.update(widget="text", pattern=[f"^[\\s\\S]{{{lo},{hi}}}$", f"Write {lo}–{hi} characters."])
    elif name in ("date", "modified"):
        # A naive time is in the site's TIMEZONE: the same wherever the editor's computer is.
        field.update(widget="datetime", format="YYYY-MM-DD HH:mm", date_format="D MMMM YYYY", time_format="HH:mm")
    elif name == "last_reviewed":
        field.update(widget="datetime", format="YYYY-MM-DD", date_format="D MMMM YYYY", time_format=False)
    elif name == "authors":
        field.update(widget="select", multiple=True, min=1, options=list(site.authors))
    elif name == "reviewed_by":
        field.update(widget="select", options=site.clinicians)
    elif name == "topics":
        field.update(widget="select", multiple=True, min=1,
                     options=[{"label": t.name, "value": key} for key, t in site.topics.items()])
    elif name == "category":
        field.update(widget="select", options=list(site.categories), default=site.default_category)
    elif name == "status":
        field.update(widget="select", options=["draft", "published", "hidden"], default="draft", required=True)
    elif name == "slug":
        field.update(widget="string", pattern=["^[a-z0-9]+(-[a-z0-9]+)*$", "Lower-case words joined by hyphens."])
    elif name == "featured":
        field.update(widget="boolean", default=False)
    elif name == "review_every":
        field.update(widget="number", value_type="int", min=1, max=60)
    elif name == "takeaways":
        field.update(widget="list", field={"label": "Takeaway", "name": "takeaway", "widget": "string"})
    elif name == "sources":
        field.update(widget="list", fields=[
            {"label": "Title of the page", "name": "title", "widget": "string"},
            {"label": "Address (https://…)", "name": "url", "widget": "string",
             "pattern": ["^https://\\S+\\.\\S+$", "An https:// address."]},
        ])
    elif name == "image":
        field.update(widget="image", media_folder="/content/images", public_folder="images", choose_url=False)
    elif name in ("provenance",):
        field.update(widget="text")
    elif name == "editor_notes":
        field.update(widget="list", fields=[
            {"label": "After this sentence of the text", "name": "after", "widget": "string"},
            {"label": "Note", "name": "note", "widget": "text"},
        ])
    else:
        field.update(widget="string")
    return field


def config_yaml(site, backend_url: str | None, backend: dict | None = None) -> bytes:
    return yaml.safe_dump(decap_config(site, backend_url, backend), sort_keys=False, allow_unicode=True).encode()


def csp(backend_url: str) -> str:
    return CSP.format(backend=backend_url)


# Where each git host's API is, when the backend does not name its api_root:
# the one other origin the published editor talks to (and only the editor).
API_ROOTS = {"github": "https://api.github.com", "gitlab": "https://gitlab.com", "bitbucket": "https://api.bitbucket.org"}


def published_csp(backend: dict) -> str:
    """The policy of a published /admin/: the local one, with the git host's
    API in place of decap-server."""
    api = backend.get("api_root") or API_ROOTS.get(backend.get("name", ""))
    if not api:
        raise ValueError(f"CLINICSITE_EDITOR_BACKEND: name its api_root (no default for {backend.get('name')!r})")
    parts = urlsplit(api)
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError(f"CLINICSITE_EDITOR_BACKEND: api_root must be an https:// address, not {api!r}")
    return csp(f"https://{parts.netloc}")


TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".yml": "text/yaml; charset=utf-8"}


def admin_file(path: str, project: Path, config) -> tuple[bytes, str] | None:
    """(bytes, content type) for a path under /admin/ in the local editor, or None."""
    name = path.removeprefix("/admin/") or "index.html"
    if name == "config.yml":
        data = config()
    elif name == "decap-cms.js":
        decap = project / DECAP
        data = decap.read_bytes() if decap.is_file() else None
    elif "/" not in name and (ADMIN / name).is_file():
        data = (ADMIN / name).read_bytes()
    else:
        data = None
    return (data, TYPES.get(Path(name).suffix, "application/octet-stream")) if data is not None else None


def start_backend(project: Path, port: int) -> subprocess.Popen:
    """decap-server on 127.0.0.1 only (it has no sign-in), writing files
    into the project (MODE=fs: no commits, no branch switching)."""
    server = project / DECAP_SERVER
    if not server.is_file():
        raise FileNotFoundError(f"{server} is missing: run `npm ci` (./dev edit does)")
    env = {**os.environ, "BIND_HOST": "127.0.0.1", "PORT": str(port), "MODE": "fs",
           "GIT_REPO_DIRECTORY": str(project), "LOG_LEVEL": "warn"}
    parent = os.getpid()
    return subprocess.Popen([shutil.which("node") or "node", str(server)], cwd=project, env=env,
                            preexec_fn=lambda: _die_with_parent(parent))  # it dies with the editor


def output_admin(build) -> None:
    """With CLINICSITE_EDITOR_BACKEND (a git backend with real sign-in, e.g.
    {"name": "github", "repo": "clinic/site", "branch": "main"}), the build
    writes /admin/ with that backend and no local one; without it, nothing."""
    backend = build.settings.get("CLINICSITE_EDITOR_BACKEND")
    if not backend:
        return
    project = Path(build.settings["CLINICSITE_CLINIC_FILE"]).parent
    out = Path(build.settings["OUTPUT_PATH"]) / "admin"
    out.mkdir(parents=True, exist_ok=True)
    for page in ADMIN.iterdir():
        shutil.copyfile(page, out / page.name)
    (out / "config.yml").write_bytes(config_yaml(build.site, None, backend))
    decap = project / DECAP
    if not decap.is_file():
        raise FileNotFoundError(f"{decap} is missing: run `npm ci` before a build that publishes the editor")
    shutil.copyfile(decap, out / "decap-cms.js")


def run(settings_file: str, output: str, host: str = "127.0.0.1", port: int = 8000, backend_port: int = 8081) -> None:
    """The editor and the live preview on one origin, and decap-server beside
    them, until Ctrl-C."""
    from pelican.settings import read_settings

    from ..config import load_site
    from ..preview import run as preview

    settings = read_settings(settings_file)
    project = Path(settings_file).resolve().parent
    backend_url = f"http://{host}:{backend_port}/api/v1"
    headers = {"Content-Security-Policy": csp(f"http://{host}:{backend_port}"), "Referrer-Policy": "no-referrer",
               "X-Content-Type-Options": "nosniff"}

    def config() -> bytes:  # clinic.toml as it is now: a new author is in the list at once
        return config_yaml(load_site(settings["CLINICSITE_CLINIC_FILE"]), backend_url)

    def admin(path: str):
        found = admin_file(path, project, config)
        return (*found, headers) if found else None

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # `kill` stops the editor as Ctrl-C does
    backend = start_backend(project, backend_port)
    try:
        preview(settings_file, output, host, port, admin=admin)
    finally:
        backend.terminate()
        try:
            backend.wait(timeout=10)
        except subprocess.TimeoutExpired:
            backend.kill()
