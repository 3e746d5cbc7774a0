"""The registry-installed ffmpeg binary (imageio-ffmpeg), wired into pydub for encode and decode."""

from __future__ import annotations

import os
import subprocess
import warnings
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from skill.tools.render.shapes import Samples

if TYPE_CHECKING:
    from pydub import AudioSegment

FFMPEG_ENV = "ACUPRESSURE_FFMPEG"  # override the binary (normally imageio-ffmpeg's)


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary: $ACUPRESSURE_FFMPEG or the one shipped by imageio-ffmpeg."""
    override = os.environ.get(FFMPEG_ENV)
    if override:
        return override
    import imageio_ffmpeg

    exe: str = imageio_ffmpeg.get_ffmpeg_exe()  # imageio-ffmpeg ships no types
    return exe


def pydub() -> type[AudioSegment]:
    """pydub's AudioSegment, with its converter set to our ffmpeg (pydub never needs ffprobe here)."""
    with warnings.catch_warnings():
        # pydub warns at import when no ffmpeg is on PATH; we set the binary ourselves.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # audioop on 3.11-3.12
        from pydub import AudioSegment
    AudioSegment.converter = ffmpeg_exe()
    return AudioSegment


def segment_from_array(samples: Samples, sample_rate: int) -> AudioSegment:
    """A mono 16-bit AudioSegment from float samples in [-1, 1]."""
    pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2")
    return pydub()(data=pcm.tobytes(), sample_width=2, frame_rate=sample_rate, channels=1)


def array_from_segment(seg: AudioSegment) -> Samples:
    """Float mono samples in [-1, 1] of an AudioSegment (mixed down if needed)."""
    seg = seg.set_channels(1).set_sample_width(2)
    return np.frombuffer(seg.raw_data, dtype="<i2").astype(np.float64) / 32768.0


def encode_mp3(samples: Samples, sample_rate: int, path: Path, *, out_rate: int, bitrate_kbps: int) -> None:
    """Encode float mono samples to a CBR MP3 at `out_rate` via pydub + ffmpeg (libmp3lame)."""
    seg = segment_from_array(samples, sample_rate)
    seg.export(
        str(path),
        format="mp3",
        bitrate=f"{bitrate_kbps}k",
        parameters=["-ar", str(out_rate), "-ac", "1", "-map_metadata", "-1", "-write_xing", "1"],
    )


def decode(path: Path | str, sample_rate: int | None = None, fmt: str = "mp3") -> tuple[Samples, int]:
    """Decode an audio file with pydub + ffmpeg to float mono samples and their rate.

    Naming the codec stops pydub from calling ffprobe, which imageio-ffmpeg does not ship.
    """
    seg = pydub().from_file(str(path), format=fmt, codec=fmt)
    if sample_rate is not None and seg.frame_rate != sample_rate:
        return resample_with_ffmpeg(array_from_segment(seg), seg.frame_rate, sample_rate), sample_rate
    return array_from_segment(seg), seg.frame_rate


def decode_bytes(data: bytes, sample_rate: int) -> Samples:
    """Decode MP3 bytes (e.g. from a TTS service) to float mono samples at `sample_rate`."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "mp3", "-i", "pipe:0",
         "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1", "-ar", str(sample_rate), "pipe:1"],
        input=data, capture_output=True, check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg could not decode audio: {proc.stderr.decode(errors='replace').strip()}")
    return np.frombuffer(proc.stdout, dtype="<i2").astype(np.float64) / 32768.0


def resample_with_ffmpeg(samples: Samples, rate: int, out_rate: int) -> Samples:
    """Resample float mono samples with ffmpeg's resampler."""
    pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2").tobytes()
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", str(rate), "-ac", "1",
         "-i", "pipe:0", "-f", "s16le", "-ar", str(out_rate), "pipe:1"],
        input=pcm, capture_output=True, check=True,
    )
    return np.frombuffer(proc.stdout, dtype="<i2").astype(np.float64) / 32768.0


def probe_mp3(path: Path | str) -> dict[str, int]:
    """Sample rate, channels and bitrate (kbps) of an MP3, as ffmpeg reports them (no ffprobe)."""
    import re

    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, check=False)
    text = proc.stderr.decode(errors="replace")
    m = re.search(r"Audio: mp3[^,]*, (\d+) Hz, (mono|stereo)[^,]*, \w+, (\d+) kb/s", text)
    if not m:
        raise RuntimeError(f"not an MP3 audio stream: {path}\n{text}")
    return {"sample_rate": int(m.group(1)), "channels": 1 if m.group(2) == "mono" else 2,
            "bitrate_kbps": int(m.group(3))}
