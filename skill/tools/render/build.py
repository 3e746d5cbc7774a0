"""The render run: plan, synthesise missing speech, assemble changed files in parallel, commit atomically."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar, TypeVarTuple

from skill.runtime.content.loader import Content, load
from skill.runtime.manifest import MANIFEST_FORMAT, MANIFEST_NAME, FileKind
from skill.tools.render.engines import Engine
from skill.tools.render.plan import Item, ItemMeta, pictures_digest, plan
from skill.tools.render.progress import FILE_WEIGHT_CHARS, Progress
from skill.tools.render.pronounce import Hints, load_hints
from skill.tools.render.settings import MAX_ALEXA_S, RENDER_RATE, Format, Pace, Settings, Voice, audio_base_url
from skill.tools.render.shapes import Episode, FileRecord, Measured, Samples

CACHE_DIR = ".cache/speech"
OUTPUT_DIRS = ("prompts", "steps", "routines")
# Pictures drawn from content/pictures.yaml (skill.tools.artwork): icons, stream and podcast art, one
# per point for the downloads' chapters. Published with the audio; listed in the manifest as images.
ART_DIR = "art"
PODCAST_ART = f"{ART_DIR}/podcast-3000.png"
COVER_ART = f"{ART_DIR}/art-512.png"
PLAYLIST = "routines.m3u"
FEED = "feed.xml"
LUFS_TOLERANCE = 0.5  # LU: every file lands within target +- this, measured after MP3 decode
MAX_ENCODES = 8  # encodes of one file before it counts as failing the loudness spec
LIMITER_ENCODES = 3  # of which the first ones set the loudness through the limiter; then plain gain


class RenderError(Exception):
    """The render could not finish; the previous audio and manifest are untouched."""


@dataclass
class Report:
    """What a run did and how long it took."""

    out: Path
    engine: str
    jobs: int
    files: int = 0
    rendered: list[str] = field(default_factory=list)
    synthesized: int = 0
    synth_s: float = 0.0      # the engine's own synthesis time, summed over workers
    total_s: float = 0.0
    bytes: int = 0
    # Wall-clock per phase (plan, synthesise, assemble, commit) and worker seconds per assembly step.
    wall: dict[str, float] = field(default_factory=dict)
    work: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        return (f"{len(self.rendered)} of {self.files} files rendered, {self.synthesized} lines synthesised "
                f"({self.synth_s:.1f} s in the engine), {self.total_s:.1f} s total, jobs={self.jobs}, "
                f"{self.bytes / 1e6:.1f} MB in {self.out}")


def within_spec(entry: Measured, settings: Settings) -> bool:
    """The measured loudness of a rendered file meets the spec: target +- 1 LU, true peak <= max."""
    lufs, tp = entry.get("lufs"), entry.get("true_peak_dbtp")
    return (lufs is not None and tp is not None and abs(lufs - settings.target_lufs) <= 1.0
            and tp <= settings.true_peak_max_dbtp)


# ---- worker side (runs in pool processes, or in-process when jobs == 1) ----

@dataclass
class _Worker:
    """What a worker process holds: set by _init_worker, then its memos and its account of time."""

    engine: Engine
    settings: Settings
    hints: Hints
    out: Path
    clips: dict[tuple[str, Pace], Samples] = field(default_factory=dict)  # each line at the target loudness
    encoded: dict[tuple[Format, str], Encoded] = field(default_factory=dict)  # the last step's encodes
    work: dict[str, float] = field(default_factory=dict)  # seconds per assembly step, this task


_W: _Worker | None = None


def _state() -> _Worker:
    """This worker's state."""
    assert _W is not None, "_init_worker runs before any task"
    return _W


