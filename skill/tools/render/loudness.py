"""Loudness: ITU-R BS.1770 integrated loudness (pyloudnorm), true peak (4x oversampling), normalisation."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from skill.tools.render.shapes import Samples

TARGET_LUFS = -16.0        # integrated loudness of every rendered file (speech podcasts, Alexa)
TRUE_PEAK_MAX_DBTP = -1.0  # no file may exceed this
# Limiter ceiling before encoding: MP3 encoding adds inter-sample overshoot, so keep a margin.
LIMITER_CEILING_DBTP = -1.8
OVERSAMPLE = 4
_MIN_MEASURE_S = 0.5  # pyloudnorm needs at least one 400 ms gating block


def _db(x: float) -> float:
    return float(20.0 * np.log10(max(x, 1e-12)))


SILENT = 1e-4          # -80 dBFS: quieter than this counts as silence
_GATE_BLOCK_S = 0.4    # BS.1770 gating block
_GATE_HOP_S = 0.1      # 75 % overlap


def _silent_runs(x: Samples, min_len: int) -> list[tuple[int, int]]:
    """[start, end) of every run of near-silent samples at least min_len long."""
    quiet = np.abs(x) < SILENT
    edges = np.flatnonzero(np.diff(np.concatenate([[0], quiet.astype(np.int8), [0]])))
    return [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= min_len]


def squeeze_silence(samples: Samples, rate: int) -> Samples:
    """Drop whole gating hops from inside long silences; the BS.1770 result is unchanged.

    Every gating block that overlaps sound keeps its exact samples (0.5 s margins stay on both
    sides, and only whole 100 ms hops go), and the blocks removed were all below the -70 LUFS
    absolute gate, which excludes them from both gates anyway. A one-minute hold then costs nothing
    to measure.
    """
    hop = round(_GATE_HOP_S * rate)
    margin = round(0.5 * rate)
    if hop * 10 != rate:  # hops must be whole samples for the shift to be exact
        return samples
    keep = np.ones(len(samples), dtype=bool)
    for a, b in _silent_runs(samples, 2 * margin + 10 * hop):
        m = (b - a - 2 * margin) // hop
        keep[a + margin: a + margin + m * hop] = False
    return samples[keep]


@lru_cache(maxsize=4)
def _k_filters(rate: int) -> tuple[tuple[Samples, Samples, float], ...]:
    """pyloudnorm's BS.1770 K-weighting stages at this rate: (b, a, passband gain)."""
    import pyloudnorm

    return tuple((f.b, f.a, f.passband_gain) for f in pyloudnorm.Meter(rate)._filters.values())


def integrated_lufs(samples: Samples, rate: int) -> float:
    """Integrated loudness (LUFS, gated) of mono float samples: pyloudnorm's meter, its block loop vectorised.

    Same K-weighting filters, block bounds and gates as pyloudnorm.Meter.integrated_loudness
    (tests hold the two to 0.001 LU), at a fraction of the cost.
    """
    from scipy.signal import lfilter

    x = squeeze_silence(np.asarray(samples, dtype=np.float64), rate)
    if len(x) < _MIN_MEASURE_S * rate:
        # Pad short clips with silence: the absolute gate (-70 LUFS) drops the padding.
        x = np.concatenate([x, np.zeros(int(_MIN_MEASURE_S * rate) - len(x))])
    for b, a, g in _k_filters(rate):
        x = g * lfilter(b, a, x)
    t_g, step = _GATE_BLOCK_S, 0.25
    n_blocks = int(np.round((len(x) / rate - t_g) / (t_g * step))) + 1
    j = np.arange(n_blocks)
    lo = (t_g * (j * step) * rate).astype(np.int64)
    hi = np.minimum((t_g * (j * step + 1) * rate).astype(np.int64), len(x))
    energy = np.concatenate([[0.0], np.cumsum(x * x)])
    z = (energy[hi] - energy[lo]) / (t_g * rate)
    with np.errstate(divide="ignore"):
        lk = -0.691 + 10.0 * np.log10(z)
    above = lk >= -70.0
    if not above.any():
        return float("-inf")
    gamma_r = -0.691 + 10.0 * np.log10(z[above].mean()) - 10.0
    gated = (lk > gamma_r) & (lk > -70.0)
    if not gated.any():
        return float("-inf")
    return float(-0.691 + 10.0 * np.log10(z[gated].mean()))


_CHUNK = 256   # samples per true-peak chunk
_CONTEXT = 64  # samples of context each side: far more than the interpolation filter's reach
_BATCH = 1024  # chunks oversampled per call


