"""Render settings: formats, loudness target, timing of gaps and cues. All of it feeds the file hashes."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field

from skill.tools.render.loudness import LIMITER_CEILING_DBTP, TARGET_LUFS, TRUE_PEAK_MAX_DBTP

# Bump when assembly changes in a way the settings below do not capture: re-renders everything.
RENDERER_VERSION = 1
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


ALEXA = Format(sample_rate=24000, bitrate_kbps=48)      # SSML <audio> rules: 48 kbps, 24 kHz, mono
DOWNLOAD = Format(sample_rate=44100, bitrate_kbps=128)  # listening quality, mono speech


@dataclass(frozen=True)
class Settings:
    """Everything besides text and voice that changes the audio."""

    alexa: Format = ALEXA
    download: Format = DOWNLOAD
    target_lufs: float = TARGET_LUFS
    true_peak_max_dbtp: float = TRUE_PEAK_MAX_DBTP
    limiter_ceiling_dbtp: float = LIMITER_CEILING_DBTP
    line_gap_ms: int = 600      # between spoken lines
    after_cue_ms: int = 500     # after the end-of-hold chime, before the release lines
    step_gap_ms: int = 1500     # between steps in a downloadable routine
    lead_ms: int = 150          # quiet at the start and end of every file
    chime_ms: int = 1800
    chime_level_db: float = -14.0   # chime peak, before the file is normalised
    tick_ms: int = 350
    tick_level_db: float = -26.0    # halfway / countdown ticks are softer than the chime
    trim_threshold_db: float = -50.0  # speech clips are trimmed to their audible part
    hold_cues: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
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
