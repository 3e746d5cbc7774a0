"""A file whose sharp transients the MP3 encoder overshoots still lands inside the loudness spec.

The encoder's overshoot on a click varies from one encode to the next; a render once failed a whole
first run on one such step. Encoding retries with a lower limiter ceiling and keeps the closest
encode that meets the spec (-16 LUFS +- 1 LU, true peak <= -1 dBTP on the decoded MP3).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skill.tools.render import build, loudness, mp3
from skill.tools.render.engines import PiperEngine
from skill.tools.render.pronounce import Hints
from skill.tools.render.settings import RENDER_RATE, Settings

pytestmark = pytest.mark.slow


@pytest.fixture
def worker(monkeypatch, tmp_path: Path):
    w = build._Worker(engine=PiperEngine(), settings=Settings(), hints=Hints({}), out=tmp_path)
    monkeypatch.setattr(build, "_W", w)
    return w


def clicky_speech(seed: int) -> np.ndarray:
    """Four seconds of soft syllable-like noise bursts with 200 hard clicks, the encoder's worst case."""
    rng = np.random.default_rng(seed)
    n = 4 * RENDER_RATE
    t = np.arange(n) / RENDER_RATE
    envelope = np.clip(np.sin(2 * np.pi * 3.1 * t), 0, None) ** 2
    x = 0.01 * rng.standard_normal(n) * envelope
    for at in rng.integers(0, n, 200):
        x[at:at + 2] = rng.choice([-0.95, 0.95])
    return x


@pytest.mark.parametrize("seed", [4, 6, 8, 24])  # each failed the render before retries kept going
def test_a_clicky_file_meets_the_spec_after_decoding(worker, seed):
    settings = Settings()
    enc = build._encode_measured(clicky_speech(seed), settings.alexa, settings, f"test/{seed}")
    decoded, rate = mp3.decode(enc.data)
    lufs, tp = loudness.integrated_lufs(decoded, rate), loudness.true_peak_dbtp(decoded)
    assert abs(lufs - settings.target_lufs) <= 1.0, lufs
    assert tp <= settings.true_peak_max_dbtp, tp
    assert (enc.lufs, enc.true_peak) == pytest.approx((lufs, tp), abs=0.01)
