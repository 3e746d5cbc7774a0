"""The render run: plan, synthesise missing speech, assemble changed files in parallel, commit atomically."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from skill.runtime.content.loader import Content, load
from skill.runtime.manifest import MANIFEST_FORMAT, MANIFEST_NAME, FileKind
from skill.tools.render.engines import Engine
from skill.tools.render.plan import Item, plan
from skill.tools.render.settings import MAX_ALEXA_S, Settings, audio_base_url

CACHE_DIR = ".cache/speech"
OUTPUT_DIRS = ("prompts", "steps", "routines")
PLAYLIST = "routines.m3u"
FEED = "feed.xml"
LUFS_TOLERANCE = 0.5  # LU: every file lands within target +- this, measured after MP3 decode


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

    def summary(self) -> str:
        return (f"{len(self.rendered)} of {self.files} files rendered, {self.synthesized} lines synthesised "
                f"({self.synth_s:.1f} s in the engine), {self.total_s:.1f} s total, jobs={self.jobs}, "
                f"{self.bytes / 1e6:.1f} MB in {self.out}")


def within_spec(entry: dict, settings: Settings) -> bool:
    """The measured loudness of a rendered file meets the spec: target +- 1 LU, true peak <= max."""
    lufs, tp = entry.get("lufs"), entry.get("true_peak_dbtp")
    return (lufs is not None and tp is not None and abs(lufs - settings.target_lufs) <= 1.0
            and tp <= settings.true_peak_max_dbtp)


# ---- worker side (runs in pool processes, or in-process when jobs == 1) ----

_W: dict = {}


def _exit_with_parent(parent: int) -> None:
    """A worker must not outlive the render that started it (e.g. after Ctrl-C)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def _init_worker(engine: Engine, settings: Settings, out: str, threads: int | None, quiet_sigint: bool,
                 parent: int | None = None) -> None:
    if quiet_sigint:
        # The parent handles Ctrl-C: it stops handing out work and cleans up.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        import threading

        threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    if threads and hasattr(engine, "threads"):
        engine.threads = threads
    _W.update(engine=engine, settings=settings, out=Path(out))


def cache_path(out: Path, engine_id: str, text: str) -> Path:
    """Cached speech for one line in one voice with one set of settings."""
    h = hashlib.sha256(f"{engine_id}\0{text}".encode()).hexdigest()[:24]
    return out / CACHE_DIR / f"{h}.npz"


