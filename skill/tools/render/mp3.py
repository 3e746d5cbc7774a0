"""In-process MP3: LAME encode (lameenc), dr_mp3 decode (miniaudio), and exact splicing of silence.

At 24 kHz an MP3 frame (MPEG-2 layer III) is 576 samples, 24 ms, and a CBR frame has a fixed size,
so long digital silence can be taken out before encoding and put back afterwards as copies of
the encoder's own silent frame. The file then costs what its speech costs to encode, whatever its holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from skill.tools.render.shapes import Samples

FRAME = 576          # samples per MPEG-2 layer III frame (one granule)
SPLICE_RATES = (16000, 22050, 24000)  # MPEG-2 sample rates: 576-sample frames
# Whole frames that stay on each side of a cut in the quiet: more than the codec's reach (one
# MDCT overlap, the synthesis filter, LAME's look-ahead) and than a 400 ms loudness gating block.
MARGIN_FRAMES = 20
# Frames are cut in multiples of this: 25 x 576 samples is exactly six 100 ms loudness hops at
# 24 kHz, so the BS.1770 block grid around every sound stays where it was and the meter reads the
# cut stream exactly as it reads the whole file.
CUT_QUANTUM = 25
LAME_QUALITY = 5     # LAME's "good" speed/quality trade-off (its command-line default)


class MP3Error(Exception):
    """The encoder produced a stream we cannot splice or decode."""


def to_pcm16(samples: Samples) -> bytes:
    """16-bit little-endian mono PCM from float samples in [-1, 1]."""
    return np.clip(np.round(np.asarray(samples) * 32767.0), -32768, 32767).astype("<i2").tobytes()


def frame_bytes(rate: int, kbps: int) -> int:
    """Size of one unpadded MPEG-2 layer III frame."""
    return 72000 * kbps // rate


def encode(samples: Samples, rate: int, kbps: int) -> bytes:
    """CBR mono MP3 of float samples, no tag frames: every frame the same size."""
    import lameenc

    enc = lameenc.Encoder()
    enc.set_bit_rate(kbps)
    enc.set_in_sample_rate(rate)
    enc.set_channels(1)
    enc.set_quality(LAME_QUALITY)
    return bytes(enc.encode(to_pcm16(samples)) + enc.flush())


def decode(data: bytes) -> tuple[Samples, int]:
    """Float mono samples and rate of an MP3 stream (dr_mp3, no encoder-delay trimming)."""
    import miniaudio

    d = miniaudio.mp3_read_s16(data)
    x = np.frombuffer(d.samples, dtype="<i2").astype(np.float64) / 32768.0
    if d.nchannels > 1:
        x = x.reshape(-1, d.nchannels).mean(axis=1)
    return x, d.sample_rate


@lru_cache(maxsize=8)
def encoder_delay(rate: int, kbps: int) -> int:
    """Samples the decoded stream lags its input (LAME's 576 + the decoder's 529), measured once."""
    x = np.zeros(rate)
    x[rate // 2] = 0.5
    y, _ = decode(encode(x, rate, kbps))
    return int(np.argmax(np.abs(y))) - rate // 2


@dataclass
class Spliced:
    """An encoded file: the stream that was encoded and measured, and where silence goes back in."""

    encoded: bytes                     # the MP3 stream of the cut signal
    inserts: list[tuple[int, int]]     # (frame index in `encoded`, frames of silence to insert)
    rate: int
    kbps: int

    def whole(self) -> bytes:
        """The file: the encoded stream with every cut silence put back, as copies of the frame before."""
        size = frame_bytes(self.rate, self.kbps)
        out, pos = [], 0
        for at, n in self.inserts:
            out += [self.encoded[pos: at * size], self.encoded[(at - 1) * size: at * size] * n]
            pos = at * size
        out.append(self.encoded[pos:])
        return b"".join(out)

    @property
    def frames(self) -> int:
        """Frames in the whole file."""
        return len(self.encoded) // frame_bytes(self.rate, self.kbps) + sum(n for _, n in self.inserts)


def zero_runs(x: Samples, min_len: int) -> list[tuple[int, int]]:
    """[start, end) of every run of exact zeros at least min_len samples long."""
    nz = np.flatnonzero(x)
    if len(nz) == 0:
        return [(0, len(x))] if len(x) >= min_len else []
    starts = np.concatenate([[0], nz + 1])
    ends = np.concatenate([nz, [len(x)]])
    keep = ends - starts >= min_len
    return list(zip(starts[keep].tolist(), ends[keep].tolist(), strict=True))


def plan_cuts(x: Samples, delay: int) -> list[tuple[int, int]]:
    """(start sample in x, frames) of the silence to cut, on the output's frame grid.

    Sample i of the input is sample i + delay of the decoded stream, whose frame k covers
    [k * FRAME, (k + 1) * FRAME). A cut removes whole frames that lie deep inside a run of zeros.
    """
    cuts = []
    min_len = (2 * MARGIN_FRAMES + CUT_QUANTUM + 2) * FRAME
    for a, b in zero_runs(x, min_len):
        first = -(-(a + delay) // FRAME) + MARGIN_FRAMES   # first frame wholly inside, plus margin
        last = (b + delay) // FRAME - MARGIN_FRAMES         # one past the last usable frame
        n = (last - first) // CUT_QUANTUM * CUT_QUANTUM
        if n > 0:
            cuts.append((first * FRAME - delay, n))
    return cuts


def cut(x: Samples, cuts: list[tuple[int, int]]) -> Samples:
    """x without the cut silence."""
    if not cuts:
        return x
    keep = np.ones(len(x), dtype=bool)
    for start, n in cuts:
        keep[start: start + n * FRAME] = False
    return x[keep]


def inserts_for(cuts: list[tuple[int, int]], delay: int) -> list[tuple[int, int]]:
    """Where, in frames of the cut stream, each cut's silent frames go back."""
    out, removed = [], 0
    for start, n in cuts:
        out.append(((start + delay) // FRAME - removed, n))
        removed += n
    return out


SEARCH_FRAMES = 12  # how far from the planned point a steady run of silent frames is looked for


def place_inserts(encoded: bytes, decoded: Samples, inserts: list[tuple[int, int]], rate: int,
                  kbps: int) -> list[tuple[int, int]] | None:
    """Move each insertion point to where LAME has settled into silence; None if one has no such place.

    Copies of a frame can go after it when the three frames before the point are byte-identical
    (the bit reservoir a copy reads from then holds the same bytes) and the decoded stream is exact
    zeros around it: the file then decodes to the encoded stream with zeros inserted, sample for
    sample, wherever in the quiet the copies go.
    """
    size = frame_bytes(rate, kbps)
    if len(encoded) % size:
        return None
    placed = []
    for at, n in inserts:
        for p in sorted(range(at - SEARCH_FRAMES, at + SEARCH_FRAMES + 1), key=lambda q: abs(q - at)):
            frames = [encoded[k * size: (k + 1) * size] for k in (p - 3, p - 2, p - 1)]
            near = decoded[max(0, (p - 3) * FRAME): (p + 2) * FRAME]
            if (p >= 3 and frames[0] == frames[1] == frames[2] and len(near) == 5 * FRAME
                    and not near.any() and _decodes_silent(frames[2])):
                placed.append((p, n))
                break
        else:
            return None
    return placed


@lru_cache(maxsize=64)
def _decodes_silent(frame: bytes) -> bool:
    y, _ = decode(frame * 8)
    return not np.any(y)
