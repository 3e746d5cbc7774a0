"""Helpers for the render tests: a tiny content directory, a fast fake engine, audio measurements."""

from __future__ import annotations

import hashlib
import os
import textwrap
import time
from pathlib import Path

import numpy as np

from skill.runtime.content.loader import DEFAULT_CONTENT_DIR
from skill.tools.render.engines import EngineError, Speech

TINY = {
    "points.yaml": """
        meridians:
          - {code: BL, names: [bladder, b]}
        complaints:
          - {id: lower_back_pain, name: lower back pain, aliases: [sore back]}
        regions:
          - {id: lower_back, name: lower back, aliases: [low back]}
        points:
          - id: BL23
            name: Bladder 23
            pinyin: Shenshu
            aliases: [B23]
            regions: [lower_back]
            complaints: [lower_back_pain]
            location: Two finger widths beside the spine, at waist level.
            find_steps: [Put your hands on your waist, thumbs towards the spine.]
            press:
              pressure: firm
              motion: still
              direction: in towards the spine
              duration_s: 60
              both_sides: true
              steps: [Press in with your thumbs.]
            benefits: [It eases a tired lower back.]
            sources: [WHO 2008]
    """,
    "techniques.yaml": """
        techniques:
          - id: thumb_press
            name: thumb press
            position: any
            steps: [Use the pads of your thumbs.]
            sources: [WHO 2008]
    """,
    "routines.yaml": """
        routines:
          - id: tiny_back
            name: Tiny back routine
            description: A very short routine for tests.
            position: lying
            intro: [Lie down comfortably.]
            steps:
              - id: bl23_left
                title: Bladder 23, left side
                point: BL23
                side: left
                say: [Find the point on your left side., Press now.]
                hold: true
                release: [Release slowly.]
              - id: bl23_right
                title: Bladder 23, right side
                point: BL23
                side: right
                say: [Switch sides. Press on your right side now.]
                hold: true
                release: [Release.]
            outro: [Well done.]
            sources: [WHO 2008]
    """,
    "scripts.yaml": """
        routines:
          - id: tiny_breath
            name: Tiny breathing
            kind: script
            description: A short breathing script for tests.
            position: any
            intro: [Close your eyes.]
            steps:
              - id: breathe
                title: Breathe
                say: [Breathe in slowly.]
                pause_s: 3
                release: [Open your eyes.]
            sources: [WHO 2008]
    """,
    "safety.yaml": """
        safety:
          disclaimer: This is self-care guidance, not medical advice.
          disclaimer_short: Not medical advice.
          pregnancy: [Ask a practitioner first if you are pregnant.]
          pregnancy_skip: I will skip that point.
          red_flags:
            - id: fever
              description: fever with back pain
              tier: same_day
              phrases: [I have a fever]
              sources: [NICE NG59]
          same_day_reply: [Please see a doctor today.]
          see_soon_reply: [Please see a doctor soon.]
          unsure_reply: [That may need a doctor.]
          emergency_reply: [Call emergency services now.]
          see_practitioner: [See a practitioner if it does not improve.]
          pain_during: [Ease off if it hurts.]
          pressure_guidance: [Firm but comfortable.]
          sources: [NICE NG59]
    """,
    "tips.yaml": """
        tips:
          - id: warm
            category: aftercare
            text: Keep your back warm afterwards.
            sources: [WHO 2008]
    """,
    "answers.yaml": """
        answers:
          pressure:
            say: Start gently; firm but comfortable is plenty.
            sources: [WHO 2008]
    """,
    "safety_lexicon.yaml": """
        lexicon:
          point_words: [bladder, b]
          red_flags:
            fever:
              patterns: [(fever*|temperature)]
          pregnant: [pregnan*]
          not_pregnant: [not pregnant]
          pain: [(hurts|sore)]
    """,
    "locales.yaml": """
        locales:
          en-US:
            country: US
            emergency_number: "911"
            emergency_department: the emergency room
            urgent_care: urgent care
            doctor: your doctor
    """,
    "responses/en-US.yaml": """
        language: en-US
        responses:
          welcome: Welcome to Acupressure Coach.
          chapter_intro: "{name}: getting ready"
          chapter_outro: "{name}: closing"
          hold_for: "Hold for {seconds} seconds."
          list_separator: ", "
    """,
    "slots/en-US.yaml": """
        language: en-US
        lists:
          position:
            seated: [sitting, in a chair]
            lying: [lying down, on the floor]
    """,
    # Words the skill never says: the store listing and sample utterances (model builder only).
    "store/en-US.yaml": """
        language: en-US
        store:
          name: Acupressure Coach listing
          summary: A tiny listing.
          description: A tiny listing for tests.
          examples: ["Alexa, open acupressure coach"]
    """,
    "sentences/en-US/_common.yaml": """
        language: en-US
    """,
    "sentences/en-US/navigation.yaml": """
        language: en-US
        intents:
          AMAZON.NextIntent:
            sentences: [next, skip it]
    """,
}
# The privacy policy and terms as shipped: `acupressure serve` publishes them from any content set.
TINY["policies.yaml"] = (DEFAULT_CONTENT_DIR / "policies.yaml").read_text(encoding="utf-8")


