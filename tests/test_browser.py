"""Every page type in a real browser: Debian's Chromium driven by Playwright
against the production build served over HTTP on 127.0.0.1.

Checks, per page type: axe-core (WCAG 2.0/2.1/2.2 A and AA rules) in light
and dark colour schemes at 375 and 1280 px; no console error; no request to
another origin; no horizontal scroll at 320 px; no layout shift; keyboard
access (skip link, main navigation, booking link; every focused element
visible and uncovered); and no animation when reduced motion is asked for.
Full-page screenshots go to test-artifacts/screenshots/.

One browser serves the whole session. Each (page, width, scheme) is loaded
once; the console, request, layout-shift and axe results of that load are
kept and checked by the separate tests below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sitekit import PAGE_TYPES
from tools import NODE_MODULES, REPO, require

pytestmark = pytest.mark.browser

AXE = NODE_MODULES / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"

PAGES = PAGE_TYPES
# The accessibility statement (/accessibility/) says what these are.
from clinicsite.clinicpages import AXE_TAGS, SCHEMES, WIDTHS  # noqa: E402
HEIGHT = 800


def booking_url() -> str:
    """The booking URL exactly as the templates get it (clinic.toml, validated)."""
    from clinicsite.config import load_site

    return load_site(REPO / "clinic.toml", REPO / "safety").booking_link()


# Runs in every document before the page's own scripts: sums layout shifts
# (CLS, ignoring shifts right after input) and names the nodes that moved.
CLS_OBSERVER = """
(() => {
  window.__cls = {value: 0, shifts: []};
  const name = (n) => !n || !n.tagName ? String(n && n.nodeName) :
    n.tagName.toLowerCase() + (n.id ? '#' + n.id : '') +
    (n.classList && n.classList.length ? '.' + [...n.classList].join('.') : '');
  const add = (entries) => {
    for (const e of entries) {
      if (e.hadRecentInput) continue;
      window.__cls.value += e.value;
      window.__cls.shifts.push({value: e.value, nodes: (e.sources || []).map((s) => name(s.node))});
    }
  };
  const observer = new PerformanceObserver((list) => add(list.getEntries()));
  observer.observe({type: 'layout-shift', buffered: true});
  // Reading the score first takes the entries not yet delivered.
  window.__readCls = () => { add(observer.takeRecords()); return window.__cls; };
})();
"""

# A short, unique description of an element for failure messages.
DESCRIBE_JS = """
(el) => {
  if (!el || el === document.body) return String(el && el.tagName).toLowerCase();
  const attrs = ['id', 'class', 'href', 'aria-label'].filter((a) => el.getAttribute(a))
    .map((a) => `${a}="${el.getAttribute(a)}"`).join(' ');
  const text = (el.innerText || el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
  return `<${el.tagName.toLowerCase()}${attrs ? ' ' + attrs : ''}>${text}`;
}
"""

# What a keyboard user sees of a focused element: where it is, whether it
# shows a focus indicator, and whether anything covers it. `state(el)` is
# measured after `el` has focus (focusing scrolls it into view).
FOCUS_LIB = """
  const describe = %s;
  const main = document.querySelector('main');
  const state = (el) => {
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = !!style.boxShadow && style.boxShadow !== 'none';
    // The first line box: a link that wraps has an empty hole in its bounding box.
    const box = el.getClientRects()[0] || el.getBoundingClientRect();
    const left = Math.max(box.left, 0), right = Math.min(box.right, innerWidth);
    const top = Math.max(box.top, 0), bottom = Math.min(box.bottom, innerHeight);
    const onScreen = right > left && bottom > top;
    const hit = onScreen ? document.elementFromPoint((left + right) / 2, (top + bottom) / 2) : null;
    return {
      desc: describe(el),
      href: el.getAttribute('href'),
      resolvedHref: el.href || null,
      inMain: !!el.closest('main'),
      inMainNav: !!el.closest('nav[aria-label="Main"]'),
      isSkipLink: el.matches('a[href="#main"]'),
      afterMainStart: !!main && (main.contains(el) || !!(main.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)),
      focused: document.activeElement === el,
      focusVisible: el.matches(':focus-visible'),
      indicator: outline || shadow,
      outline: `${style.outlineStyle} ${style.outlineWidth}`,
      boxShadow: style.boxShadow,
      onScreen,
      covered: onScreen && !(hit === el || el.contains(hit)),
      coveredBy: hit && hit !== el && !el.contains(hit) ? describe(hit) : null,
    };
  };
""" % DESCRIBE_JS

# The focused element's state, or null when focus is on no element.
FOCUS_STATE_JS = """() => {
  %s
  const el = document.activeElement;
  return !el || el === document.body || el === document.documentElement ? null : state(el);
}""" % FOCUS_LIB

# Every element in the sequential focus order (tabindex >= 0, rendered, not
# disabled or inert), focused in turn the way a keyboard user would reach it.
ALL_FOCUSABLE_JS = """() => {
  %s
  const candidates = document.querySelectorAll(
    'a[href], area[href], button, input:not([type=hidden]), select, textarea, iframe, summary, [tabindex], [contenteditable]');
  const out = [];
  for (const el of candidates) {
    if (el.tabIndex < 0 || el.disabled || el.closest('[inert], [hidden]')) continue;
    if (!el.getClientRects().length || getComputedStyle(el).visibility !== 'visible') continue;
    el.focus({focusVisible: true});
    out.push(state(el));
  }
  return out;
}""" % FOCUS_LIB


def shot_name(page: str, width: int, scheme: str) -> str:
    """home-375.png (full page, light), home-375-dark.png (first screen, dark)."""
    return f"{page}-{width}{'' if scheme == 'light' else '-' + scheme}.png"


@dataclass
class Visit:
    """One load of one page at one width and colour scheme."""

    url: str
    status: int | None = None
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    cls: dict = field(default_factory=dict)
    axe_violations: list[dict] = field(default_factory=list)
    scroll_width: int = 0
    inner_width: int = 0
    widest: list[str] = field(default_factory=list)


class Visitor:
    """Loads pages into the one browser, each (page, width, scheme) once.

    A context costs a new renderer process, so there is one long-lived tab per
    (width, scheme, reduced motion) and pages are navigated in it, with the
    HTTP cache off so every load makes all its requests again. Event handlers
    record into whichever Visit is current.
    """

    def __init__(self, browser, served):
        self.browser = browser
        self.origin = served.origin
        self.cache: dict[tuple, Visit] = {}
        self.tabs: dict[tuple, object] = {}
        self.current: Visit | None = None
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def url(self, page: str) -> str:
        return f"{self.origin}/{PAGES[page].removesuffix('index.html')}"

    def tab(self, width: int, scheme: str = "light", reduced_motion: str = "no-preference"):
        key = (width, scheme, reduced_motion)
        if key not in self.tabs:
            context = self.browser.new_context(
                viewport={"width": width, "height": HEIGHT}, color_scheme=scheme,
                reduced_motion=reduced_motion, service_workers="block",
            )
            context.set_default_timeout(10_000)
            context.add_init_script(script=CLS_OBSERVER)
            context.add_init_script(path=str(AXE))
            tab = context.new_page()
            context.new_cdp_session(tab).send("Network.setCacheDisabled", {"cacheDisabled": True})
            tab.on("console", self._on_console)
            tab.on("pageerror", lambda e: self.current and self.current.console_errors.append(f"uncaught exception: {e}"))
            tab.on("request", lambda r: self.current and self.current.requests.append(r.url))
            self.tabs[key] = tab
        return self.tabs[key]

    def _on_console(self, message):
        if self.current is not None and message.type == "error":
            loc = message.location or {}
            self.current.console_errors.append(
                f"console.error: {message.text} (at {loc.get('url', '?')}:{loc.get('lineNumber', '?')})")

    def load(self, tab, page: str, visit: Visit | None = None):
        """Navigate `tab` to `page`; record its events into `visit`."""
        self.current = visit
        try:
            if tab.url.split("#")[0] == self.url(page):
                tab.goto("about:blank")  # a fresh document, not a same-page jump
            response = tab.goto(self.url(page), wait_until="load")
            # Let late work settle (fonts, two frames) before anything is read.
            tab.evaluate("() => document.fonts.ready.then(() => new Promise("
                         "(r) => requestAnimationFrame(() => requestAnimationFrame(r))))")
        except Exception:
            self.current = None
            raise
        if visit is not None:
            visit.status = response.status if response else None
        return tab

    def visit(self, page: str, width: int, scheme: str) -> Visit:
        key = (page, width, scheme)
        if key in self.cache:
            return self.cache[key]
        visit = Visit(self.url(page))
        tab = self.tab(width, scheme)
        try:
            self.load(tab, page, visit)
            visit.cls = tab.evaluate("() => window.__readCls()")
            visit.scroll_width, visit.inner_width, visit.widest = tab.evaluate(
                """() => {
                  const d = %s, vw = innerWidth;
                  // Elements past the right edge that are not inside a scroll
                  // or clip container (those cannot widen the page).
                  const clipped = (el) => { for (let a = el.parentElement; a; a = a.parentElement)
                    if (a !== document.body && a !== document.documentElement && getComputedStyle(a).overflowX !== 'visible') return true;
                    return false; };
                  const out = [...document.querySelectorAll('body *')]
                    .filter((el) => el.getBoundingClientRect().right > vw + 0.5 && !clipped(el));
                  const set = new Set(out);
                  const wide = out.filter((el) => !set.has(el.parentElement)).slice(0, 8)
                    .map((el) => d(el) + ` (right edge ${Math.round(el.getBoundingClientRect().right)}px)`);
                  return [document.documentElement.scrollWidth, vw, wide];
                }""" % DESCRIBE_JS
            )
            if width in WIDTHS:
                visit.axe_violations = tab.evaluate(
                    """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
                      .then((r) => r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map((n) => ({target: n.target.join(' '), summary: n.failureSummary}))})))""",
                    AXE_TAGS,
                )
                # Full-page screenshots in the light scheme; the dark one shows the first screen.
                tab.screenshot(path=str(SCREENSHOTS / shot_name(page, width, scheme)), full_page=scheme == "light")
        finally:
            self.current = None
        self.cache[key] = visit
        return visit

    def visits(self, page: str) -> list[tuple[str, Visit]]:
        return [(f"{w}px {s}", self.visit(page, w, s)) for w in WIDTHS for s in SCHEMES]

    def close(self):
        for tab in self.tabs.values():
            tab.context.close()


@pytest.fixture(scope="session")
def visitor(browser, served):
    require(AXE, "to run axe-core in the browser (npm package axe-core)")
    v = Visitor(browser, served)
    yield v
    v.close()


def fail_if(problems: list[str], header: str) -> None:
    """Fail with the header and one line per problem (no assertion dump)."""
    if problems:
        pytest.fail(header + "\n" + "\n".join(problems), pytrace=False)


def _violations_text(violations: list[dict]) -> list[str]:
    lines = []
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        for node in v["nodes"][:10]:
            summary = (node["summary"] or "").replace("\n", " ")
            lines.append(f"      at {node['target']}: {summary[:300]}")
        if len(v["nodes"]) > 10:
            lines.append(f"      ... and {len(v['nodes']) - 10} more elements")
    return lines


# --- axe-core ---------------------------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS, ids=lambda w: f"{w}px")
@pytest.mark.parametrize("page", PAGES)
def test_axe_finds_no_violation(visitor, page, width, scheme):
    visit = visitor.visit(page, width, scheme)
    assert visit.status == 200, f"{page}: {visit.url} answered {visit.status}"
    fail_if(_violations_text(visit.axe_violations),
            f"axe-core found {len(visit.axe_violations)} WCAG A/AA rule(s) violated on the {page} page "
            f"({visit.url}) at {width}px in the {scheme} scheme:")


# --- console, network, layout ------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_no_console_errors(visitor, page):
    problems = [f"  {label}: {err}" for label, v in visitor.visits(page) for err in v.console_errors]
    fail_if(problems, f"the {page} page ({visitor.url(page)}) logged errors:")


@pytest.mark.parametrize("page", PAGES)
def test_no_request_to_another_origin(visitor, page):
    origin = visitor.origin
    seen: list[str] = []
    foreign: list[str] = []
    for label, v in visitor.visits(page):
        seen += v.requests
        # data: and blob: URLs are the page's own bytes, not a request to any origin.
        foreign += [f"  {label}: {u}" for u in v.requests
                    if not (u == origin or u.startswith(origin + "/") or u.startswith(("data:", "blob:")))]
    assert visitor.url(page) in seen, f"{page}: the page's own request was not recorded: {seen}"
    fail_if(foreign, f"the {page} page ({visitor.url(page)}) requested other origins than {origin}:")


@pytest.mark.parametrize("page", PAGES)
def test_no_horizontal_scroll_at_320px(visitor, page):
    v = visitor.visit(page, 320, "light")
    assert v.inner_width == 320, v.inner_width
    if v.scroll_width > v.inner_width:
        fail_if([f"  {w}" for w in v.widest or ["(no single element found)"]],
                f"the {page} page ({v.url}) scrolls sideways at 320px: scrollWidth {v.scroll_width} > "
                f"innerWidth {v.inner_width}; elements past the right edge:")


@pytest.mark.parametrize("page", PAGES)
def test_no_layout_shift(visitor, page):
    problems = []
    for label, v in visitor.visits(page):
        assert v.cls, f"{page} {label}: the layout-shift observer did not run"
        if v.cls["value"] > 0:
            shifts = "; ".join(f"{s['value']:.4f} moving {', '.join(s['nodes']) or '?'}" for s in v.cls["shifts"])
            problems.append(f"  {label}: CLS {v.cls['value']:.4f} ({shifts})")
    fail_if(problems, f"the {page} page ({visitor.url(page)}) shifts its layout (CLS must be 0):")


def _nonempty(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def test_screenshots_saved(visitor):
    missing = []
    for page in PAGES:
        visitor.visits(page)
        missing += [shot_name(page, w, s) for w in WIDTHS for s in SCHEMES
                    if not _nonempty(SCREENSHOTS / shot_name(page, w, s))]
    assert not missing, f"screenshots not written to {SCREENSHOTS}: {missing}"


# --- keyboard ---------------------------------------------------------------


def _tab_until(tab, done, limit: int = 80) -> list[dict]:
    """Press Tab from the top of a freshly loaded page until `done(states)`,
    focus leaves the page, or focus comes round to the first element again."""
    states: list[dict] = []
    for _ in range(limit):
        tab.keyboard.press("Tab")
        state = tab.evaluate(FOCUS_STATE_JS)
        if state is None or (states and state["desc"] == states[0]["desc"]):
            break
        states.append(state)
        if done(states):
            break
    return states


@pytest.mark.parametrize("width", WIDTHS, ids=lambda w: f"{w}px")
@pytest.mark.parametrize("page", PAGES)
def test_keyboard_skip_link_navigation_and_booking(visitor, page, width):
    where = f"the {page} page ({visitor.url(page)}) at {width}px"
    booking = booking_url()
    tab = visitor.load(visitor.tab(width), page)

    # 1. The first Tab lands on the skip link; Enter moves focus to main, and
    #    the next Tab goes on from there, not back to the header.
    tab.keyboard.press("Tab")
    first = tab.evaluate(FOCUS_STATE_JS)
    assert first and first["isSkipLink"], f"{where}: the first Tab focused {first and first['desc']}, not the skip link"
    tab.keyboard.press("Enter")
    try:  # following the in-page link may take a task or two
        tab.wait_for_function("() => document.activeElement && document.activeElement.id === 'main'", timeout=2000)
    except Exception:
        pass  # the assertion below names where focus went instead
    focused = tab.evaluate("() => ({tag: document.activeElement.tagName.toLowerCase(), id: document.activeElement.id})")
    assert focused["tag"] == "main" or focused["id"] == "main", (
        f"{where}: Enter on the skip link focused <{focused['tag']} id={focused['id']!r}>, not main#main"
    )
    tab.keyboard.press("Tab")
    after = tab.evaluate(FOCUS_STATE_JS)
    assert after is None or after["afterMainStart"], (
        f"{where}: after the skip link, Tab went back to {after['desc']}, before main"
    )

    # 2. From the top again: Tab reaches every main navigation link before
    #    anything in main, and reaches the booking link.
    visitor.load(tab, page)
    nav_links = tab.eval_on_selector_all('nav[aria-label="Main"] a[href]', "els => els.length")
    assert nav_links, f"{where}: no <nav aria-label=\"Main\"> with links"

    def is_booking(s):
        return s["resolvedHref"] == booking or s["href"] == booking

    def done(states):
        return (sum(s["inMainNav"] for s in states) >= nav_links
                and any(map(is_booking, states)) and any(s["inMain"] for s in states))

    states = _tab_until(tab, done)
    order = "focus order:\n  " + "\n  ".join(s["desc"] for s in states)
    assert states and states[0]["isSkipLink"], f"{where}: the first Tab did not focus the skip link; {order}"
    nav = [i for i, s in enumerate(states) if s["inMainNav"]]
    assert len(nav) == nav_links, f"{where}: Tab reached {len(nav)} of the {nav_links} main navigation links; {order}"
    in_main = [i for i, s in enumerate(states) if s["inMain"]]
    if in_main:
        assert max(nav) < in_main[0], (
            f"{where}: {states[in_main[0]]['desc']} in main is focused before the main navigation link "
            f"{states[max(nav)]['desc']}; {order}"
        )
    assert any(map(is_booking, states)), f"{where}: Tab never reached a booking link to {booking}; {order}"
    for s in states:  # the elements reached by real Tab presses
        assert s["focusVisible"] and s["indicator"], (
            f"{where}: {s['desc']} has no visible focus indicator when tabbed to "
            f"(outline {s['outline']}, box-shadow {s['boxShadow']})"
        )

    # 3. Every element in the focus order shows focus and is not covered.
    everything = tab.evaluate(ALL_FOCUSABLE_JS)
    assert len(everything) >= len(states) - 1, f"{where}: found fewer focusable elements than Tab reached"
    problems = []
    for s in everything:
        if not s["focused"]:
            problems.append(f"  {s['desc']}: does not take focus")
        elif not s["indicator"]:
            problems.append(f"  {s['desc']}: no focus indicator (outline {s['outline']}, box-shadow {s['boxShadow']})")
        elif not s["onScreen"]:
            problems.append(f"  {s['desc']}: off screen when focused")
        elif s["covered"]:
            problems.append(f"  {s['desc']}: covered by {s['coveredBy']} when focused")
    fail_if(problems, f"{where}: focused elements that cannot be seen:")


# --- reduced motion ------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_reduced_motion_means_no_animation(visitor, page):
    tab = visitor.load(visitor.tab(1280, "light", reduced_motion="reduce"), page)
    assert tab.evaluate("() => matchMedia('(prefers-reduced-motion: reduce)').matches")
    # Change state the way a visitor does (focus the skip link and the next
    # element, hover a button and a link), which would start any transition,
    # then look for running animations at once.
    tab.keyboard.press("Tab")
    tab.keyboard.press("Tab")
    points = tab.evaluate("""() => ['a.button', 'main a[href]', 'nav a[href]']
        .map((sel) => document.querySelector(sel)).filter(Boolean)
        .map((el) => { const r = el.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })
        .filter(([x, y]) => x >= 0 && y >= 0 && x < innerWidth && y < innerHeight)""")
    for x, y in points:
        tab.mouse.move(x, y)
    running = tab.evaluate(
        """() => { const d = %s;
           return document.getAnimations().map((a) => `${a.constructor.name} ${a.animationName || a.transitionProperty || ''} on ${d(a.effect && a.effect.target)}`); }"""
        % DESCRIBE_JS
    )
    fail_if([f"  {r}" for r in running],
            f"the {page} page ({visitor.url(page)}) animates although reduced motion is asked for:")


def test_print_view_keeps_the_safety_advice_and_passes_axe(browser, served):
    """A post printed (or saved as PDF) keeps When to get help, the editor's
    note and the review status; the site's navigation is left out."""
    axe = require(AXE, "to check accessibility (npm package axe-core)")
    page = browser.new_page(viewport={"width": 375, "height": HEIGHT})
    page.emulate_media(media="print")
    page.goto(f"{served.origin}/{PAGES['post'].removesuffix('index.html')}")
    for selector in ("#when-to-get-help", ".care-emergency", ".editor-note", "article header .review", ".disclaimer"):
        assert page.is_visible(selector), f"{selector} is not printed"
    assert not page.is_visible("body > header") and not page.is_visible("main .booking")
    page.add_script_tag(path=axe)
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))}))", AXE_TAGS)
    page.close()
    assert not found, found