def _synth_task(text: str, engine_id: str) -> float:
    """Synthesise one line into the cache; return the engine's time for it."""
    import numpy as np

    from skill.tools.render.assembly import trim

    engine, settings, out = _W["engine"], _W["settings"], _W["out"]
    if hasattr(engine, "load"):
        engine.load()  # loading the voice is overhead, not synthesis
    t = time.perf_counter()
    speech = engine.synthesize(text)
    spent = time.perf_counter() - t
    clip = trim(np.asarray(speech.samples, dtype=np.float64), settings.trim_threshold_db)
    if len(clip) == 0:
        raise RenderError(f"the engine produced silence for {text!r}")
    path = cache_path(out, engine_id, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.tmp-{os.getpid()}.npz")
    np.savez(tmp, samples=clip.astype(np.float32), rate=np.array(speech.rate))
    os.replace(tmp, path)
    return spent


def _assemble_task(item: Item, engine_id: str) -> dict:
    """Assemble, normalise, encode and measure one file; return its manifest entry."""
    import numpy as np

    from skill.tools.render import loudness
    from skill.tools.render.assembly import assemble
    from skill.tools.render.ffmpeg import decode, encode_mp3

    settings, out = _W["settings"], _W["out"]
    memo: dict[str, tuple[np.ndarray, int]] = _W.setdefault("clips", {})
    speech: dict[str, np.ndarray] = {}
    rate = None
    for text in item.texts():
        if text not in memo:
            with np.load(cache_path(out, engine_id, text)) as z:
                clip, clip_rate = z["samples"].astype(np.float64), int(z["rate"])
            # Each line at the target loudness, peaks limited, once per worker: the whole file
            # then needs only a small correction, not a full limiter pass over every line again.
            memo[text] = (loudness.normalize(clip, clip_rate, settings.target_lufs,
                                             settings.limiter_ceiling_dbtp), clip_rate)
        speech[text], rate = memo[text]
    rate = rate or 24000
    a = assemble(item.parts, speech, rate, settings, item.meta.get("chapters"))
    fmt = settings.alexa if item.fmt == "alexa" else settings.download
    if item.fmt == "alexa" and a.duration_ms > MAX_ALEXA_S * 1000:
        raise RenderError(f"{item.key} would last {a.duration_ms / 1000:.1f} s; Alexa plays at most "
                          f"{MAX_ALEXA_S:.0f} s in one clip: shorten its lines in content/")
    samples = loudness.normalize(a.samples, rate, settings.target_lufs, settings.limiter_ceiling_dbtp)
    final = out / item.path
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f"{final.name}.tmp-{os.getpid()}")
    ceiling = settings.limiter_ceiling_dbtp
    tp_ok = settings.true_peak_max_dbtp - 0.1
    for attempt in range(9):
        encode_mp3(samples, rate, tmp, out_rate=fmt.sample_rate, bitrate_kbps=fmt.bitrate_kbps)
        # Measure what listeners get: the decoded MP3, with the real meter.
        decoded, drate = decode(tmp)
        tp = loudness.true_peak_dbtp(decoded)
        lufs = loudness.integrated_lufs(decoded, drate)
        if tp <= tp_ok and (abs(lufs - settings.target_lufs) <= LUFS_TOLERANCE or attempt >= 6):
            break
        if attempt >= 6:
            # Loudness and the peak limit fight: the peak limit wins, by plain gain, which the
            # encoder's overshoot follows.
            samples = samples * 10.0 ** ((settings.true_peak_max_dbtp - 0.3 - tp) / 20.0)
            continue
        # The encoder's low-pass and overshoot move loudness and peaks a little: correct and encode again.
        if tp > tp_ok:
            ceiling -= tp - (settings.true_peak_max_dbtp - 0.3)
        samples = loudness.limit(samples * 10.0 ** ((settings.target_lufs - lufs) / 20.0), rate, ceiling)
    if not within_spec({"lufs": lufs, "true_peak_dbtp": tp}, settings):
        tmp.unlink(missing_ok=True)
        raise RenderError(f"{item.key}: could not meet the loudness spec "
                          f"({lufs:.2f} LUFS, {tp:.2f} dBTP after encoding)")
    if item.kind is FileKind.ROUTINE:
        from skill.tools.render.tags import write_id3

        write_id3(tmp, title=item.meta["title"], description=item.meta.get("description", ""),
                  track=item.meta.get("track", 1), chapters=a.chapters)
    os.replace(tmp, final)
    entry = {
        "kind": item.kind.value, "path": item.path, "text": item.text, "hash": item.hash,
        "duration_ms": round(len(decoded) * 1000 / drate), "timeline": a.timeline,
        "sample_rate": fmt.sample_rate, "bitrate_kbps": fmt.bitrate_kbps, "size_bytes": final.stat().st_size,
        "lufs": round(lufs, 2), "true_peak_dbtp": round(tp, 2),
    }
    if a.chapters and item.kind is FileKind.ROUTINE:
        entry["chapters"] = a.chapters
    for k in ("routine_id", "step_id", "hold_s", "title", "switch_sides"):
        if item.meta.get(k) is not None:
            entry[k] = item.meta[k]
    return entry


# ---- parent side ----

@contextmanager
def _deferred_sigint():
    """Hold Ctrl-C while the manifest and its companions are swapped in."""
    got: list = []
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


def _read_manifest(out: Path) -> dict:
    try:
        return json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"files": {}}


def _progress(total: int, enabled: bool | None):
    from tqdm import tqdm

    show = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(total=total, unit="file", disable=not show, file=sys.stderr, dynamic_ncols=True)