def _chunk_peaks(x: Samples, floor: float) -> tuple[NDArray[np.intp], Samples]:
    """Chunks whose sample peak tops `floor`, and their per-sample 4x-oversampled |x|.

    Everywhere else the sample peak stands: a chunk 6 dB under the peak cannot reach it between
    samples, so only the loud chunks are worth oversampling.
    """
    from scipy.signal import resample_poly

    n = len(x)
    n_chunks = -(-n // _CHUNK)
    padded = np.concatenate([np.zeros(_CONTEXT), x, np.zeros(n_chunks * _CHUNK - n + _CONTEXT)])
    body = np.abs(padded[_CONTEXT: _CONTEXT + n_chunks * _CHUNK]).reshape(n_chunks, _CHUNK)
    sel = np.flatnonzero(body.max(axis=1) > floor)
    out = np.empty((len(sel), _CHUNK))
    offsets = np.arange(_CHUNK + 2 * _CONTEXT)
    for i in range(0, len(sel), _BATCH):
        part = sel[i: i + _BATCH]
        seg = padded[part[:, None] * _CHUNK + offsets[None, :]]
        up = np.abs(resample_poly(seg, OVERSAMPLE, 1, axis=1))
        up = up[:, OVERSAMPLE * _CONTEXT: OVERSAMPLE * (_CONTEXT + _CHUNK)]
        out[i: i + len(part)] = np.maximum(up.reshape(len(part), _CHUNK, OVERSAMPLE).max(axis=2),
                                           body[part])
    return sel, out


def oversampled_abs(samples: Samples) -> Samples:
    """|x| after 4x polyphase oversampling, reduced to the maximum per original sample."""
    from scipy.signal import resample_poly

    up: Samples = np.abs(resample_poly(np.asarray(samples, dtype=np.float64), OVERSAMPLE, 1))
    n = len(samples)
    up = up[: n * OVERSAMPLE]
    if len(up) < n * OVERSAMPLE:
        up = np.concatenate([up, np.zeros(n * OVERSAMPLE - len(up))])
    peaks: Samples = up.reshape(n, OVERSAMPLE).max(axis=1)  # numpy types a reduction along an axis as Any
    return peaks


def true_peak_dbtp(samples: Samples) -> float:
    """True peak in dBTP: the sample peak of the signal oversampled 4x (BS.1770-4 Annex 2).

    Only chunks within 6 dB of the sample peak are oversampled (with context on each side).
    """
    x = np.asarray(samples, dtype=np.float64)
    if len(x) == 0:
        return -120.0
    peak = float(np.abs(x).max())
    _, env = _chunk_peaks(x, peak / 2.0)
    return _db(max(peak, float(env.max(initial=0.0))))


def _peaks_near(samples: Samples, rate: int, floor: float) -> Samples:
    """Per-sample true-peak envelope, oversampling only the chunks whose sample peak tops `floor`."""
    peaks = np.abs(samples)
    sel, env = _chunk_peaks(np.asarray(samples, dtype=np.float64), floor)
    if len(sel):
        n_chunks = -(-len(peaks) // _CHUNK)
        full = np.concatenate([peaks, np.zeros(n_chunks * _CHUNK - len(peaks))]).reshape(n_chunks, _CHUNK)
        full[sel] = env
        peaks = full.reshape(-1)[: len(peaks)]
    return peaks


def limit(samples: Samples, rate: int, ceiling_dbtp: float) -> Samples:
    """Look-ahead peak limiter: smooth gain so the true peak stays at or below the ceiling."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = 10.0 ** (ceiling_dbtp / 20.0)
    peaks = _peaks_near(samples, rate, ceiling / 2.0)
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    if need.min() >= 1.0:
        return samples
    w = max(1, int(0.005 * rate))  # 5 ms attack/release window
    # min over +-w then mean over +-w/2: the mean never exceeds the need at any peak.
    gain: Samples = uniform_filter1d(minimum_filter1d(need, size=2 * w + 1), size=w | 1)
    gain = np.minimum(gain, need)  # guard against float round-off
    return samples * gain


def normalize(samples: Samples, rate: int, target_lufs: float = TARGET_LUFS,
              ceiling_dbtp: float = LIMITER_CEILING_DBTP) -> Samples:
    """Gain to the target integrated loudness, with a true-peak limiter; a few passes converge."""
    x = np.asarray(samples, dtype=np.float64)
    if not np.any(x):
        return x
    lufs = integrated_lufs(x, rate)
    if not np.isfinite(lufs):
        return x
    # Integrated loudness moves with a plain gain (its relative gate moves along), so when the peaks
    # leave room for that gain, one multiplication lands on the target and no limiter pass is needed.
    # Already within 0.1 LU (as a file of lines normalised alike is) with its peaks under the
    # ceiling, it is left as it is: the passes below accept 0.1 LU too.
    gain_db = target_lufs - lufs
    peak = true_peak_dbtp(x)
    if peak + gain_db <= ceiling_dbtp:
        scaled: Samples = x * float(10.0 ** (gain_db / 20.0))
        return scaled
    if abs(gain_db) < 0.1 and peak <= ceiling_dbtp:
        return x
    for _ in range(4):
        x = limit(x * 10.0 ** ((target_lufs - lufs) / 20.0), rate, ceiling_dbtp)
        lufs = integrated_lufs(x, rate)
        if not np.isfinite(lufs) or abs(lufs - target_lufs) < 0.1:
            break
    return x
