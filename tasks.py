"""Invoke tasks (the Pelican quickstart's names, plus test). Logic lives in
the clinicsite package; each task is a thin call into it."""

import os
import shlex
import shutil
import sys
from pathlib import Path

from invoke import task

CONFIG = {
    "settings_base": "pelicanconf.py",
    "settings_publish": "publishconf.py",
    "deploy_path": "output",
    "host": "127.0.0.1",
    "port": 8000,
    # invoke publish rsyncs the production build here (a local folder or
    # user@host:path); set PUBLISH_TARGET in the environment.
    "publish_target": os.environ.get("PUBLISH_TARGET", ""),
}


def _build(c, settings):
    c.run(f"{shlex.quote(sys.executable)} -m clinicsite.build --settings {settings} --output {CONFIG['deploy_path']}", pty=False)


@task
def clean(c):
    """Remove the generated files (and the outputs earlier builds replaced)."""
    deploy = Path(CONFIG["deploy_path"]).resolve()
    for path in [deploy, *deploy.parent.glob(f".{deploy.name}.*")]:
        if path.is_dir():
            shutil.rmtree(path)


@task
def build(c):
    """Build the local version of the site (atomically)."""
    _build(c, CONFIG["settings_base"])


@task
def rebuild(c):
    """`build` after `clean`."""
    clean(c)
    build(c)


@task
def regenerate(c):
    """Rebuild in place whenever content changes (Pelican's autoreload)."""
    c.run(f"pelican -r -s {CONFIG['settings_base']}")


@task
def serve(c):
    """Serve the built site at http://127.0.0.1:8000 (Ctrl-C stops it)."""
    import logging

    from clinicsite.serve import serve_forever

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    serve_forever(CONFIG["deploy_path"], CONFIG["host"], CONFIG["port"])


@task
def livereload(c):
    """Preview at http://127.0.0.1:8000 (drafts shown); a saved post re-renders only its page.

    Anything else (a new file, a changed field, a template, clinic.toml)
    rebuilds the whole site: clinicsite.preview."""
    from clinicsite.preview import run

    run(CONFIG["settings_base"], CONFIG["deploy_path"], CONFIG["host"], CONFIG["port"])


@task
def preview(c):
    """Build the production version of the site."""
    _build(c, CONFIG["settings_publish"])


@task(help={"target": "a folder or user@host:path (default: $PUBLISH_TARGET)"})
def publish(c, target=""):
    """Build the production site and rsync it to PUBLISH_TARGET (or --target).

    The build goes to a fresh temporary folder (output/ keeps your local
    build), is post-processed for serving (fingerprinted images, _headers,
    .gz/.br files: clinicsite.deploy.postprocess) and is rsynced only if all
    of that succeeded."""
    import tempfile

    target = target or CONFIG["publish_target"]
    if not target:
        sys.exit("publish: set PUBLISH_TARGET or pass --target (a folder or user@host:path)")
    if not shutil.which("rsync"):
        sys.exit("publish: rsync is not installed (apt-get install rsync)")
    py = shlex.quote(sys.executable)
    settings = CONFIG["settings_publish"]
    staging = tempfile.mkdtemp(prefix="clinicsite-publish-")
    try:
        out = shlex.quote(os.path.join(staging, "output"))
        c.run(f"{py} -m clinicsite.build --settings {settings} --output {out}", pty=False)
        # Idempotent: harmless if clinicsite.build already post-processed.
        c.run(f"{py} -m clinicsite.deploy postprocess --settings {settings} --output {out}", pty=False)
        c.run(f"rsync -a --delete --checksum {out}/ {shlex.quote(target.rstrip('/') + '/')}", pty=False)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@task(name="new-post")
def new_post(c, title, author):
    """Create content/posts/YYYY-MM-DD-<slug>.md with every field: new-post "Title" --author "Name"."""

    from clinicsite.errors import ContentError
    from clinicsite.scaffold import new_post as scaffold

    try:
        path = scaffold(title, author, Path("content"), Path("clinic.toml"))
    except ContentError as exc:
        sys.exit(f"new-post: {exc}")
    print(f"Created {path} (status: draft). Preview it with: invoke livereload")


@task(name="check-content")
def check_content(c, json=False):
    """Print the editorial report for every post (--json for tools)."""
    from clinicsite.report import main

    sys.exit(main(["--settings", CONFIG["settings_base"]] + (["--json"] if json else [])))


@task
def test(c, k="", x=False):
    """Run the whole test suite."""
    args = ["-k", k] if k else []
    if x:
        args.append("-x")
    c.run(" ".join([shlex.quote(sys.executable), "-m", "pytest", *map(shlex.quote, args)]), pty=False)