def write_content(directory: Path, files: dict[str, str] | None = None) -> Path:
    """Write the tiny content set (or a variant) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in (files or TINY).items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return directory


class ToneEngine:
    """Fast, deterministic stand-in for a TTS engine: each word a short voiced tone burst."""

    name = "tone"
    RATE = 22050

    def __init__(self, fail_on: str | None = None, tag: str = "1") -> None:
        self.fail_on = fail_on
        self.tag = tag
        self.calls: list[str] = []

    def identity(self) -> str:
        return f"tone:{self.tag}"

    def synthesize(self, text: str, voice=None) -> Speech:
        if self.fail_on and self.fail_on in text:
            raise EngineError(f"tone engine told to fail on {text!r}")
        self.calls.append(text)
        out = []
        for word in text.split():
            f0 = 110 + int(hashlib.sha256(word.encode()).hexdigest()[:2], 16)
            n = int(self.RATE * (0.12 + 0.03 * len(word)))
            t = np.arange(n) / self.RATE
            env = np.sin(np.pi * np.arange(n) / n) ** 2
            burst = env * sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6))
            out += [0.4 * burst / np.abs(burst).max(), np.zeros(int(self.RATE * 0.05))]
        # Real engines pad with quiet; the renderer must trim it.
        pad = np.zeros(int(self.RATE * 0.2))
        return Speech(np.concatenate([pad, *out, pad]), self.RATE)


def rms_db(x: np.ndarray, rate: int, win_ms: float = 5.0) -> np.ndarray:
    """RMS level (dBFS) in consecutive windows."""
    n = int(rate * win_ms / 1000)
    frames = x[: len(x) // n * n].reshape(-1, n)
    return 20 * np.log10(np.sqrt((frames ** 2).mean(axis=1)) + 1e-12)


def quiet_runs(x: np.ndarray, rate: int, threshold_db: float = -60.0, min_s: float = 1.0,
               win_ms: float = 5.0) -> list[tuple[float, float]]:
    """(start_s, length_s) of every stretch quieter than threshold lasting at least min_s."""
    quiet = rms_db(x, rate, win_ms) < threshold_db
    win_s = int(rate * win_ms / 1000) / rate  # whole samples: 220 at 44.1 kHz is 4.989 ms, not 5
    runs, start = [], None
    for i, q in enumerate([*quiet, False]):
        if q and start is None:
            start = i
        elif not q and start is not None:
            if (i - start) * win_s >= min_s:
                runs.append((start * win_s, (i - start) * win_s))
            start = None
    return runs


# For a render in another process (`acupressure serve --render --engine render_fixtures:SlowToneEngine`),
# set by environment: a file synthesis waits for, a delay per line, a directory where each process that
# synthesises leaves its pid.
TONE_GATE_ENV = "ACUPRESSURE_TEST_TONE_GATE"
TONE_DELAY_ENV = "ACUPRESSURE_TEST_TONE_DELAY_S"
TONE_PIDS_ENV = "ACUPRESSURE_TEST_TONE_PIDS"
GATE_TIMEOUT_S = 120.0


class SlowToneEngine(ToneEngine):
    """The tone engine held back as the environment says: until a gate file exists, and by a delay."""

    def synthesize(self, text: str, voice=None) -> Speech:
        pids = os.environ.get(TONE_PIDS_ENV)
        if pids:
            (Path(pids) / str(os.getpid())).touch()
        gate = os.environ.get(TONE_GATE_ENV)
        deadline = time.monotonic() + GATE_TIMEOUT_S
        while gate and not Path(gate).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(float(os.environ.get(TONE_DELAY_ENV) or 0))
        return super().synthesize(text, voice)