def _run_tasks(pool, fn, args: list[tuple], bar, on_result) -> None:
    """Run tasks (in a pool, or here); stop at the first failure."""
    if pool is None:
        for a in args:
            on_result(a, fn(*a))
            bar.update(1)
        return
    futures: dict[Future, tuple] = {pool.submit(fn, *a): a for a in args}
    pending = set(futures)
    while pending:
        done, pending = wait(pending, return_when=FIRST_EXCEPTION)
        for f in done:
            exc = f.exception()
            if exc is not None:
                for p in pending:
                    p.cancel()
                raise exc
            on_result(futures[f], f.result())
            bar.update(1)


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

    items = plan(content, engine_id, settings, routines=routines, prompts=prompts, holds=holds)
    report.files = len(items)
    old = _read_manifest(out)
    old_files: dict = old.get("files", {})
    keep: dict[str, dict] = {}
    todo: list[Item] = []
    for item in items:
        prev = old_files.get(item.key)
        if (prev and prev.get("hash") == item.hash and prev.get("path") == item.path
                and within_spec(prev, settings) and (out / item.path).is_file()):
            keep[item.key] = prev
        else:
            todo.append(item)

    old_paths = {e["path"] for e in old_files.values()}
    created: list[Path] = []
    results: dict[str, dict] = {}
    pool = None
    try:
        if todo:
            texts = sorted({t for item in todo for t in item.texts()})
            missing = [t for t in texts if not cache_path(out, engine_id, t).is_file()]
            # Each worker runs the engine single-threaded; in-process we let it use every core.
            threads = 1 if jobs > 1 else None
            if jobs > 1:
                # spawn, not fork: a process that already ran an ONNX session (an earlier in-process
                # render) deadlocks its forked children when they start their own.
                ctx = multiprocessing.get_context("spawn")
                pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                                           initargs=(engine, settings, str(out), threads, True, os.getpid()))
            else:
                _init_worker(engine, settings, str(out), threads, False)
            created = [out / i.path for i in todo if i.path not in old_paths]
            with _progress(len(missing) + len(todo), progress) as bar:
                bar.set_description("synthesising")

                def synthesised(_a, spent: float) -> None:
                    report.synth_s += spent
                    report.synthesized += 1

                _run_tasks(pool, _synth_task, [(t, engine_id) for t in missing], bar, synthesised)
                bar.set_description("assembling")

                def assembled(a, entry: dict) -> None:
                    results[a[0].key] = entry
                    report.rendered.append(a[0].key)

                # Longest first, so one big routine does not finish last on its own core.
                order = sorted(todo, key=lambda i: (i.kind is not FileKind.ROUTINE, -len(i.parts)))
                _run_tasks(pool, _assemble_task, [(i, engine_id) for i in order], bar, assembled)
        files = {item.key: results.get(item.key) or keep[item.key] for item in items}
        _commit(out, files, content, engine_id, settings, old_files)
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
    _cleanup(out, files, {cache_path(out, engine_id, t) for item in items for t in item.texts()})
    report.bytes = sum((out / e["path"]).stat().st_size for e in files.values() if (out / e["path"]).exists())
    report.total_s = time.perf_counter() - t0
    return report


def _commit(out: Path, files: dict[str, dict], content: Content, engine_id: str, settings: Settings,
            old_files: dict) -> None:
    """Write the playlist, feed and manifest; manifest.json last, via os.replace."""
    from skill.tools.render import tags

    routines = [dict(e, key=k) for k, e in files.items() if e["kind"] == FileKind.ROUTINE.value]
    for r in routines:
        rid = r["routine_id"]
        r["title"] = content.routines[rid].name
        r["description"] = content.routines[rid].description
        r["track"] = list(content.routines).index(rid) + 1
    companions = {}
    if routines:
        m3u = tags.m3u(routines)
        rss = tags.feed(routines, audio_base_url(), content.safety.disclaimer)
        for key, name, kind, text in (("playlist", PLAYLIST, FileKind.PLAYLIST, m3u),
                                      ("feed", FEED, FileKind.FEED, rss)):
            h = hashlib.sha256(text.encode()).hexdigest()[:20]
            files[key] = {"kind": kind.value, "path": name, "text": "", "hash": h,
                          "duration_ms": sum(r["duration_ms"] for r in routines),
                          "size_bytes": len(text.encode())}
            if old_files.get(key, {}).get("hash") != h or not (out / name).is_file():
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


def _cleanup(out: Path, files: dict[str, dict], used_cache: set[Path]) -> None:
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
