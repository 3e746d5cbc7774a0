"""The try-it page end to end: `acupressure serve --no-verify` as a real process, driven in headless
Debian Chromium by Playwright. Installs what it needs (chromium via apt-get when root; the Python
driver via pip if the dev extras were not installed) and renders one short routine with a fast tone
engine, so the whole module runs in about a minute on two cores. Screenshots go to the pytest temporary
directory (or $ACUPRESSURE_SCREENSHOT_DIR); their paths are printed (see them with `pytest -s`)."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_chat import serving

from skill.runtime.content import Content
from skill.runtime.manifest import Segment, load_manifest, routine_key

# Slow tier (browser): `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ROUTINE = "back_of_knee"
SCREENSHOT_DIR_ENV = "ACUPRESSURE_SCREENSHOT_DIR"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage"]
TIMEOUT_MS = 20_000


def ensure_chromium() -> Path:
    """Debian's chromium; installed with apt-get if missing and we are root (CI), else skip."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("chromium is not installed and cannot be installed without root (apt-get install chromium)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env, timeout=1200,
                   stdout=subprocess.DEVNULL)
    assert CHROMIUM.exists(), "apt-get installed chromium, but /usr/bin/chromium is missing"
    return CHROMIUM


def ensure_playwright() -> Any:
    """The Playwright driver (a dev dependency); pip-installed here if this venv lacks it."""
    try:
        return importlib.import_module("playwright.sync_api")
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "playwright>=1.45"], check=True, timeout=600)
        importlib.invalidate_caches()
        return importlib.import_module("playwright.sync_api")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, content: Content) -> Path:
    """One short routine's step files and downloadable MP3 (plus M3U and RSS), rendered for real."""
    from render_fixtures import ToneEngine

    from skill.tools.render.build import render

    out = tmp_path_factory.mktemp("browser") / "audio"
    render(out, ToneEngine(), content=content, jobs=2, routines=[ROUTINE], prompts=False, holds=(60,),
           progress=False)
    return out