def _exit_with_parent(parent: int) -> None:
    """A worker must not outlive the render that started it (e.g. after Ctrl-C)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def _init_worker(engine: Engine, settings: Settings, hints: Hints, out: str, threads: int | None,
                 quiet_sigint: bool, parent: int | None = None) -> None:
    global _W
    if quiet_sigint:
        # The parent handles Ctrl-C: it stops handing out work and cleans up.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        import threading

        threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    if threads and hasattr(engine, "threads"):
        engine.threads = threads
    _W = _Worker(engine=engine, settings=settings, hints=hints, out=Path(out))


def cache_path(out: Path, engine_id: str, text: str, voice: Voice | None = None) -> Path:
    """Cached speech for one line (as the engine reads it) in one voice at one pace."""
    pace = "" if voice is None else json.dumps(asdict(voice), sort_keys=True)
    h = hashlib.sha256(f"{engine_id}\0{pace}\0{text}".encode()).hexdigest()[:24]
    return out / CACHE_DIR / f"{h}.npz"


def _line_path(text: str, pace: Pace, engine_id: str) -> Path:
    w = _state()
    return cache_path(w.out, engine_id, w.hints.apply(text), w.settings.voice(pace))


def _synth_task(text: str, pace: Pace, engine_id: str) -> float:
    """Synthesise one line into the cache, trimmed and at the render rate; return the engine's time."""
    import numpy as np

    from skill.tools.render.assembly import to_render_rate, trim

    w = _state()
    engine, settings, hints = w.engine, w.settings, w.hints
    if hasattr(engine, "load"):
        engine.load()  # loading the voice is overhead, not synthesis
    t = time.perf_counter()
    speech = engine.synthesize(hints.apply(text), settings.voice(pace))
    spent = time.perf_counter() - t
    clip = trim(np.asarray(speech.samples, dtype=np.float64), settings.trim_threshold_db)
    if len(clip) == 0:
        raise RenderError(f"the engine produced silence for {text!r}")
    clip = to_render_rate(clip, speech.rate)
    path = _line_path(text, pace, engine_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.tmp-{os.getpid()}.npz")
    np.savez(tmp, samples=clip.astype(np.float32), rate=np.array(RENDER_RATE))
    os.replace(tmp, path)
    return spent


def _speech(item: Item, engine_id: str) -> dict[str, Samples]:
    """Each line of an item at the target loudness, peaks limited; once per worker per line."""
    import numpy as np

    from skill.tools.render import loudness

    w = _state()
    settings, memo = w.settings, w.clips
    speech: dict[str, Samples] = {}
    for text, pace in item.lines():
        if (text, pace) not in memo:
            with np.load(_line_path(text, pace, engine_id)) as z:
                clip = z["samples"].astype(np.float64)
            # Lines arrive at the target already, so a file needs one gain and rarely a limiter.
            # Aimed where most files are encoded (Alexa's format), ahead of that encoder's loss.
            memo[text, pace] = loudness.normalize(clip, RENDER_RATE,
                                                  settings.target_lufs + settings.alexa.encoder_loss_lu,
                                                  settings.limiter_ceiling_dbtp)
        speech[text] = memo[text, pace]
    return speech


@dataclass
class Encoded:
    """A cut signal encoded once, with what its decoded stream measured."""

    data: bytes
    decoded: Samples  # the decoded stream, where the splicer checks for exact silence
    lufs: float
    true_peak: float


def _encode_measured(x: Samples, fmt: Format, settings: Settings, key: str) -> Encoded:
    """Loudness set once in PCM (ahead of the encoder's known loss), one encode, one decode-and-measure.

    Only a file the check finds outside target +- LUFS_TOLERANCE (or over the peak limit) gets a
    corrected encode: aimed off by the measured miss, with the limiter's ceiling lowered by the
    encoder's measured overshoot. The encoder's overshoot on a sharp transient varies from one
    encode to the next, so a few corrections may be needed; the closest encode that meets the spec
    (target +- 1 LU, true peak under the limit) is kept, and only when none does is it an error.
    """
    from skill.tools.render import loudness, mp3

    rate = RENDER_RATE
    aim = settings.target_lufs + fmt.encoder_loss_lu
    ceiling = settings.limiter_ceiling_dbtp
    tp_ok = settings.true_peak_max_dbtp - 0.1
    best: Encoded | None = None
    y = x
    lufs = tp = 0.0
    for attempt in range(MAX_ENCODES):
        if attempt:
            work = _state().work
            work["retries"] = work.get("retries", 0.0) + 1
        with _timed("loudness in PCM"):
            if attempt < LIMITER_ENCODES:
                y = loudness.normalize(y, rate, aim, ceiling)
            else:
                # Loudness and the peak limit still fight: plain gain from the last measurement, as
                # far as the peak limit allows; the encoded loudness and peaks follow it closely.
                y = y * 10.0 ** (min(settings.target_lufs - lufs, tp_ok - 0.1 - tp) / 20.0)
        with _timed("encode"):
            data = mp3.encode(y, rate, fmt.bitrate_kbps)
        with _timed("decode and measure"):
            decoded, _ = mp3.decode(data)   # what listeners get, measured with the real meter
            tp = loudness.true_peak_dbtp(decoded)
            lufs = loudness.integrated_lufs(decoded, rate)
        miss = settings.target_lufs - lufs
        if tp <= tp_ok and within_spec({"lufs": lufs, "true_peak_dbtp": tp}, settings) and (
                best is None or abs(miss) < abs(settings.target_lufs - best.lufs)):
            best = Encoded(data, decoded, lufs, tp)
        if best is not None and (abs(miss) <= LUFS_TOLERANCE or attempt >= LIMITER_ENCODES):
            break
        # The encoder moved it more than expected: aim off by the measured miss and, if it overshot
        # the peak limit, limit harder by the overshoot.
        aim += miss
        if tp > tp_ok:
            ceiling -= tp - tp_ok + 0.3
    if best is None:
        raise RenderError(f"{key}: could not meet the loudness spec ({lufs:.2f} LUFS, {tp:.2f} dBTP after encoding)")
    return best


def _chapter_images(out: Path, chapter_points: dict[str, str]) -> tuple[dict[str, bytes], bytes | None]:
    """Each chapter's picture (the point its step presses; the cover for the rest) and the cover."""
    cover_path = out / COVER_ART
    cover = cover_path.read_bytes() if cover_path.is_file() else None
    images: dict[str, bytes] = {}
    for step_id, point_id in chapter_points.items():
        path = out / ART_DIR / "points" / f"{point_id}.png"
        if path.is_file():
            images[step_id] = path.read_bytes()
    if cover:
        images.setdefault("intro", cover)
        images.setdefault("outro", cover)
    return images, cover


def _artwork(out: Path, content: Content, old_files: dict[str, FileRecord]) -> dict[str, FileRecord]:
    """Draw the artwork when content has pictures and they changed; manifest entries for the PNGs."""
    digest = pictures_digest(content)
    if not digest:
        return {}
    art = out / ART_DIR
    index = art / "artwork.json"
    previous = {k: e for k, e in old_files.items() if e.get("kind") == FileKind.IMAGE.value}
    current = bool(previous) and all(e.get("hash") == digest and (out / e["path"]).is_file()
                                     for e in previous.values())
    if not current or not index.is_file():
        # Imported here: resvg is a render dependency the rest of the render does not need.
        from skill.runtime import pictures
        from skill.tools import artwork

        artwork.write_all(art, pictures.load(content.directory / pictures.PICTURES_FILE))
    listed = json.loads(index.read_text(encoding="utf-8"))
    return {f"image/{name.removesuffix('.png')}": {
        "kind": FileKind.IMAGE.value, "path": f"{ART_DIR}/{name}", "text": info["purpose"], "hash": digest,
        "duration_ms": 0,
        "size_bytes": (art / name).stat().st_size, "width": info["width"], "height": info["height"]}
        for name, info in sorted(listed.items())}


def _assemble_task(items: list[Item], engine_id: str) -> tuple[list[FileRecord], dict[str, float]]:
    """Assemble, encode and measure a group of files (one step's hold versions share their encode)."""
    w = _state()
    w.work = {}
    return [_assemble_one(item, engine_id) for item in items], w.work


@contextmanager
def _timed(step: str) -> Iterator[None]:
    """Add this block's time to the worker's account of where assembly time goes."""
    t = time.perf_counter()
    try:
        yield
    finally:
        work = _state().work
        work[step] = work.get(step, 0.0) + time.perf_counter() - t


def _assemble_one(item: Item, engine_id: str) -> FileRecord:
    """One file: speech and exact quiet in PCM, the quiet cut out, one encode, the quiet spliced back."""
    from skill.tools.render import mp3
    from skill.tools.render.assembly import assemble

    w = _state()
    settings, out = w.settings, w.out
    rate = RENDER_RATE
    with _timed("line loudness"):
        speech = _speech(item, engine_id)
    with _timed("assemble"):
        a = assemble(item.parts, speech, rate, settings, item.meta.get("chapters"))
    fmt = settings.alexa if item.fmt == "alexa" else settings.download
    if item.fmt == "alexa" and a.duration_ms > MAX_ALEXA_S * 1000:
        raise RenderError(f"{item.key} would last {a.duration_ms / 1000:.1f} s; Alexa plays at most "
                          f"{MAX_ALEXA_S:.0f} s in one clip: shorten its lines in content/")
    delay = mp3.encoder_delay(rate, fmt.bitrate_kbps)
    lead = round(rate * settings.lead_ms / 1000)
    if lead < delay:
        raise RenderError(f"lead_ms={settings.lead_ms} is shorter than the encoder's delay ({delay} samples)")
    # The decoder plays the encoder's delay first: take it from the lead-in, so every sound is
    # heard exactly where the timeline says.
    x = a.samples[delay:]
    with _timed("assemble"):
        cuts = mp3.plan_cuts(x, delay)
        xc = mp3.cut(x, cuts)
        key = (fmt, hashlib.sha256(xc.tobytes()).hexdigest())
    memo = w.encoded
    if key not in memo:
        memo.clear()  # one step's versions come together; older encodes are not needed again
        memo[key] = _encode_measured(xc, fmt, settings, item.key)
    enc = memo[key]
    inserts = mp3.place_inserts(enc.data, enc.decoded, mp3.inserts_for(cuts, delay), rate, fmt.bitrate_kbps)
    if inserts is None:
        # The encoder never settled into silence near a cut: encode the whole file instead.
        enc, inserts = _encode_measured(x, fmt, settings, item.key), []
    spliced = mp3.Spliced(enc.data, inserts, rate, fmt.bitrate_kbps)
    final = out / item.path
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f"{final.name}.tmp-{os.getpid()}")
    with _timed("splice and write"):
        tmp.write_bytes(spliced.whole())
        if item.kind is FileKind.ROUTINE:
            from skill.tools.render.tags import write_id3

            images, cover = _chapter_images(out, item.meta.get("chapter_points", {}))
            write_id3(tmp, title=item.meta["title"], description=item.meta.get("description", ""),
                      track=item.meta.get("track", 1), chapters=a.chapters, images=images, cover=cover)
        os.replace(tmp, final)
    entry: FileRecord = {
        "kind": item.kind.value, "path": item.path, "text": item.text, "hash": item.hash,
        "duration_ms": round(spliced.frames * mp3.FRAME * 1000 / rate), "timeline": a.timeline,
        "sample_rate": fmt.sample_rate, "bitrate_kbps": fmt.bitrate_kbps, "size_bytes": final.stat().st_size,
        "lufs": round(enc.lufs, 2), "true_peak_dbtp": round(enc.true_peak, 2),
    }
    if a.chapters and item.kind is FileKind.ROUTINE:
        entry["chapters"] = a.chapters
    _add_provenance(entry, item.meta)
    return entry


