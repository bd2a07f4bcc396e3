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
    # user@host:path) and then runs PUBLISH_RELOAD (e.g. "sudo systemctl
    # reload nginx") so the server picks up the build's headers.
    "publish_target": os.environ.get("PUBLISH_TARGET", ""),
    "publish_reload": os.environ.get("PUBLISH_RELOAD", ""),
}


def _build(c, settings):
    c.run(f"{shlex.quote(sys.executable)} -m clinicsite.build --settings {settings} --output {CONFIG['deploy_path']}", pty=False)


@task
def clean(c):
    """Remove the generated files (the output link and its releases)."""
    deploy = Path(os.path.abspath(CONFIG["deploy_path"]))
    for path in [deploy, *deploy.parent.glob(f".{deploy.name}.*")]:
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
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
    """Rebuild in place whenever content changes (Pelican's autoreload, the same pipeline)."""
    c.run(f"pelican -r -s {CONFIG['settings_base']} -o {CONFIG['deploy_path']}")


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


@task(help={"port": "the editor's and the preview's port (default 8000)",
            "backend_port": "decap-server's port on 127.0.0.1 (default 8081)"})
def edit(c, port=0, backend_port=0):
    """The browser editor at http://127.0.0.1:8000/admin/ with the live preview (./dev edit)."""
    from clinicsite.editor import run

    run(CONFIG["settings_base"], CONFIG["deploy_path"], CONFIG["host"], int(port) or CONFIG["port"],
        int(backend_port) or 8081)


@task
def preview(c):
    """Build the production version of the site."""
    _build(c, CONFIG["settings_publish"])


@task(help={"target": "a folder or user@host:path (default: $PUBLISH_TARGET)",
            "reload": "a command that reloads the web server (default: $PUBLISH_RELOAD)"})
def publish(c, target="", reload=""):
    """Build the production site and rsync it to PUBLISH_TARGET, world-readable; then PUBLISH_RELOAD."""
    from clinicsite.deploy.__main__ import main

    args = ["publish", "--settings", CONFIG["settings_publish"], "--target", target or CONFIG["publish_target"],
            "--reload", reload or CONFIG["publish_reload"]]
    sys.exit(main(args) or None)


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
    from clinicsite.report.__main__ import main

    sys.exit(main(["--settings", CONFIG["settings_base"]] + (["--json"] if json else [])))


@task(iterable=["log"], help={"log": "an nginx feedback log, e.g. /var/log/nginx/clinicsite-feedback.log (repeatable)"})
def feedback(c, log, json=False):
    """The editorial report with each post's "Was this page helpful?" answers: feedback --log FILE [--log FILE …]."""
    from clinicsite.report.__main__ import main

    if not log:
        sys.exit("feedback: give at least one --log (the nginx feedback log, deploy/README.md)")
    sys.exit(main(["--settings", CONFIG["settings_base"], *(a for path in log for a in ("--feedback", path))]
                  + (["--json"] if json else [])))


@task
def test(c, k="", x=False):
    """Run the whole test suite."""
    args = ["-k", k] if k else []
    if x:
        args.append("-x")
    c.run(" ".join([shlex.quote(sys.executable), "-m", "pytest", *map(shlex.quote, args)]), pty=False)
