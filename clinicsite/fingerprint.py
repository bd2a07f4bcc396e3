"""Content-hashed ("fingerprinted") names for the images pages reference, so
they can be cached for a year: `favicon.svg` becomes `favicon.<hash>.svg`,
and a changed file gets a new name instead of a stale cache entry.

How: a post-processing step over the finished output directory. Every file
matching PATTERNS is renamed to `<stem>.<first 10 hex of its sha256>.<ext>`
and every reference to it in the text files (HTML, the web app manifest,
XML feeds and sitemap, JSON, CSS, JS, txt) is rewritten.

Why not hash at URL-generation time: the images are drawn at Pelican's
`finalized` signal, after every page was rendered, so no hash exists when a
template asks for the URL. Post-processing works on the final bytes, needs no
ordering between signals, and also catches the URLs built in Python (the
social image in pages.py and JSON-LD, avatar_url, the manifest's icons).

A reference is rewritten when it is an absolute URL on the site's origin
(`https://clinic.example.com/favicon.svg`) or a root-relative path
(`/favicon.svg`) — what a production build (RELATIVE_URLS = False) writes.
A document-relative reference (`../favicon.svg`, a development build) is not
rewritten: the file it names keeps its plain name and the reference is
reported as a warning, which fails the atomic build this step runs in.

Running the step twice is harmless: fingerprinted files are recognised by a
name whose hash matches their content, and are left alone.
"""

from __future__ import annotations

import hashlib
import logging
import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from jinja2 import pass_context

logger = logging.getLogger(__name__)

HASH_LEN = 10
# Images that pages reference and that nothing outside the site asks for by
# name. Not fingerprinted: favicon.ico (browsers request /favicon.ico on
# their own), robots.txt, sitemap.xml, manifest.webmanifest and the feeds.
PATTERNS = (
    "social/*.png",
    "authors/*/avatar.svg",
    "icon-*.png",
    "apple-touch-icon.png",
    "favicon.svg",
    "theme/*.js",  # the search page's script
    "images/*.*",  # post images and their responsive variants
)
# Text files whose references are rewritten.
REWRITE_SUFFIXES = (".html", ".webmanifest", ".xml", ".json", ".css", ".js", ".mjs", ".txt")
# A fingerprinted file name: stem, dot, the hash, the extension. The nginx
# config renders this into its immutable-caching rule (deploy.py).
NAME_RE = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LEN}}})(?P<ext>\.[A-Za-z0-9]+)$")
URL_SUFFIX_RE = rf"\.[0-9a-f]{{{HASH_LEN}}}\.[A-Za-z0-9]+$"

# Where a URL may stop in HTML, XML, JSON or CSS: quotes (also as entities,
# for HTML escaped inside feeds), whitespace, brackets, commas (srcset), `=`.
_DELIMS = r"&quot;|&#34;|&#x22;|&#39;|&#x27;|&apos;|&lt;|&gt;"
_STOP = r"\s\"'<>()\[\]{}\\,="
_CHAR = rf"(?:(?!{_DELIMS})[^{_STOP}])"
# A token that may name a fingerprintable file: it starts where a token can
# start (after a delimiter, or a `;` ending an entity), ends in one of the
# file types PATTERNS match, and may carry a ?query or #fragment. Matching
# only these keeps the rewrite linear and the Python callback rare (a token
# regex with a callback per word spent ~0.3 s per post).
_EXTENSIONS = "png|svg|js|webp|avif|jpe?g"
_TOKEN = re.compile(
    rf"(?<![^{_STOP};]){_CHAR}+?\.(?:{_EXTENSIONS})(?:[?#]{_CHAR}*)?(?![^{_STOP}&])",
    re.IGNORECASE,
)


# A file type PATTERNS match, wherever it occurs: a cheap scan that finds the
# few places per page where a token can be. _TOKEN then runs only on the run
# of non-delimiter characters around each hit — the same tokens, since a
# token never crosses a delimiter — instead of trying every position of
# every page (which cost ~1.3 ms per page at 1,000 posts).
_HINT = re.compile(rf"\.(?:{_EXTENSIONS})", re.IGNORECASE)
_STOP_CHARS = " \t\n\r\f\v\"'<>()[]{}\\,="
_RUN_END = re.compile(rf"[^{_STOP}]*")
_LONGEST_RUN = 4096  # where to look for a run's start first


