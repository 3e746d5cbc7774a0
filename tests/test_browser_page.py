"""The try-it page end to end: `acupressure serve --no-verify` as a real process, driven in headless
Debian Chromium by Playwright. Installs what it needs (chromium via apt-get when root; the Python
driver via pip if the dev extras were not installed) and renders one short routine with a fast tone
engine, so the whole module runs in about a minute on two cores."""

from __future__ import annotations

import importlib
import json
import os
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
from skill.runtime.manifest import load_manifest, routine_key

# Slow tier (browser): `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ROUTINE = "back_of_knee"
SCREENSHOTS = Path(os.environ.get("ACUPRESSURE_SCREENSHOT_DIR", "/tmp"))
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

    def __init__(self, browser: Any, url: str, **context: Any):
        self.context = browser.new_context(accept_downloads=True, **context)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
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
        for _ in range(15):
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
        return self.page.locator("#np-steps li[aria-current=step]").inner_text()


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
    assert pg.locator("#point-list details").count() == len(content.points)
    assert pg.locator("#coach-off").is_hidden() and pg.locator("#say").is_enabled()
    pg.locator("#point-BL23 summary").click()
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
def test_start_a_routine_and_the_step_advances(browser: Any, site: str, content: Content, device: str) -> None:
    """Started from the routine's button; Next and Previous move the highlighted step, and each step's
    pre-rendered audio really plays (dialog mode: SSML clips; AudioPlayer: the streams)."""
    steps = content.routines[ROUTINE].steps
    p = Page(browser, f"{site}?device={device}", viewport={"width": 1100, "height": 1300})
    try:
        pg = p.page
        pg.locator(f"#routine-{ROUTINE} button", has_text="Do it with the coach").click()
        pg.wait_for_function("t => document.querySelector('#np-steps li[aria-current=step]')?.textContent === t",
                             arg=steps[0].title)
        audio_playing(pg, f"steps/{ROUTINE}/{steps[0].id}")
        if device == "dialog":
            still(pg, "#now-playing")
            pg.screenshot(path=str(SCREENSHOTS / "acupressure-page-desktop.png"))
        pg.locator("#btn-next").focus()
        pg.keyboard.press("Enter")
        pg.wait_for_function("t => document.querySelector('#np-steps li[aria-current=step]')?.textContent === t",
                             arg=steps[1].title)
        audio_playing(pg, f"steps/{ROUTINE}/{steps[1].id}")
        assert "1 of" not in pg.locator("#np-status").inner_text()
        pg.locator("#btn-prev").click()
        pg.wait_for_function("t => document.querySelector('#np-steps li[aria-current=step]')?.textContent === t",
                             arg=steps[0].title)
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


def test_download_the_routine_mp3_and_the_playlist_and_feed(page: Page, rendered: Path) -> None:
    pg = page.page
    link = pg.locator(f"#routine-{ROUTINE} a", has_text="Download MP3")
    with pg.expect_download() as info:
        link.click()
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
    m3u = pg.request.get(pg.locator("#downloads a", has_text="M3U").evaluate("a => a.href"))
    assert m3u.status == 200 and Path(entry.path).name in m3u.text()
    feed = pg.request.get(pg.locator("#downloads a", has_text="RSS").evaluate("a => a.href"))
    assert feed.status == 200 and "<rss" in feed.text()


def test_phone_screen(browser: Any, site: str, content: Content) -> None:
    p = Page(browser, site, viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True,
             device_scale_factor=2)
    try:
        pg = p.page
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375, "the page scrolls sideways"
        box = pg.locator("#say").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["height"] >= 40
        assert pg.locator("#say-button").bounding_box()["height"] >= 40  # a thumb-sized target
        font = pg.evaluate("parseFloat(getComputedStyle(document.querySelector('#coach .hint')).fontSize)")
        assert font >= 16
        pg.locator("#say").tap()
        pg.locator("#say").fill("where is bladder 23")
        pg.locator("#say-button").tap()
        assert content.points["BL23"].location in p.last_reply(1)
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375
        # The start of the reply is in view (not just its end).
        pg.wait_for_function("() => { const r = document.querySelector('#log li.coach').getBoundingClientRect();"
                             " return r.top >= 0 && r.top < window.innerHeight; }")
        still(pg, "#log")
        pg.screenshot(path=str(SCREENSHOTS / "acupressure-page-phone.png"))
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
