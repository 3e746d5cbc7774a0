"""The loudness meter and limiter against known signals (BS.1770 calibration, inter-sample peaks)."""

import numpy as np
import pyloudnorm
import pytest

from skill.tools.render import loudness

# Slow tier (render: the loudness meter over seconds of audio): `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow

RATE = 48000


def sine(freq: float, amp: float, seconds: float, rate: int = RATE, phase: float = 0.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return amp * np.sin(2 * np.pi * freq * t + phase)


def speechlike(rate: int, seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(rate * seconds)
    env = np.abs(np.sin(np.linspace(0, 9 * np.pi, n))) ** 3
    return 0.5 * env * rng.standard_normal(n)


def test_calibration_sine_reads_minus_3_lufs_below_its_peak_level():
    # BS.1770: a 997 Hz sine at -20 dBFS peak in one channel reads -23.0 LUFS.
    assert loudness.integrated_lufs(sine(997, 0.1, 5), RATE) == pytest.approx(-23.01, abs=0.1)


def test_true_peak_sees_the_peak_between_samples():
    # fs/4 at 45 degrees: every sample is at 0.707 (-3 dBFS) but the waveform peaks at 0 dBFS.
    x = sine(RATE / 4, 1.0, 0.1, phase=np.pi / 4)
    assert 20 * np.log10(np.abs(x).max()) == pytest.approx(-3.01, abs=0.01)
    assert loudness.true_peak_dbtp(x) == pytest.approx(0.0, abs=0.3)


@pytest.mark.parametrize("rate", [22050, 24000, 44100])
def test_skipping_long_silence_does_not_change_the_measurement(rate):
    x = np.concatenate([np.zeros(rate // 7), speechlike(rate, 3), np.zeros(rate * 61 + 123),
                        speechlike(rate, 2, seed=1) * 0.3, np.zeros(rate * 5)])
    full = pyloudnorm.Meter(rate).integrated_loudness(x)
    assert len(loudness.squeeze_silence(x, rate)) < len(x) / 5
    assert loudness.integrated_lufs(x, rate) == pytest.approx(full, abs=0.01)
    oversampled = np.abs(loudness.oversampled_abs(x)).max()
    assert loudness.true_peak_dbtp(x) == pytest.approx(20 * np.log10(oversampled), abs=1e-9)


@pytest.mark.parametrize("gain", [0.05, 1.0, 3.0])
def test_normalize_hits_target_with_peaks_under_the_ceiling(gain):
    x = np.clip(speechlike(24000, 6) * gain, -1, 1)
    y = loudness.normalize(x, 24000, target_lufs=-16.0, ceiling_dbtp=-2.0)
    assert loudness.integrated_lufs(y, 24000) == pytest.approx(-16.0, abs=0.15)
    assert loudness.true_peak_dbtp(y) <= -2.0 + 0.05


def test_limiter_only_touches_what_is_too_loud():
    quiet, loud = sine(440, 0.1, 1), sine(440, 0.99, 1)
    x = np.concatenate([quiet, np.zeros(RATE), loud])
    y = loudness.limit(x, RATE, -6.0)
    assert np.allclose(y[: len(quiet)], quiet)
    assert loudness.true_peak_dbtp(y[-len(loud):]) <= -6.0 + 0.05