def server_env(tmp: Path, audio: Path) -> dict[str, str]:
    env = {**os.environ, "ACUPRESSURE_DB": str(tmp / "state.sqlite3"), "ACUPRESSURE_AUDIO_DIR": str(audio)}
    for name in ("ACUPRESSURE_DYNAMODB_TABLE", "ACUPRESSURE_SKILL_ID", "ACUPRESSURE_AUDIO_BASE_URL"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $ACUPRESSURE_SCREENSHOT_DIR, else this run's pytest temporary directory."""
    chosen = os.environ.get(SCREENSHOT_DIR_ENV)
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        return Path(chosen)
    return tmp_path_factory.mktemp("screenshots")


def screenshot(target: Any, path: Path, **options: Any) -> None:
    """Save a screenshot of a page or an element and say where it is."""
    target.screenshot(path=str(path), **options)
    print(f"screenshot: {path}")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, rendered: Path) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("site")
    with serving(tmp, "--no-verify", env=server_env(tmp, rendered)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = ensure_chromium()
    sync_api = ensure_playwright()
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(executable), args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()


class Page:
    """A fresh browser context (new localStorage: a new user) on the page, watching what it loads."""

    def __init__(self, browser: Any, url: str, before: Any = None, **context: Any):
        self.context = browser.new_context(accept_downloads=True, **context)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        if before is not None:
            before(self.page)  # e.g. network routes, set up before the page loads
        self.errors: list[str] = []
        self.hosts: set[str] = set()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("request", self._seen)
        self.sent: list[dict[str, Any]] = []  # envelopes POSTed to the skill endpoint
        self.page.goto(url)
        self.page.wait_for_selector(f"#routine-{ROUTINE}")

    def _seen(self, req: Any) -> None:
        self.hosts.add(req.url.split("/")[2])
        if req.method == "POST" and req.url.rstrip("/").count("/") == 2:
            self.sent.append(json.loads(req.post_data))

    def close(self) -> None:
        self.context.close()

    def say_with_keyboard(self, text: str) -> None:
        """Reach the box with Tab, type, press Enter — no mouse."""
        for _ in range(25):
            if self.page.evaluate("document.activeElement && document.activeElement.id") == "say":
                break
            self.page.keyboard.press("Tab")
        else:
            pytest.fail("the coach box cannot be reached with the keyboard")
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")

    def last_reply(self, count: int) -> str:
        self.page.wait_for_function("n => document.querySelectorAll('#log li.coach').length >= n", arg=count)
        return self.page.locator("#log li.coach").nth(count - 1).inner_text()

    def current_step(self) -> str:
        return self.page.locator("#np-steps li[aria-current=step] .step-title").inner_text()

    def wait_for_step(self, title: str) -> None:
        """The coach panel's highlighted step becomes this one."""
        self.page.wait_for_function(
            "t => document.querySelector('#np-steps li[aria-current=step] .step-title')?.textContent === t", arg=title)


@pytest.fixture
def page(browser: Any, site: str) -> Iterator[Page]:
    p = Page(browser, site, viewport={"width": 1100, "height": 1300})
    yield p
    p.close()


def test_page_loads_offline_with_routines_points_and_the_coach(page: Page, content: Content) -> None:
    pg = page.page
    assert pg.title().startswith("Acupressure Coach")
    assert pg.locator("h2", has_text="Talk to the coach").is_visible()
    assert pg.locator("#routine-list article").count() == len(content.routines)
    assert pg.locator("#point-list article.point").count() == len(content.points)
    assert pg.locator("#coach-off").is_hidden() and pg.locator("#say").is_enabled()
    pg.locator("#point-BL23 summary", has_text="How to find it").click()
    assert content.points["BL23"].find_steps[0] in pg.locator("#point-BL23").inner_text()
    assert page.hosts == {pg.url.split("/")[2]}, f"the page loaded from elsewhere: {page.hosts}"
    assert page.errors == []


def test_ask_where_is_bladder_23_with_the_keyboard(page: Page, content: Content) -> None:
    page.say_with_keyboard("where is bladder 23")
    reply = page.last_reply(1)
    assert content.points["BL23"].location in reply
    assert "FindPointIntent" in reply  # what was heard, shown under the reply
    pg = page.page
    assert pg.evaluate("document.activeElement.id") == "say"  # ready for the next thing to say
    assert pg.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"  # visible focus
    assert pg.locator("#log").get_attribute("aria-live") == "polite"
    assert page.errors == []


@pytest.mark.parametrize("device", ["dialog", "audioplayer"])
def test_start_a_routine_and_the_step_advances(browser: Any, site: str, content: Content, device: str,
                                               shots: Path) -> None:
    """Started from the routine's button; Next and Previous move the highlighted step, each step's
    pre-rendered audio really plays (dialog mode: SSML clips; AudioPlayer: the streams), and the panel
    shows the step's words (the line being said marked as its audio plays) and its point."""
    steps = content.routines[ROUTINE].steps
    p = Page(browser, f"{site}?device={device}", viewport={"width": 1100, "height": 1300})
    try:
        pg = p.page
        pg.locator(f"#routine-{ROUTINE} button", has_text="Do it with the coach").click()
        p.wait_for_step(steps[0].title)
        audio_playing(pg, f"steps/{ROUTINE}/{steps[0].id}")
        caption = pg.locator("#np-caption")
        assert caption.locator(".caption-lines li").all_inner_texts() == [*steps[0].say, *steps[0].release]
        assert caption.locator(".caption-point").is_hidden()  # getting into position: no point
        pg.locator("#btn-next").focus()
        pg.keyboard.press("Enter")
        p.wait_for_step(steps[1].title)
        audio_playing(pg, f"steps/{ROUTINE}/{steps[1].id}")
        assert "1 of" not in pg.locator("#np-status").inner_text()
        point = content.points[steps[1].point]
        assert f"{point.name} ({point.id})" in caption.locator(".caption-point").inner_text()
        assert caption.locator(".caption-lines li").all_inner_texts() == [*steps[1].say, *steps[1].release]
        # Captions follow the step's own audio: its first line is marked while it is said.
        pg.wait_for_function("t => document.querySelector('#np-caption li[aria-current]')?.textContent === t",
                             arg=steps[1].say[0])
        if device == "dialog":
            still(pg, "#now-playing")
            screenshot(pg, shots / "acupressure-page-desktop.png")
        pg.locator("#btn-prev").click()
        p.wait_for_step(steps[0].title)
        types = [e["request"]["type"] for e in p.sent]
        assert all(e["context"]["System"]["device"]["supportedInterfaces"] == (
            {"AudioPlayer": {}} if device == "audioplayer" else {}) for e in p.sent)
        if pg.locator("#player-audio").get_attribute("src"):
            # The skill streamed the steps: the page reported playback like a device, buttons included.
            assert device == "audioplayer"
            assert "AudioPlayer.PlaybackStarted" in types and "PlaybackController.NextCommandIssued" in types
            started = [e for e in p.sent if e["request"]["type"] == "AudioPlayer.PlaybackStarted"]
            assert all("session" not in e and e["request"]["token"] for e in started)
        else:
            assert types.count("IntentRequest") >= 3  # start, next, previous
        assert p.errors == []
    finally:
        p.close()


def still(pg: Any, selector: str) -> None:
    """Scroll `selector` to the top without animation and wait until the page stops moving."""
    pg.locator(selector).first.evaluate("e => e.scrollIntoView({block: 'start', behavior: 'instant'})")
    pg.wait_for_function("() => new Promise(r => { const y = scrollY;"
                         " requestAnimationFrame(() => requestAnimationFrame(() => r(scrollY === y))); })")


def audio_playing(pg: Any, src_part: str) -> None:
    """The coach's voice (dialog mode) or the routine player (AudioPlayer) plays this file: its clock moves."""
    pg.wait_for_function(
        "s => ['#coach-audio', '#player-audio'].some(q => { const a = document.querySelector(q);"
        " return a.src.includes(s) && !a.paused && a.currentTime > 0.3; })", arg=src_part)


def test_routine_player_highlights_the_chapter_under_the_playhead(page: Page, rendered: Path) -> None:
    chapters = load_manifest(rendered).get(routine_key(ROUTINE)).chapters
    pg = page.page
    art = pg.locator(f"#routine-{ROUTINE}")
    # Jump to a chapter: it lights up at once.
    art.locator(".chapters button", has_text=chapters[-2].title).click()
    pg.wait_for_function("s => document.querySelector(`#routine-back_of_knee .chapters li[aria-current]`)"
                         "?.dataset.step === s", arg=chapters[-2].step_id)
    # Play from the start: the highlight moves on by itself when the intro ends.
    assert chapters[0].step_id == "intro" and chapters[0].end_ms < 15_000
    art.locator(".chapters button").first.click()
    pg.wait_for_function("s => document.querySelector(`#routine-back_of_knee .chapters li[aria-current]`)"
                         "?.dataset.step === s", arg=chapters[1].step_id, timeout=chapters[0].end_ms + 15_000)
    assert page.errors == []


def seek(audio: Any, ms: float) -> None:
    """Move the routine player's playhead, as a person dragging it would."""
    audio.evaluate("(a, t) => { a.currentTime = t; }", ms / 1000)


def test_captions_follow_the_routine_as_it_plays(page: Page, rendered: Path, content: Content,
                                                 shots: Path) -> None:
    """The routine card shows the words of the step under the playhead, the line being said marked, the
    step's point, and how long a hold has left; all from the render's timeline."""
    entry = load_manifest(rendered).get(routine_key(ROUTINE))
    routine = content.routines[ROUTINE]
    steps = {s.id: s for s in routine.steps}
    pg = page.page
    art = pg.locator(f"#routine-{ROUTINE}")
    audio = art.locator("audio")
    caption = art.locator(".caption")
    assert caption.is_hidden()  # nothing has played yet
    audio.evaluate("a => new Promise(r => a.readyState >= 1 ? r() : "
                   "a.addEventListener('loadedmetadata', r, {once: true}))")
    speech = [seg for seg in entry.timeline if seg.kind == "speech"]
    assert len(speech) >= 5

    def chapter(seg: Segment) -> str:
        return next(c.step_id for c in entry.chapters if c.start_ms <= seg.start_ms < c.end_ms)

    for seg in [speech[0], *[x for x in speech if chapter(x) in steps], speech[-1]]:
        seek(audio, (seg.start_ms + seg.end_ms) / 2)
        pg.wait_for_function("([sel, t]) => document.querySelector(sel)?.textContent === t",
                             arg=[f"#routine-{ROUTINE} .caption-lines li[aria-current]", seg.text])
        heading = caption.locator(".caption-step").inner_text()
        step = steps.get(chapter(seg))
        if step is None:
            assert heading in ("Introduction", "Closing")
        else:
            assert heading.endswith(step.title) and re.match(r"Step \d+ of \d+", heading)
            assert caption.locator(".caption-lines li").all_inner_texts() == [*step.say, *step.release]
    # In the middle of the hold: the point and the time left.
    press = next(s for s in routine.steps if s.hold and s.point)
    hold = next(seg for seg in entry.timeline if seg.kind == "hold" and chapter(seg) == press.id)
    seek(audio, hold.start_ms + 10_000)
    quiet = caption.locator(".caption-quiet")
    quiet.wait_for(state="visible")
    left = (hold.end_ms - hold.start_ms - 10_000) / 1000
    assert re.fullmatch(r"Hold · \d+:\d\d left", quiet.inner_text())
    m, sec = map(int, re.findall(r"\d+", quiet.inner_text()))
    assert abs(m * 60 + sec - left) <= 1
    point = content.points[press.point]
    assert caption.locator(".caption-point").inner_text().startswith(f"{point.name} ({point.id})")
    # The words sit beside the audio in the step list too, every step.
    listed = art.locator(f".chapters li[data-step={press.id}] .words").inner_text()
    assert listed == " ".join([*press.say, *press.release])
    caption.scroll_into_view_if_needed()
    screenshot(art, shots / "acupressure-routine-captions.png")
    # And as it plays on its own, the marked line moves on.
    art.locator(".chapters button").first.click()
    pg.wait_for_function("t => document.querySelector(`#routine-back_of_knee .caption-lines li[aria-current]`)"
                         "?.textContent === t", arg=speech[1].text, timeout=speech[1].end_ms + 15_000)
    assert page.errors == []


def test_download_the_routine_mp3_and_the_playlist_and_feed(page: Page, rendered: Path, content: Content,
                                                            shots: Path) -> None:
    pg = page.page
    site = pg.url
    link = pg.locator(f"#routine-{ROUTINE} a", has_text="Download MP3")
    with pg.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == f"{content.routines[ROUTINE].name}.mp3"  # not the hashed path
    path = Path(info.value.path())
    data = path.read_bytes()
    entry = load_manifest(rendered).get(routine_key(ROUTINE))
    assert data == (rendered / entry.path).read_bytes()
    assert data[:3] == b"ID3" or (data[0] == 0xFF and data[1] & 0xE0 == 0xE0)
    res = pg.request.get(link.evaluate("a => a.href"))
    assert res.status == 200 and res.headers["content-type"] == "audio/mpeg"
    from skill.tools.render.ffmpeg import decode

    samples, rate = decode(path)
    assert abs(len(samples) / rate * 1000 - entry.duration_ms) < 100
    # The playlist saved to a phone: every entry an absolute URL that plays.
    with pg.expect_download() as info:
        pg.locator("#downloads a", has_text="M3U").click()
    assert info.value.suggested_filename.endswith(".m3u")
    m3u = Path(info.value.path()).read_text(encoding="utf-8")
    entries = [line for line in m3u.splitlines() if line.strip() and not line.startswith("#")]
    assert entries == [site + "audio/" + entry.path]
    for url in entries:
        got = pg.request.get(url)
        assert got.status == 200 and got.headers["content-type"] == "audio/mpeg" and got.body() == data
    # The feed link opens a page a person can read, with the address to subscribe to.
    pg.locator("#downloads a", has_text="Podcast feed").click()
    pg.wait_for_url("**/podcast")
    address = pg.locator("#feed-url")
    address.wait_for()
    pg.wait_for_function("() => document.querySelector('#feed-url').textContent.length > 0")
    subscribe = address.inner_text()
    assert subscribe == site + "download/feed.xml"
    assert pg.locator("h1").inner_text() == "Podcast feed"
    assert content.routines[ROUTINE].name in pg.locator("#episode-list").inner_text()
    episode = pg.locator(f"#episode-{ROUTINE} a", has_text="Download MP3")
    assert episode.get_attribute("download") == f"{content.routines[ROUTINE].name}.mp3"
    screenshot(pg, shots / "acupressure-podcast-page.png", full_page=True)
    feed = pg.request.get(subscribe)
    assert feed.status == 200 and "<rss" in feed.text()
    assert re.findall(r'<enclosure url="([^"]+)"', feed.text()) == entries
    raw = pg.request.get(pg.locator("#raw-feed").get_attribute("href"))
    assert raw.status == 200 and "<rss" in raw.text()
    rendered_feed = pg.request.get(site + "audio/feed.xml")  # the file as rendered stays where it was
    assert rendered_feed.status == 200 and "<rss" in rendered_feed.text()
    assert page.errors == []


FAKE_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 90"><rect width="120" height="90" fill="#fff"/>'
            '<path d="M40 5 C30 40 30 60 40 85 M80 5 C90 40 90 60 80 85" stroke="#333" fill="none"/>'
            '<circle cx="60" cy="45" r="5" fill="#b33"/></svg>')