def _add_provenance(entry: FileRecord, meta: ItemMeta) -> None:
    """The routine, step, hold, title and side switch a file comes from, where it has them."""
    if (routine_id := meta.get("routine_id")) is not None:
        entry["routine_id"] = routine_id
    if (step_id := meta.get("step_id")) is not None:
        entry["step_id"] = step_id
    if (hold_s := meta.get("hold_s")) is not None:
        entry["hold_s"] = hold_s
    if (title := meta.get("title")) is not None:
        entry["title"] = title
    if (switch_sides := meta.get("switch_sides")) is not None:
        entry["switch_sides"] = switch_sides


# ---- parent side ----

@contextmanager
def _deferred_sigint() -> Iterator[None]:
    """Hold Ctrl-C while the manifest and its companions are swapped in."""
    got: list[tuple[object, ...]] = []
    try:
        old = signal.signal(signal.SIGINT, lambda *a: got.append(a))
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
        if got:
            raise KeyboardInterrupt


def _previous_files(out: Path) -> dict[str, FileRecord]:
    """The files of the manifest the last render wrote (none before the first render)."""
    try:
        manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    files: dict[str, FileRecord] = manifest.get("files", {})  # written by this module: its own shape
    return files


Args = TypeVarTuple("Args")
Result = TypeVar("Result")