def _runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each maximal run of non-delimiter characters that
    contains a hint, in order, without repeats."""
    runs: list[tuple[int, int]] = []
    for hint in _HINT.finditer(text):
        pos = hint.start()
        if runs and pos < runs[-1][1]:
            continue
        # The run starts after the last delimiter before the hint, looked for
        # in the 4 KiB before it first; failing that, after the previous
        # run (which ended on a delimiter) or at the start of the text.
        floor = max(0, pos - _LONGEST_RUN)
        start = max(text.rfind(c, floor, pos) for c in _STOP_CHARS) + 1
        if not start and floor:
            start = max(text.rfind(c, 0, pos) for c in _STOP_CHARS) + 1
        if runs:  # \s also matches Unicode spaces _STOP_CHARS lacks
            start = max(start, runs[-1][1])
        runs.append((start, _RUN_END.match(text, pos).end()))
    return runs


@pass_context
def asset_url(ctx, path: str) -> str:
    """Jinja global: the URL of an output file that pages reference.

    It returns `{SITEURL}/{path}`; in a production build the post-processing
    step (deploy.postprocess) replaces it with the fingerprinted URL once the
    file exists, so the same template serves development (plain names,
    relative URLs) and production (hashed names, immutable caching)."""
    return f"{ctx['SITEURL']}/{path.lstrip('/')}"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:HASH_LEN]


def fingerprinted_name(rel: str, data: bytes) -> str:
    folder, name = posixpath.split(rel)
    stem, ext = posixpath.splitext(name)
    return posixpath.join(folder, f"{stem}.{content_hash(data)}{ext}")


def original_name(rel: str) -> str | None:
    """`favicon.svg` for `favicon.<hash>.svg`; None for other names."""
    folder, name = posixpath.split(rel)
    m = NAME_RE.match(name)
    return posixpath.join(folder, m["stem"] + m["ext"]) if m else None


def is_fingerprinted(path: Path) -> bool:
    """True when the name carries a hash and the hash is the content's."""
    m = NAME_RE.match(path.name)
    return bool(m) and path.is_file() and content_hash(path.read_bytes()) == m["hash"]


@dataclass
class Base:
    """The site's origin, split: absolute URLs on `netloc` under `path` are ours."""

    netloc: str
    path: str  # "" or "/subfolder"

    @classmethod
    def parse(cls, origin: str | None) -> Base | None:
        if not origin:
            return None
        parts = urlsplit(origin.rstrip("/"))
        if not parts.netloc:
            return None
        return cls(parts.netloc.lower(), parts.path.rstrip("/"))


def infer_origin(output_dir: Path) -> str | None:
    """The origin a production build used, from the home page's canonical link."""
    index = Path(output_dir) / "index.html"
    if not index.is_file():
        return None
    m = re.search(r'<link\s+rel="canonical"\s+href="([^"]+)"', index.read_text(encoding="utf-8"))
    return m.group(1).rstrip("/") if m else None


@dataclass
class FingerprintResult:
    manifest: dict[str, str] = field(default_factory=dict)  # original rel -> fingerprinted rel
    renamed: int = 0
    rewritten_files: int = 0
    problems: list[str] = field(default_factory=list)
    visited: dict[str, object] = field(default_factory=dict)  # rel -> what visit() returned