def drawn_here() -> bool:
    """Whether this checkout draws point pictures (skill.runtime.pictures with svg_for_point)."""
    import skill.web.page

    return skill.web.page.svg_for_point is not None


def only_bl40_drawn(pg: Any) -> None:
    """Pretend the drawings exist for every point, but only BL40's loads: the rest answer the server's 404."""
    def catalog(route: Any) -> None:
        resp = route.fetch()
        data = resp.json()
        for p in data["points"]:
            p["picture"] = f"pictures/{p['id']}.svg"
        route.fulfill(response=resp, body=json.dumps(data))

    pg.route("**/api/catalog", catalog)
    pg.route("**/pictures/BL40.svg", lambda r: r.fulfill(status=200, content_type="image/svg+xml", body=FAKE_SVG))


def test_point_cards_show_names_and_pictures(browser: Any, site: str, content: Content, shots: Path) -> None:
    drawn = drawn_here()
    p = Page(browser, site, before=None if drawn else only_bl40_drawn, viewport={"width": 1100, "height": 900})
    try:
        pg = p.page
        knee = pg.locator("#point-BL40")
        text = knee.inner_text()
        for name in ("Bladder 40", "BL40", "Weizhong", "Commanding Middle", "B54", "Middle of the Crook"):
            assert name in text, name
        cards = pg.locator("#point-list").inner_text()
        for point in content.points.values():
            for alias in point.aliases:
                if alias[0].islower() and " " in alias:  # a phrase for the look-up, not a name
                    assert alias not in cards, alias
        # BL40's picture loads and says what it shows; a missing one leaves no broken image behind.
        fig = knee.locator("figure")
        fig.wait_for(state="visible")
        img = fig.locator("img")
        assert img.evaluate("i => i.complete && i.naturalWidth > 0")
        assert "Bladder 40 (BL40)" in img.get_attribute("alt")
        assert content.points["BL40"].location in img.get_attribute("alt")
        pg.wait_for_function("() => [...document.querySelectorAll('#point-list img')].every(i => i.complete)")
        visible = pg.evaluate("() => [...document.querySelectorAll('#point-list figure')]"
                              ".filter(f => f.checkVisibility()).map(f => f.closest('article').id)")
        broken = pg.evaluate("() => [...document.querySelectorAll('#point-list img')]"
                             ".filter(i => i.checkVisibility() && !i.naturalWidth).length")
        assert broken == 0
        if drawn:
            assert len(visible) == len(content.points)
            assert p.errors == []
        else:
            assert visible == ["point-BL40"]
            assert all("404" in e for e in p.errors)  # the browser notes each missing picture, nothing else
        pg.locator("#points").evaluate("e => e.scrollIntoView({block: 'start', behavior: 'instant'})")
        screenshot(pg, shots / "acupressure-point-cards.png")
    finally:
        p.close()


