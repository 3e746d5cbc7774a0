"""Render settings: formats, loudness target, timing of gaps and cues. All of it feeds the file hashes."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from skill.tools.render.loudness import LIMITER_CEILING_DBTP, TARGET_LUFS, TRUE_PEAK_MAX_DBTP

# Bump when assembly changes in a way the settings below do not capture: re-renders everything.
RENDERER_VERSION = 2
HOLD_CUES_ENV = "ACUPRESSURE_HOLD_CUES"  # comma list: "halfway", "countdown" (3-2-1 ticks)
AUDIO_BASE_URL_ENV = "ACUPRESSURE_AUDIO_BASE_URL"
DEFAULT_AUDIO_BASE_URL = "http://127.0.0.1:8080/audio/"
PRODUCT = "Acupressure Coach"  # ID3 artist/album and feed title: the product's name, not speech
MAX_ALEXA_S = 240.0           # SSML <audio> and a single response: at most 240 s


@dataclass(frozen=True)
class Format:
    """An MP3 output format."""

    sample_rate: int
    bitrate_kbps: int
    # How much quieter the decoded MP3 measures than its PCM (the encoder's low-pass takes highs
    # that K-weighting counts): loudness is set this much higher before the one encode.
    encoder_loss_lu: float = 0.0


ALEXA = Format(sample_rate=24000, bitrate_kbps=48, encoder_loss_lu=0.42)  # SSML <audio>: 48 kbps, 24 kHz, mono
# Podcast-normal for mono speech. 24 kHz keeps 576-sample frames (holds splice exactly) and loses
# nothing: the Piper voice itself is 22.05 kHz.
DOWNLOAD = Format(sample_rate=24000, bitrate_kbps=64, encoder_loss_lu=0.4)
RENDER_RATE = 24000  # every file is assembled at this rate, so no encoder ever resamples


class Pace(StrEnum):
    """How a line is spoken: calm guidance (routines, scripts, point instructions) or dialog."""

    GUIDANCE = "guidance"
    DIALOG = "dialog"


@dataclass(frozen=True)
class Voice:
    """Piper's knobs for one pace: slower (length_scale), steadier (noise), pauses between sentences."""

    length_scale: float
    noise_scale: float
    noise_w: float
    sentence_ms: int


# Tuned by ear and by tests/test_render_pacing.py: joe-medium at 1.0 runs ~215 words a minute.
GUIDANCE_VOICE = Voice(length_scale=1.35, noise_scale=0.6, noise_w=0.6, sentence_ms=700)
DIALOG_VOICE = Voice(length_scale=1.08, noise_scale=0.667, noise_w=0.8, sentence_ms=350)


@dataclass(frozen=True)
class Settings:
    """Everything besides text and voice that changes the audio."""

    alexa: Format = ALEXA
    download: Format = DOWNLOAD
    target_lufs: float = TARGET_LUFS
    true_peak_max_dbtp: float = TRUE_PEAK_MAX_DBTP
    limiter_ceiling_dbtp: float = LIMITER_CEILING_DBTP
    line_gap_ms: int = 1200     # between instructions in guidance (steps, routines, scripts)
    dialog_gap_ms: int = 600    # between lines of a dialog prompt
    settle_ms: int = 2500       # after the last instruction, before a hold or pause starts
    switch_settle_ms: int = 2500  # after "switch sides", before the next instruction
    after_cue_ms: int = 1200    # after the end-of-hold chime, before the release lines
    step_gap_ms: int = 2000     # between steps in a downloadable routine
    guidance_voice: Voice = GUIDANCE_VOICE
    dialog_voice: Voice = DIALOG_VOICE
    lead_ms: int = 150          # quiet at the start and end of every file
    chime_ms: int = 1800
    chime_level_db: float = -14.0   # chime peak, before the file is normalised
    tick_ms: int = 350
    tick_level_db: float = -26.0    # halfway / countdown ticks are softer than the chime
    trim_threshold_db: float = -50.0  # speech clips are trimmed to their audible part
    hold_cues: tuple[str, ...] = field(default_factory=tuple)

    def voice(self, pace: Pace) -> Voice:
        """Piper's settings for a pace."""
        return self.guidance_voice if pace is Pace.GUIDANCE else self.dialog_voice

    def as_dict(self) -> dict[str, Any]:
        """The settings as JSON (nested formats and voices), for file hashes and the manifest."""
        return {**asdict(self), "renderer_version": RENDERER_VERSION}

    @staticmethod
    def from_env() -> Settings:
        """Defaults, with optional hold cues from $ACUPRESSURE_HOLD_CUES."""
        raw = os.environ.get(HOLD_CUES_ENV, "")
        cues = tuple(sorted({c.strip() for c in raw.split(",") if c.strip()}))
        unknown = set(cues) - {"halfway", "countdown"}
        if unknown:
            raise ValueError(f"{HOLD_CUES_ENV}: unknown cue(s) {', '.join(sorted(unknown))}; "
                             "use halfway and/or countdown")
        return Settings(hold_cues=cues)


def audio_base_url() -> str:
    """Public base URL of the audio directory, for the feed's enclosures."""
    url = os.environ.get(AUDIO_BASE_URL_ENV) or DEFAULT_AUDIO_BASE_URL
    return url if url.endswith("/") else url + "/"
