""""Was this page helpful?" (clinicsite/feedback.py): the form under every
published post and nowhere else, the thank-you page (noindex, not in the
sitemap), and the round trip through Debian's nginx with the rendered
deploy/nginx.conf — answers sent as a browser sends them and hostile ones,
the thank-you page answered with every security header and no cookie, a
log of the page and the answer only, and the editorial report's counts
(the function `invoke feedback` calls, and the task itself)."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from nginxkit import Nginx, Response, worker_user
from sitekit import DEVELOP, REPO, BuiltSite, StaticServer, build_site, free_port, overrides

from clinicsite import feedback
from clinicsite.report.__main__ import collect, render_table

THANKS = "feedback/index.html"
# The security headers every response must carry (as in test_nginx.py).
REQUIRED = ("Content-Security-Policy", "Strict-Transport-Security", "X-Content-Type-Options")
AGENT = "feedback-test-agent/1.0"
REFERRER = "https://referrer.example/from-here"


def post_pages(built: BuiltSite) -> list[str]:
    return sorted(built.rel(p) for p in built.root.glob("posts/*/index.html"))


@dataclass
class Answer:
    """What a browser submits for one button of a post's form."""

    action: str  # the form's action, resolved against the page's URL
    query: list[tuple[str, str]]  # the form's fields in order: hidden ones, then the button's


def answers_of(built: BuiltSite, rel: str) -> list[Answer]:
    soup = built.soup(rel)
    forms = soup.select("section.feedback form")
    assert len(forms) == 1, f"{rel}: {len(forms)} feedback forms"
    form = forms[0]
    assert form.get("method") == "get", f"{rel}: the form's method is {form.get('method')!r}"
    hidden = [(i["name"], i["value"]) for i in form.select("input[type=hidden]")]
    return [Answer(urljoin(built.url_of(rel), form["action"]), hidden + [(b["name"], b["value"])])
            for b in form.select("button")]


# --- The form and the thank-you page in the build -------------------------------------------


def test_every_post_has_the_form_asking_for_its_own_path_and_yes_or_no(fixture_site):
    posts = post_pages(fixture_site)
    assert len(posts) == 4, posts
    for rel in posts:
        path = "/" + rel.removesuffix("index.html")
        found = answers_of(fixture_site, rel)
        assert [dict(a.query) for a in found] == [{"page": path, "answer": "yes"}, {"page": path, "answer": "no"}], rel
        for a in found:
            assert a.action == f"{fixture_site.origin}/feedback/", f"{rel}: the form goes to {a.action}"
            assert fixture_site.file_for(a.action) == fixture_site.root / THANKS
        soup = fixture_site.soup(rel)
        buttons = soup.select("section.feedback button")
        # Keyboard and screen readers: real submit buttons, named by more than "Yes"/"No".
        assert all(b.get("type") == "submit" for b in buttons), rel
        assert [" ".join(b.get_text().split()) for b in buttons] == [
            "Yes, this page was helpful", "No, this page was not helpful"], rel
        section = soup.select_one("section.feedback")
        assert section.find_parent("article") is not None, f"{rel}: the block is outside the post"
        assert section.select_one(f"#{section['aria-labelledby']}").get_text() == "Was this page helpful?"


def test_no_other_page_has_the_form(fixture_site):
    posts = set(post_pages(fixture_site))
    others = [fixture_site.rel(p) for p in fixture_site.html_files() if fixture_site.rel(p) not in posts]
    assert THANKS in others and "404.html" in others and "index.html" in others
    having = [rel for rel in others if fixture_site.soup(rel).select("section.feedback, input[name=page], [name=answer]")]
    assert not having, f"pages that are not posts have the feedback form: {having}"


def test_the_thank_you_page_is_noindex_out_of_the_sitemap_and_links_on(fixture_site):
    soup = fixture_site.soup(THANKS)
    assert " ".join(soup.h1.get_text().split()) == "Thank you for your feedback"
    assert soup.select_one("meta[name=robots]")["content"] == "noindex"
    sitemap = (fixture_site.root / "sitemap.xml").read_text(encoding="utf-8")
    assert "/posts/" in sitemap and "/feedback" not in sitemap
    links = {urlsplit(a["href"]).path for a in soup.select("main a")}
    assert {"/", "/archives/"} <= links, links
    assert not soup.select("main form"), "the thank-you page asks again"


def test_the_setting_turns_the_form_and_the_page_off(tmp_path):
    built = build_site(tmp_path, "baseline", CLINICSITE_FEEDBACK=False)
    (post,) = post_pages(built)
    assert not built.soup(post).select("section.feedback, form")
    assert not (built.root / "feedback").exists()


