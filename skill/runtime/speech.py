"""Spoken replies: prompt look-up with variants, SSML building and escaping, Alexa's size limits.

Replies are spoken in the request's locale: the pipeline enters `Prompts.speaking(locale)` around
each request, and then prompts come from that locale's table (its overlay merged over the default
locale's) and {emergency_number}, {doctor} and the locale's other words are filled in, both in
prompts and in any content text added to a Speech.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import field
from typing import Any
from urllib.parse import quote

from skill.runtime.content.store import SLOT_PROMPT_PREFIX
from skill.runtime.records import record

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
# U+FFFE/U+FFFF): escaping cannot help, so they are dropped. Written as the few ranges not allowed
# (the complement of XML's Char production). Compiled at the first text that may hold one (0.5 ms a
# cold start need not pay): plain text, all at or above the space and below the surrogates, cannot.
_XML_ILLEGAL = "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"


class PromptError(KeyError):
    """A prompt key is missing from content/responses/<locale>.yaml (or a slot list)."""


DEFAULT_LOCALE = "en-US"
EMERGENCY_NUMBER = "emergency_number"
# A {name} in text: what the current locale's words may fill.
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@record(frozen=True)
class Speaking:
    """The locale a reply is being spoken in, and its words for {placeholders} ({emergency_number}...)."""

    locale: str
    fills: Mapping[str, str]


_SPEAKING: ContextVar[Speaking | None] = ContextVar("speaking", default=None)


def speaking_now() -> Speaking | None:
    """The locale of the request being answered in this thread, if any."""
    return _SPEAKING.get()


def fill_locale(text: str, fills: Mapping[str, str] | None = None) -> str:
    """Text with the locale's words in place of {emergency_number}, {doctor} ...; other braces kept."""
    if fills is None:
        current = _SPEAKING.get()
        fills = current.fills if current is not None else {}
    if not fills or "{" not in text:
        return text
    return _PLACEHOLDER.sub(lambda m: fills.get(m.group(1), m.group(0)), text)


def digits_of_emergency_number(ssml_text: str) -> str:
    """The locale's emergency number read digit by digit ("nine nine nine", never "nine hundred and
    ninety-nine"), wherever it stands alone in escaped SSML text."""
    current = _SPEAKING.get()
    number = current.fills.get(EMERGENCY_NUMBER) if current is not None else None
    if not number or number not in ssml_text:
        return ssml_text
    return re.sub(rf"(?<![\d.,]){re.escape(number)}(?![\d]|[.,]\d)",
                  f'<say-as interpret-as="digits">{number}</say-as>', ssml_text)


@record
class Prompts:
    """The skill's own wording (Content.prompts: content/responses/<locale>.yaml, and the slot lists'
    words as `slot_<list>_<id>`); a list value is a set of variants.

    `table` is the default locale's; `locales` holds every locale's (overlays merged) and `fills` each
    locale's words for {emergency_number} and the like. Inside `speaking(locale)` the locale's table
    and words are used; outside it, the default locale's.
    """

    table: Mapping[str, str | list[str]]
    rng: random.Random = field(default_factory=random.Random)
    locales: Mapping[str, Mapping[str, str | list[str]]] = field(default_factory=dict)
    fills: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    default_locale: str = DEFAULT_LOCALE

    def locale_of(self, requested: object) -> str:
        """The locale to answer a request in: the request's if known ('en_gb' too), else the default."""
        if isinstance(requested, str):
            wanted = requested.strip().replace("_", "-").lower()
            for known in (*self.locales, *self.fills):
                if known.lower() == wanted:
                    return known
        return self.default_locale

    @contextmanager
    def speaking(self, requested: object) -> Iterator[str]:
        """Answer in the request's locale (unknown: the default) until the block ends; yields it."""
        locale = self.locale_of(requested)
        token = _SPEAKING.set(Speaking(locale, self._fills_for(locale)))
        try:
            yield locale
        finally:
            _SPEAKING.reset(token)

    @property
    def locale(self) -> str:
        """The locale being spoken now."""
        current = _SPEAKING.get()
        return current.locale if current is not None else self.default_locale

    def _fills_for(self, locale: str) -> Mapping[str, str]:
        return self.fills.get(locale) or self.fills.get(self.default_locale) or {}

    def _table(self) -> Mapping[str, str | list[str]]:
        return self.locales.get(self.locale, self.table)

    def variants(self, key: str) -> list[str]:
        """Every variant of a prompt, in the locale being spoken."""
        try:
            value = self._table()[key]
        except KeyError as exc:
            raise PromptError(key) from exc
        return [value] if isinstance(value, str) else list(value)

    def slot_choice(self, slot_list: str, choices: Iterable[str], ids: Iterable[str], raw: str | None) -> str | None:
        """Which of `choices` (value ids of the slot list `slot_list`) a slot names: an id entity resolution
        gave, else the words heard, equal to an id or to one of its words in the list (any case or spacing)."""
        known = list(choices)
        for ident in ids:
            if ident in known:
                return ident
        said = " ".join((raw or "").lower().split())
        if not said:
            return None
        for ident in known:
            words = self.variants(f"{SLOT_PROMPT_PREFIX}{slot_list}_{ident}")
            if said == ident or said in (" ".join(w.lower().split()) for w in words):
                return ident
        return None

    def has(self, key: str) -> bool:
        return key in self._table()

    def say(self, key: str, **fields: Any) -> str:
        """One variant of a prompt, with {placeholders} filled in (plain text, not SSML): the caller's
        fields, and the locale's words ({emergency_number} ...) for what the caller does not give."""
        words = {**self._fills_for(self.locale), **fields}
        return self.rng.choice(self.variants(key)).format(**words).strip()

    def fill(self, text: str) -> str:
        """Content text (not a prompt) with the locale's words for {emergency_number} and the like."""
        return fill_locale(text, self._fills_for(self.locale))

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
    if not text or (min(text) >= " " and max(text) < "\ud800"):
        return text
    return re.sub(_XML_ILLEGAL, "", text)


def escape(text: str) -> str:
    """Make plain text safe inside SSML text (&, < and >, as xml.sax.saxutils.escape, whose import pulls
    in urllib.request and ssl at cold start)."""
    return xml_safe(text).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def escape_attr(text: str) -> str:
    """Make a value safe inside a double-quoted SSML attribute."""
    return escape(text).replace('"', "&quot;")


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


@record
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
        """Add sentences of plain text; the locale's words replace {emergency_number} and the like."""
        for t in texts:
            t = fill_locale(t.strip())
            if t:
                self.parts.append(digits_of_emergency_number(escape(t)))
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