def find_assets(output_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(to_rename, already): original rel -> fingerprinted rel for the files
    matching PATTERNS, split by whether they still have their plain name."""
    to_rename: dict[str, str] = {}
    already: dict[str, str] = {}
    for pattern in PATTERNS:
        for path in sorted(output_dir.glob(pattern)):
            if not path.is_file() or path.suffix in (".gz", ".br"):
                continue  # precompressed copies follow their original
            rel = path.relative_to(output_dir).as_posix()
            if is_fingerprinted(path):
                already[original_name(rel)] = rel
            else:
                to_rename[rel] = fingerprinted_name(rel, path.read_bytes())
        # Already-renamed files of this pattern: `social/*.png` also matched
        # them above; `favicon.svg` did not.
        stem_pattern = re.sub(r"(\.[A-Za-z0-9]+)$", r".*\1", pattern)
        for path in sorted(output_dir.glob(stem_pattern)):
            rel = path.relative_to(output_dir).as_posix()
            orig = original_name(rel)
            if orig and orig not in to_rename and is_fingerprinted(path):
                already[orig] = rel
    return to_rename, already


def rewrite_text(
    text: str,
    doc_rel: str,
    manifest: dict[str, str],
    base: Base | None,
    basenames: frozenset[str] | None = None,
) -> tuple[str, list[tuple[str, str]]]:
    """Replace references to manifest keys in `text` (the file `doc_rel`);
    return the new text and the (reference, original rel) pairs that could
    not be rewritten."""
    # The caller passes the names once for the whole output: rebuilding the
    # set for each of its files grew with files × assets.
    if basenames is None:
        basenames = frozenset(posixpath.basename(k) for k in manifest)
    unresolved: list[tuple[str, str]] = []

    def replace(m: re.Match) -> str:
        token = m.group(0)
        cut = min((i for i in (token.find("?"), token.find("#")) if i >= 0), default=len(token))
        core, tail = token[:cut], token[cut:]
        if posixpath.basename(core) not in basenames:
            return token
        parts = urlsplit(core)
        if parts.scheme or core.startswith("//"):
            if parts.scheme not in ("", "http", "https") or base is None or parts.netloc.lower() != base.netloc:
                return token  # another site's file of the same name
            path = parts.path
        elif core.startswith("/"):
            path = core
        else:
            # Document-relative: resolve it only to report it.
            target = posixpath.normpath(posixpath.join(posixpath.dirname(doc_rel), unquote(core)))
            if target in manifest:
                unresolved.append((token, target))
            return token
        prefix = base.path if base else ""
        if not path.startswith(prefix + "/"):
            return token
        rel = unquote(path[len(prefix) + 1 :])
        new = manifest.get(rel)
        if new is None:
            return token
        if not core.endswith(rel):  # spelled with escapes: leave it, report it
            unresolved.append((token, rel))
            return token
        return core[: len(core) - len(rel)] + new + tail

    pieces, done = [], 0
    for start, end in _runs(text):
        pieces += [text[done:start], _TOKEN.sub(replace, text[start:end])]
        done = end
    pieces.append(text[done:])
    return "".join(pieces), unresolved


def _replace_text(path: Path, text: str) -> None:
    """Write `text` as a new file under `path`'s name: a hard-linked file
    (a cached index or compressed copy) is replaced, never written through."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def text_files(output_dir: Path) -> list[Path]:
    found = []
    for folder, _, names in os.walk(output_dir):  # os.walk: a third of rglob's time
        found += [Path(folder, name) for name in names if name.endswith(REWRITE_SUFFIXES)]
    return sorted(found)


def fingerprint(
    output_dir: str | os.PathLike,
    origin: str | None = None,
    visit: Callable[[str, str], object] | None = None,
    processes: int | None = None,
) -> FingerprintResult:
    """Rename the files matching PATTERNS to content-hashed names and rewrite
    every reference to them. `origin` is the site's SITEURL (absolute); when
    omitted it is read from the home page's canonical link. `visit(rel,
    text)`, if given, sees every text file's final text (one read fewer for
    a caller that scans the output); what it returns (picklable) is kept in
    `result.visited[rel]`. The files are shared between `processes` (None:
    both cores; parallel.fork_map), so `visit` must work through its result,
    not through side effects."""
    from .parallel import fork_map

    output_dir = Path(output_dir)
    origin = origin or infer_origin(output_dir)
    base = Base.parse(origin)
    to_rename, already = find_assets(output_dir)
    result = FingerprintResult(manifest={**already, **to_rename})
    if result.manifest and base is None:
        logger.warning(
            "fingerprint: %s: no absolute site origin (set SITEURL for production); "
            "only root-relative references are rewritten",
            output_dir,
        )
    # One pass rewrites every reference and finds the ones that cannot be
    # rewritten (document-relative). Their files keep the plain name (the
    # problem is reported), so the output never has a broken reference: only
    # then does a second pass turn those files' new names back. Pages are
    # not held in memory.
    names = frozenset(posixpath.basename(k) for k in result.manifest)

    def one(path: Path):
        rel = path.relative_to(output_dir).as_posix()
        text = path.read_text(encoding="utf-8")
        new, unresolved = rewrite_text(text, rel, result.manifest, base, names) if names else (text, [])
        if new != text:
            _replace_text(path, new)
        return rel, new != text, unresolved, visit(rel, new) if visit is not None else None

    blocked: set[str] = set()
    changed: list[str] = []
    for rel, rewritten, unresolved, seen in fork_map(one, text_files(output_dir), processes):
        for token, target in unresolved:
            blocked.add(target)
            result.problems.append(
                f"{rel}: reference {token!r} to {target} is not an absolute or root-relative URL "
                f"on {origin or 'the site'}; {target} keeps its name and is not fingerprinted"
            )
        if rewritten:
            changed.append(rel)
        if visit is not None:
            result.visited[rel] = seen
    back = {to_rename[t]: t for t in blocked if t in to_rename}
    if back:
        back_names = frozenset(posixpath.basename(k) for k in back)
        for rel in changed:
            path = output_dir / rel
            text = path.read_text(encoding="utf-8")
            new, _ = rewrite_text(text, rel, back, base, back_names)
            if new != text:
                _replace_text(path, new)
                if visit is not None:
                    result.visited[rel] = visit(rel, new)
    to_rename = {k: v for k, v in to_rename.items() if k not in blocked}
    result.manifest = {**already, **to_rename}
    result.rewritten_files = len(changed)
    for rel, new_rel in to_rename.items():
        os.replace(output_dir / rel, output_dir / new_rel)
        result.renamed += 1
    for problem in result.problems:
        logger.warning("fingerprint: %s", problem)
    if result.manifest:
        logger.info(
            "fingerprint: %d file(s) renamed, references rewritten in %d file(s)",
            result.renamed,
            result.rewritten_files,
        )
    return result
