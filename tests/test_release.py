"""Issue 16: nothing already published is lost. `output` is always a whole
site: a new build is swapped in with one rename, a crash at any step leaves
a complete site (and the next build, even a failing one, keeps it), a killed
build leaves no process behind, and two builds at once never both write."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sitekit import FIXTURES, PUBLISH, REPO, digest, fixture_project, overrides

from clinicsite.build import build, recover, swap


def settings_file(project: Path) -> Path:
    """publishconf.py with the fixture project's paths (for subprocesses)."""
    path = project / "settings.py"
    path.write_text(
        f"import sys\nsys.path.insert(0, {str(REPO)!r})\nfrom publishconf import *\n"
        + "".join(f"{k} = {v!r}\n" for k, v in overrides(project, SITEURL="https://clinic.example.com").items()),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def project(tmp_path):
    project = fixture_project(tmp_path, "baseline")
    assert build(PUBLISH, project / "output", overrides(project)).ok
    return project


def releases(project):
    return sorted(p.name for p in (project / ".output.releases").iterdir())


def test_output_is_a_link_to_a_complete_release_and_one_earlier_is_kept(project):
    out = project / "output"
    first = os.readlink(out)
    assert out.is_symlink() and (out / "index.html").is_file()
    assert build(PUBLISH, out, overrides(project)).ok
    second = os.readlink(out)
    assert second != first and releases(project) == sorted([Path(first).name, Path(second).name])
    assert build(PUBLISH, out, overrides(project)).ok
    assert len(releases(project)) == 2 and Path(first).name not in releases(project)


def test_a_crash_before_the_swap_leaves_the_old_site_and_the_next_failing_build_keeps_it(project):
    """Killed after the new release was complete but before the link moved:
    output is the old site; a half-built release is swept by the next build."""
    out = project / "output"
    before = digest(out)
    stale = project / ".output.releases" / "20990101-000000-000000000.building"
    stale.mkdir()
    (stale / "index.html").write_text("half", encoding="utf-8")
    shutil.copy(FIXTURES / "broken" / "unknown-author.md", project / "content" / "posts")
    result = build(PUBLISH, out, overrides(project))
    assert not result.ok and digest(out) == before
    assert not stale.exists()


def test_a_crash_while_replacing_a_plain_output_folder_is_recovered(tmp_path):
    """The one two-step move: a plain output folder (from `pelican -o`) is
    moved into the releases before the link takes its place. Killed in
    between, output is missing: the next build — even a failing one —
    restores it from the newest complete release before anything else."""
    project = fixture_project(tmp_path, "baseline")
    out = project / "output"
    releases_dir = project / ".output.releases"
    releases_dir.mkdir()
    subprocess.run([sys.executable, "-m", "pelican", str(project / "content"), "-s", str(settings_file(project)),
                    "-o", str(out)], check=True, capture_output=True, cwd=REPO)
    assert out.is_dir() and not out.is_symlink()
    site = digest(out)
    os.rename(out, releases_dir / "20260101-000000-0-kept")  # the first step, then the crash
    assert not out.exists()
    shutil.copy(FIXTURES / "broken" / "unknown-author.md", project / "content" / "posts")
    result = build(PUBLISH, out, overrides(project))
    assert not result.ok
    assert out.is_symlink() and digest(out) == site


def test_recovery_points_a_missing_output_at_the_newest_release(project):
    out = project / "output"
    site = digest(out)
    out.unlink()
    recover(out, project / ".output.releases")
    assert digest(out) == site


def test_the_swap_is_one_rename_of_a_link(project, monkeypatch):
    """Whatever instant a reader looks, output is a whole site: the link is
    made beside it and renamed over it."""
    calls = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append((str(a), str(b))), real_replace(a, b))[1])
    release = project / ".output.releases" / "29990101-000000-000000000"
    shutil.copytree(project / "output", release)
    swap(project / "output", release)
    assert calls == [(str(project / ".output.link"), str(project / "output"))]
    assert os.readlink(project / "output").endswith(release.name)


def test_a_killed_build_leaves_no_process_behind(tmp_path):
    """Kill -9 a build while its worker processes run (a cold build of a
    site big enough to use them): none of them outlives it."""
    project = fixture_project(tmp_path, "baseline")
    posts = project / "content" / "posts"
    for i in range(120):
        (posts / f"2026-02-{i % 28 + 1:02d}-post-{i}.md").write_text(
            f"---\ntitle: Post number {i}\ndate: 2026-02-{i % 28 + 1:02d}T08:{i % 60:02d}:00+00:00\n"
            "authors: [Dana Staff]\ndescription: One of many posts, so the build shares its work among processes.\n"
            f"topics: [sciatica]\n---\n\nText of post {i}.\n", encoding="utf-8")
    mark = uuid.uuid4().hex
    proc = subprocess.Popen(
        [sys.executable, "-m", "clinicsite.build", "--settings", str(settings_file(project)), "--output", str(project / "output")],
        cwd=REPO, env={**os.environ, "CLINICSITE_TEST_MARK": mark}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(_marked(mark)) < 2 and time.monotonic() < deadline:  # the build and at least one worker
        time.sleep(0.05)
    assert len(_marked(mark)) >= 2, "the build started no worker process"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while _marked(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _marked(mark), f"processes left behind: {_marked(mark)}"
    assert not (project / "output").exists()


def _marked(mark: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"CLINICSITE_TEST_MARK={mark}".encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def test_two_builds_at_once_take_turns(project):
    """Two builds of one output started together: the second waits for the
    first (and says so), both succeed, and output ends whole."""
    config = settings_file(project)
    command = [sys.executable, "-m", "clinicsite.build", "--settings", str(config), "--output", str(project / "output")]
    procs = [subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, encoding="utf-8") for _ in range(2)]
    outputs = [p.communicate(timeout=180)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert any("Waiting for another build" in o for o in outputs), outputs
    assert (project / "output" / "index.html").is_file()
    assert len(releases(project)) == 2 and not [r for r in releases(project) if r.endswith(".building")]


def test_a_build_waits_at_most_as_long_as_told_then_fails_clearly(project, monkeypatch):
    from clinicsite.locks import Lock

    monkeypatch.setenv("CLINICSITE_LOCK_WAIT", "0.3")
    with Lock(project / ".output.lock", "output/"):
        proc = subprocess.run(
            [sys.executable, "-m", "clinicsite.build", "--settings", str(settings_file(project)), "--output", str(project / "output")],
            cwd=REPO, capture_output=True, encoding="utf-8", timeout=60, env={**os.environ, "CLINICSITE_LOCK_WAIT": "0.3"},
        )
    assert proc.returncode == 1
    assert "another build" in proc.stderr and f"(process {os.getpid()})" in proc.stderr
