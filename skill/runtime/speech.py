"""Spoken replies: prompt look-up with variants, SSML building and escaping, Alexa's size limits."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape as _xml_escape

# Alexa limits (DESIGN.md): output speech characters, <audio> clips and their total length, <break>.
MAX_SPEECH_CHARS = 8000
MAX_AUDIO_CLIPS = 5
MAX_AUDIO_MS = 240_000
MAX_BREAK_S = 10
# Whole response must stay under 24 KB; speech is the only large part we produce.
MAX_RESPONSE_BYTES = 24 * 1024
# The user's own words said back ("I don't know a point called ..."): a few words are enough, and a
# slot value of any length must not crowd out the rest of the reply or the 24 KB response.
MAX_ECHO_CHARS = 80
# Characters XML 1.0 does not allow at all (C0 controls but tab/newline/return, lone surrogates,
# U+FFFE/U+FFFF): escaping cannot help, so they are dropped.
XML_ILLEGAL = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class PromptError(KeyError):
    """A prompt key is missing from content/responses/<locale>.yaml (or a slot list)."""


@dataclass
class Prompts:
    """The skill's own wording (Content.prompts: content/responses/<locale>.yaml, and the slot lists'
    words as `slot_<list>_<id>`); a list value is a set of variants."""

    table: Mapping[str, str | list[str]]
    rng: random.Random = field(default_factory=random.Random)

    def variants(self, key: str) -> list[str]:
        """Every variant of a prompt."""
        try:
            value = self.table[key]
        except KeyError as exc:
            raise PromptError(key) from exc
        return [value] if isinstance(value, str) else list(value)

    def has(self, key: str) -> bool:
        return key in self.table

    def say(self, key: str, **fields: Any) -> str:
        """One variant of a prompt, with {placeholders} filled in (plain text, not SSML)."""
        return self.rng.choice(self.variants(key)).format(**fields).strip()

    def join(self, items: Iterable[str]) -> str:
        """'a, b and c' with the conjunction from the prompts (wording stays out of code)."""
        items = [i for i in items if i]
        if len(items) <= 1:
            return "".join(items)
        # Separators keep their spaces, so no strip() here.
        sep = self.rng.choice(self.variants("list_separator"))
        last = self.rng.choice(self.variants("list_last_separator"))
        return sep.join(items[:-1]) + last + items[-1]


def xml_safe(text: str) -> str:
    """Text without the characters no XML document may contain."""
    return XML_ILLEGAL.sub("", text)


def escape(text: str) -> str:
    """Make plain text safe inside SSML text."""
    return _xml_escape(xml_safe(text))


def escape_attr(text: str) -> str:
    """Make a value safe inside a double-quoted SSML attribute."""
    return _xml_escape(xml_safe(text), {'"': "&quot;"})


def echo(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    """What the user said, fit to be said back: legal characters only, at most `limit`, cut at a word."""
    text = " ".join(xml_safe(text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip()


def audio_url(base_url: str, path: str) -> str:
    """Absolute URL of a rendered file: base URL plus the manifest's relative path, quoted."""
    return base_url.rstrip("/") + "/" + quote(path.lstrip("/"))


@dataclass
class Speech:
    """Builds one SSML reply within Alexa's limits; text is escaped as it is added."""

    parts: list[str] = field(default_factory=list)
    audio_clips: int = 0
    audio_ms: int = 0
    plain: list[str] = field(default_factory=list)

    @staticmethod
    def from_ssml(ssml: str) -> Speech:
        """A Speech holding SSML built earlier (e.g. the last reply, for 'repeat')."""
        body = ssml.strip()
        body = body.removeprefix("<speak>").removesuffix("</speak>").strip()
        speech = Speech(parts=[body] if body else [])
        speech.audio_clips = body.count("<audio ")
        speech.plain.append(strip_ssml(body))
        return speech

    def text(self, *texts: str) -> Speech:
        """Add sentences of plain text."""
        for t in texts:
            t = t.strip()
            if t:
                self.parts.append(escape(t))
                self.plain.append(t)
        return self

    def pause(self, seconds: float) -> Speech:
        """A short silence; never longer than Alexa's 10 s break (long holds are rendered audio)."""
        seconds = max(0.0, min(float(seconds), MAX_BREAK_S))
        if seconds:
            self.parts.append(f'<break time="{int(seconds * 1000)}ms"/>')
        return self

    def can_add_audio(self, duration_ms: int) -> bool:
        """Whether one more clip of this length fits Alexa's per-response audio limits."""
        return self.audio_clips + 1 <= MAX_AUDIO_CLIPS and self.audio_ms + duration_ms <= MAX_AUDIO_MS

    def audio(self, url: str, duration_ms: int) -> bool:
        """Add a pre-rendered clip if it fits the limits; False (nothing added) if not."""
        if not url.startswith(("https://", "http://")) or not self.can_add_audio(duration_ms):
            return False
        self.parts.append(f'<audio src="{escape_attr(url)}"/>')
        self.audio_clips += 1
        self.audio_ms += duration_ms
        return True

    def extend(self, other: Speech) -> Speech:
        self.parts.extend(other.parts)
        self.plain.extend(other.plain)
        self.audio_clips += other.audio_clips
        self.audio_ms += other.audio_ms
        return self

    def __bool__(self) -> bool:
        return bool(self.parts)

    def ssml(self) -> str:
        """The reply as <speak> SSML, cut at a sentence boundary if over the character limit."""
        body = " ".join(self.parts)
        budget = MAX_SPEECH_CHARS - len("<speak></speak>")
        if len(body) > budget:
            body = _truncate(body, budget)
        return f"<speak>{body}</speak>"

    def plain_text(self) -> str:
        """The spoken words without markup (for cards, logs and 'repeat')."""
        return " ".join(self.plain)


def _truncate(body: str, budget: int) -> str:
    """Cut SSML to the budget at the last sentence end outside a tag."""
    cut = body[:budget]
    # Never leave a half tag: drop anything after the last complete tag or sentence.
    last_tag_open = cut.rfind("<")
    if last_tag_open > cut.rfind(">"):
        cut = cut[:last_tag_open]
    # Nor half an escaped character ("&l" of "&lt;").
    last_amp = cut.rfind("&")
    if last_amp > cut.rfind(";"):
        cut = cut[:last_amp]
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s)", cut)]
    if ends and ends[-1] > budget // 2:
        cut = cut[: ends[-1]]
    return cut.rstrip()


def strip_ssml(ssml: str) -> str:
    """Words of an SSML string, for tests and logs."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", ssml)).strip()