def _run_tasks(pool: ProcessPoolExecutor | None, fn: Callable[[*Args], Result], args: list[tuple[*Args]],
               on_result: Callable[[tuple[*Args], Result], None]) -> None:
    """Run tasks (in a pool, or here); stop at the first failure."""
    if pool is None:
        for a in args:
            on_result(a, fn(*a))
        return
    futures: dict[Future[Result], tuple[*Args]] = {pool.submit(fn, *a): a for a in args}
    pending = set(futures)
    while pending:
        # Each result as it comes (progress moves line by line); FIRST_EXCEPTION would hold them all to the end.
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for f in done:
            exc = f.exception()
            if exc is not None:
                for p in pending:
                    p.cancel()
                raise exc
            on_result(futures[f], f.result())


def _groups(todo: list[Item]) -> list[list[Item]]:
    """One task per step (all its hold versions share one encode), longest work first."""
    groups: dict[tuple[str | None, ...], list[Item]] = {}
    for item in todo:
        key = (item.kind, item.meta.get("routine_id"), item.meta.get("step_id")) \
            if item.kind is FileKind.STEP else (item.key,)
        groups.setdefault(key, []).append(item)
    # Longest first, so one big routine does not finish last on its own core.
    return sorted(groups.values(), key=lambda g: (g[0].kind is not FileKind.ROUTINE, -sum(len(i.parts) for i in g)))