def test_the_dev_server_serves_the_thank_you_page_for_an_answer(fixture_site):
    port = free_port()
    with StaticServer(fixture_site.root, port):
        url = f"http://127.0.0.1:{port}/feedback/?" + urlencode({"page": "/posts/a-table-of-treatments/", "answer": "yes"})
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert resp.status == 200
            assert resp.read() == (fixture_site.root / THANKS).read_bytes()


# --- Counting the log ------------------------------------------------------------------------


def test_count_keeps_only_known_posts_and_yes_or_no():
    lines = [
        '{"page":"/posts/a/","answer":"yes"}\n',
        '{"page":"%2Fposts%2Fa%2F","answer":"no"}\n',  # as a form encodes it
        '{"page":"/posts/a/","answer":"maybe"}\n',
        '{"page":"/posts/a/","answer":"YES"}\n',
        '{"page":"/posts/b/","answer":"yes"}\n',  # not a known post
        '{"page":"/posts/a/\\",\\"answer\\":\\"yes","answer":""}\n',
        '{"page":"/posts/a/","answer":"yes"',  # cut short
        '["/posts/a/","yes"]\n',
        '{"page":["/posts/a/"],"answer":"yes"}\n',
        "not json at all\n",
        "\n",
    ]
    assert feedback.count(lines, {"/posts/a/", "/posts/c/"}) == {"/posts/a/": (1, 1)}


def test_read_logs_reads_every_file_rotated_ones_too(tmp_path):
    (tmp_path / "feedback.log").write_text('{"page":"/posts/a/","answer":"yes"}\n', encoding="utf-8")
    with gzip.open(tmp_path / "feedback.log.1.gz", "wt", encoding="utf-8") as f:
        f.write('{"page":"/posts/a/","answer":"yes"}\n{"page":"/posts/a/","answer":"no"}\n')
    (tmp_path / "odd.log").write_bytes(b'{"page":"/posts/a/\xff","answer":"yes"}\n{"page":"/posts/a/","answer":"no"}\n')
    paths = [tmp_path / "feedback.log", tmp_path / "feedback.log.1.gz", tmp_path / "odd.log"]
    assert feedback.read_logs(paths, {"/posts/a/"}) == {"/posts/a/": (2, 2)}


# --- The round trip through nginx --------------------------------------------------------------


ANSWERED = "/posts/a-reviewed-guide-to-sciatica-symptoms/"
HOSTILE = [  # (raw query, what nginx logs as page and answer)
    ("page=/posts/no-such-post/&answer=yes", "/posts/no-such-post/", "yes"),
    (f"page={ANSWERED}&answer=maybe", ANSWERED, "maybe"),
    (f"page={ANSWERED}", ANSWERED, ""),
    # A forged second record, encoded as a browser would send it…
    (f"page=%22%7D%0A%7B%22page%22%3A%22{ANSWERED}%22%2C%22answer%22%3A%22yes&answer=yes",
     f"%22%7D%0A%7B%22page%22%3A%22{ANSWERED}%22%2C%22answer%22%3A%22yes", "yes"),
    # …and raw: quotes, a backslash and markup in the request line.
    (f'page={ANSWERED}","answer":"yes"}}\\<script>alert(1)</script>&answer=no',
     f'{ANSWERED}","answer":"yes"}}\\<script>alert(1)</script>', "no"),
]


@dataclass
class RoundTrip:
    site: BuiltSite
    nginx: Nginx
    responses: list[Response]
    sent: list[dict]  # the page and answer of every GET, as nginx should log them (not the HEAD)
    refused: Response  # a POST


@pytest.fixture(scope="module")
def round_trip(fixture_site, tmp_path_factory) -> RoundTrip:
    """The fixture site served by nginx; two yes and one no for one post, sent
    as its form sends them (and once with the path unencoded), the hostile
    requests, and a POST; nginx stopped before the log is read."""
    tmp = tmp_path_factory.mktemp("feedback")
    (page, yes), (_, no) = [a.query for a in answers_of(fixture_site, ANSWERED.lstrip("/") + "index.html")]
    queries = [
        (urlencode([page, yes]), urlencode({"page": ANSWERED}), "yes"),
        (f"page={ANSWERED}&answer=yes", ANSWERED, "yes"),
        (urlencode([page, no]), urlencode({"page": ANSWERED}), "no"),
        *HOSTILE,
    ]
    with Nginx(fixture_site.root, free_port(), tmp / "nginx", user=worker_user(), feedback_log=tmp / "answers.log") as nginx:
        responses = [nginx.fetch(f"/feedback/?{q}", Accept_Encoding="identity", User_Agent=AGENT, Referer=REFERRER)
                     for q, _, _ in queries]
        refused = nginx.fetch(f"/feedback/?{queries[0][0]}", "POST", body=b"page=x&answer=yes",
                              Content_Type="application/x-www-form-urlencoded")
        # A HEAD (a link checker, a prefetch) is answered but is not an answer: not logged.
        assert nginx.fetch(f"/feedback/?{queries[0][0]}", "HEAD").status == 200
    sent = [{"page": p.removeprefix("page="), "answer": a} for _, p, a in queries]
    return RoundTrip(fixture_site, nginx, responses, sent, refused)