PHONE = {"width": 375, "height": 667}
INPUT_IN_VIEW = """() => {
  const input = document.querySelector('#say');
  const r = input.getBoundingClientRect();
  const inside = r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth;
  return inside && document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === input;
}"""
REPLY_START_IN_VIEW = """n => {
  const li = document.querySelectorAll('#log li.coach')[n - 1];
  const r = li.getBoundingClientRect();
  const box = document.querySelector('#log').getBoundingClientRect();
  const form = document.querySelector('#say-form').getBoundingClientRect();
  const top = Math.max(0, box.top), bottom = Math.min(innerHeight, box.bottom, form.top);
  return r.top >= top - 1 && r.top + 20 <= bottom;
}"""
# Still for half a second (smooth scrolling, pictures loading above), with every picture loaded.
SETTLED = """() => new Promise(done => {
  const log = document.querySelector('#log');
  const at = () => [scrollY, log.scrollTop, document.documentElement.scrollHeight].join();
  const first = at();
  let checks = 0;
  const tick = () => {
    if (at() !== first) return done(false);
    if (++checks >= 3) return done([...document.images].every(i => i.complete));
    setTimeout(tick, 150);
  };
  setTimeout(tick, 150);
})"""


def test_phone_keeps_the_input_in_view_after_every_reply(browser: Any, site: str, content: Content,
                                                         shots: Path) -> None:
    p = Page(browser, site, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    try:
        pg = p.page
        assert pg.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"
        box = pg.locator("#say").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["height"] >= 40
        assert pg.locator("#say-button").bounding_box()["height"] >= 40  # a thumb-sized target
        font = pg.evaluate("parseFloat(getComputedStyle(document.querySelector('#coach .hint')).fontSize)")
        assert font >= 16
        said = ["where is bladder 23", "yes", "next", "start the knee routine", "next", "help", "what helps sciatica",
                "where is the point behind my knee", "repeat"]
        bl23 = content.points["BL23"]
        for n, words in enumerate(said, start=1):
            pg.locator("#say").tap()
            pg.locator("#say").fill(words)
            pg.locator("#say-button").tap()
            reply = p.last_reply(n)
            if n == 1:
                assert bl23.location in reply
            if words in ("yes", "next") and n < 4:  # finding bladder 23, one step per reply
                assert bl23.find_steps[n - 2] in reply and bl23.find_steps[n - 1] not in reply
            if words == "start the knee routine":
                # The step's own words beside its audio: in the reply that plays it, and in the panel.
                step = content.routines[ROUTINE].steps[0]
                assert all(line in reply for line in step.say), reply
                caption = pg.locator("#np-caption .caption-lines")
                pg.wait_for_function("t => document.querySelector('#np-caption .caption-lines')?.textContent"
                                     ".includes(t)", arg=step.say[0])
                cap = caption.bounding_box()
                assert cap["x"] >= 0 and cap["x"] + cap["width"] <= PHONE["width"]
            pg.wait_for_function(SETTLED)
            assert pg.evaluate(INPUT_IN_VIEW), f"the input is out of view after reply {n} ({words!r})"
            assert pg.evaluate(REPLY_START_IN_VIEW, n), f"the start of reply {n} ({words!r}) is out of view"
            assert pg.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            if n in (2, 4, len(said)):
                screenshot(pg, shots / f"acupressure-phone-375x667-reply{n}.png")
        assert p.errors == []
    finally:
        p.close()


def test_verified_server_without_audio_explains_instead_of_dead_links(browser: Any, tmp_path: Path) -> None:
    empty = tmp_path / "audio"
    empty.mkdir()
    env = {**server_env(tmp_path, empty), "ACUPRESSURE_SKILL_ID": "amzn1.ask.skill.browser-test"}
    with serving(tmp_path, env=env) as url:
        p = Page(browser, url)
        try:
            pg = p.page
            assert pg.locator("#coach-off").is_visible()
            assert "--no-verify" in pg.locator("#coach-off").inner_text()
            assert pg.locator("#say").is_disabled()
            assert "acupressure render" in pg.locator("#downloads").inner_text()
            assert pg.locator("a", has_text="Download MP3").count() == 0
            assert pg.locator("#routine-list audio").count() == 0
            time.sleep(0.2)
            assert p.errors == []
        finally:
            p.close()