def _clean_tmp(out: Path) -> None:
    for d in (*OUTPUT_DIRS, CACHE_DIR):
        base = out / d
        if base.is_dir():
            for p in base.rglob("*.tmp-*"):
                p.unlink(missing_ok=True)
    for p in out.glob("*.tmp-*"):
        p.unlink(missing_ok=True)


def _write_text(path: Path, text: str) -> Path:
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    return tmp


def render(out: Path | str, engine: Engine, *, content: Content | None = None, jobs: int | None = None,
           settings: Settings | None = None, routines: list[str] | None = None, prompts: bool = True,
           holds: tuple[int, ...] | None = None, progress: bool | None = None) -> Report:
    """Render what changed into `out`; leave the previous render intact if anything fails."""
    t0 = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    content = content or load()
    settings = settings or Settings.from_env()
    jobs = max(1, jobs or os.cpu_count() or 1)
    engine_id = engine.identity()
    report = Report(out=out, engine=engine_id, jobs=jobs)
    _clean_tmp(out)

    hints = load_hints()
    voice_id = f"{engine_id}+hints:{hints.digest()}" if hints.words else engine_id
    items = plan(content, voice_id, settings, routines=routines, prompts=prompts, holds=holds)
    report.files = len(items)
    old_files = _previous_files(out)
    art_files = _artwork(out, content, old_files)
    keep: dict[str, FileRecord] = {}
    todo: list[Item] = []
    for item in items:
        prev = old_files.get(item.key)
        if (prev and prev.get("hash") == item.hash and prev.get("path") == item.path
                and within_spec(prev, settings) and (out / item.path).is_file()):
            keep[item.key] = prev
        else:
            todo.append(item)

    def line_file(text: str, pace: Pace) -> Path:
        return cache_path(out, engine_id, hints.apply(text), settings.voice(pace))

    old_paths = {e["path"] for e in old_files.values()}
    created: list[Path] = []
    results: dict[str, FileRecord] = {}
    pool: ProcessPoolExecutor | None = None
    try:
        if todo:
            lines = sorted({ln for item in todo for ln in item.lines()})
            missing = [ln for ln in lines if not line_file(*ln).is_file()]
            # Each worker runs the engine single-threaded; in-process we let it use every core.
            threads = 1 if jobs > 1 else None
            if jobs > 1:
                # spawn, not fork: a process that already ran an ONNX session (an earlier in-process
                # render) deadlocks its forked children when they start their own.
                ctx = multiprocessing.get_context("spawn")
                pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                                           initargs=(engine, settings, hints, str(out), threads, True,
                                                     os.getpid()))
            else:
                _init_worker(engine, settings, hints, str(out), threads, False)
            created = [out / i.path for i in todo if i.path not in old_paths]
            with Progress(sum(len(t) for t, _ in missing), len(todo), enabled=progress) as bar:
                bar.start("synthesising", lines=len(missing))

                def synthesised(a: tuple[str, Pace, str], spent: float) -> None:
                    report.synth_s += spent
                    report.synthesized += 1
                    bar.advance(len(a[0]), line=True)

                # Longest lines first: the last task to finish is a short one.
                order = sorted(missing, key=lambda ln: -len(ln[0]))
                report.wall["plan"] = time.perf_counter() - t0
                _run_tasks(pool, _synth_task, [(t, pace, engine_id) for t, pace in order], synthesised)
                report.wall["synthesise"] = time.perf_counter() - t0 - report.wall["plan"]
                bar.start("assembling")

                def assembled(a: tuple[list[Item], str], result: tuple[list[FileRecord], dict[str, float]]) -> None:
                    entries, work = result
                    for k, v in work.items():
                        report.work[k] = report.work.get(k, 0.0) + v
                    for item, entry in zip(a[0], entries, strict=True):
                        results[item.key] = entry
                        report.rendered.append(item.key)
                        bar.advance(FILE_WEIGHT_CHARS)

                _run_tasks(pool, _assemble_task, [(g, engine_id) for g in _groups(todo)], assembled)
                report.wall["assemble"] = time.perf_counter() - t0 - sum(report.wall.values())
        t_commit = time.perf_counter()
        files = {item.key: results.get(item.key) or keep[item.key] for item in items}
        files.update(art_files)
        _commit(out, files, content, voice_id, settings, old_files)
    except BaseException:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
            pool = None
        for p in created:
            if p.name and str(p.relative_to(out)) not in old_paths:
                p.unlink(missing_ok=True)
        _clean_tmp(out)
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    _cleanup(out, files, {line_file(*ln) for item in items for ln in item.lines()})
    report.bytes = sum((out / e["path"]).stat().st_size for e in files.values() if (out / e["path"]).exists())
    report.total_s = time.perf_counter() - t0
    report.wall["commit and clean up"] = time.perf_counter() - t_commit
    return report