def test_every_answer_gets_the_thank_you_page_with_every_header_and_no_cookie(round_trip):
    thanks = (round_trip.site.root / THANKS).read_bytes()
    wanted = dict(re.findall(r'(?m)^add_header ([A-Za-z-]+) "([^"]*)" always;$',
                             (round_trip.site.root / "_nginx.conf").read_text(encoding="utf-8")))
    assert set(REQUIRED) <= set(wanted), wanted
    for resp in round_trip.responses:
        assert resp.status == 200, f"{resp.url}: status {resp.status}"
        assert resp.body == thanks, f"{resp.url}: the body is not the thank-you page"
        assert resp.header("Content-Type") == "text/html; charset=utf-8"
        for name, value in wanted.items():
            assert resp.headers.get_all(name) == [value], f"{resp.url}: {name} is {resp.headers.get_all(name)}"
        assert resp.header("Cache-Control") == "no-cache", resp.url
        assert not resp.headers.get_all("Set-Cookie"), f"{resp.url}: sets a cookie"
    assert b"<script>alert" not in thanks and b"no-such-post" not in thanks


def test_only_get_and_head_are_answered(round_trip):
    resp = round_trip.refused
    assert resp.status == 405 and resp.header("Allow") == "GET, HEAD"
    assert not resp.headers.get_all("Set-Cookie")


def test_the_log_holds_the_page_and_the_answer_of_each_get_and_nothing_else(round_trip):
    raw = round_trip.nginx.feedback_log.read_text(encoding="utf-8")
    for identifying in ("127.0.0.1", AGENT, "referrer.example", "HTTP/1.1", "GET", "POST"):
        assert identifying not in raw, f"the feedback log names {identifying!r}:\n{raw}"
    assert not re.search(r"\d\d:\d\d:\d\d|\d{4}-\d\d-\d\d|/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/", raw), raw
    records = [json.loads(line) for line in raw.splitlines()]
    assert records == round_trip.sent


def test_the_report_counts_two_yes_one_no_and_ignores_the_rest(round_trip, capsys):
    site = round_trip.site
    found = collect(DEVELOP, overrides(site.project), feedback_logs=[round_trip.nginx.feedback_log])
    by_post = {r.title: r.helpful for r in found}
    assert by_post == {
        "A Reviewed Guide to Sciatica Symptoms": (2, 1),
        "A Source Article About Sciatica": (0, 0),
        "A Table of Treatments": (0, 0),
        "A Post With Images About Piriformis Syndrome": (0, 0),
    }
    render_table(found)
    table = capsys.readouterr().out
    assert "helpful: yes / no" in table
    assert [line for line in table.splitlines() if "a-reviewed-guide" in line and "2 / 1" in line], table
    # Without logs the report is as before: no such column.
    render_table(collect(DEVELOP, overrides(site.project)))
    assert "helpful" not in capsys.readouterr().out


def test_invoke_feedback_reports_the_counts(round_trip, tmp_path):
    """The task itself, in a project made of the fixture site and the repository's settings, theme and tasks."""
    project = tmp_path / "project"
    shutil.copytree(round_trip.site.project / "content", project / "content")
    shutil.copytree(round_trip.site.project / "safety", project / "safety")
    shutil.copytree(REPO / "theme", project / "theme")
    for name in ("pelicanconf.py", "tasks.py"):
        shutil.copy(REPO / name, project / name)
    shutil.copy(round_trip.site.project / "clinic.toml", project / "clinic.toml")
    proc = subprocess.run([sys.executable, "-m", "invoke", "feedback", "--log", str(round_trip.nginx.feedback_log), "--json"],
                          capture_output=True, encoding="utf-8", cwd=project, timeout=300)
    assert proc.returncode == 0, proc.stderr
    counts = {d["file"]: d["helpful"] for d in json.loads(proc.stdout)}
    assert counts["content/posts/2026-01-10-a-reviewed-guide.md"] == [2, 1], counts
    assert sorted(map(tuple, counts.values())) == [(0, 0), (0, 0), (0, 0), (2, 1)], counts
    missing = subprocess.run([sys.executable, "-m", "invoke", "feedback"], capture_output=True, encoding="utf-8",
                             cwd=project, timeout=120)
    assert missing.returncode != 0 and "--log" in missing.stderr