def _commit(out: Path, files: dict[str, FileRecord], content: Content, engine_id: str, settings: Settings,
            old_files: dict[str, FileRecord]) -> None:
    """Write the playlist, feed and manifest; manifest.json last, via os.replace."""
    from skill.tools.render import tags

    routines = [_episode(k, e, content) for k, e in files.items() if e["kind"] == FileKind.ROUTINE.value]
    companions: dict[str, str] = {}
    if routines:
        m3u = tags.m3u(routines)
        rss = tags.feed(routines, audio_base_url(), content.safety.disclaimer,
                        image=PODCAST_ART if (out / PODCAST_ART).is_file() else None)
        for key, name, kind, text in (("playlist", PLAYLIST, FileKind.PLAYLIST, m3u),
                                      ("feed", FEED, FileKind.FEED, rss)):
            h = hashlib.sha256(text.encode()).hexdigest()[:20]
            files[key] = {"kind": kind.value, "path": name, "text": "", "hash": h,
                          "duration_ms": sum(r["duration_ms"] for r in routines),
                          "size_bytes": len(text.encode())}
            previous = old_files.get(key)
            if previous is None or previous.get("hash") != h or not (out / name).is_file():
                companions[name] = text
    manifest = {
        "format": MANIFEST_FORMAT, "content_version": content.version, "engine": engine_id,
        "settings": settings.as_dict(),
        "loudness": {"target_lufs": settings.target_lufs, "true_peak_max_dbtp": settings.true_peak_max_dbtp,
                     "meter": "ITU-R BS.1770-4 (pyloudnorm), true peak by 4x oversampling"},
        "audio_base_url": audio_base_url(),
        "files": dict(sorted(files.items())),
    }
    temps = {name: _write_text(out / name, text) for name, text in companions.items()}
    mtmp = _write_text(out / MANIFEST_NAME, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    with _deferred_sigint():
        for name, tmp in temps.items():
            os.replace(tmp, out / name)
        os.replace(mtmp, out / MANIFEST_NAME)


def _episode(key: str, entry: FileRecord, content: Content) -> Episode:
    """A rendered routine as the playlist and feed list it: named and numbered as the content has it."""
    rid = entry["routine_id"]
    return {"key": key, "path": entry["path"], "title": content.routines[rid].name,
            "description": content.routines[rid].description, "hash": entry["hash"],
            "duration_ms": entry["duration_ms"], "size_bytes": entry["size_bytes"],
            "track": list(content.routines).index(rid) + 1}


def _cleanup(out: Path, files: dict[str, FileRecord], used_cache: set[Path]) -> None:
    """Delete audio no manifest entry references, and speech no current file uses."""
    referenced = {(out / e["path"]).resolve() for e in files.values()}
    for d in OUTPUT_DIRS:
        base = out / d
        if not base.is_dir():
            continue
        for p in sorted(base.rglob("*"), reverse=True):
            if p.is_file() and p.suffix == ".mp3" and p.resolve() not in referenced:
                p.unlink()
            elif p.is_dir() and not any(p.iterdir()):
                p.rmdir()
    cache = out / CACHE_DIR
    if cache.is_dir():
        for p in cache.glob("*.npz"):
            if p not in used_cache:
                p.unlink()
