"""What a cold start of the Lambda skill loads: only what the first request needs, and the lighter code
it uses in place of heavier imports says exactly what the heavier code said."""

from __future__ import annotations

import re
import sys
from xml.sax.saxutils import escape as sax_escape

import pytest

from skill.runtime import speech

# XML 1.0's Char production, as the skill wrote it before (a large class, slow to compile).
XML_CHAR = re.compile("[\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def test_every_character_xml_forbids_is_dropped_and_no_other() -> None:
    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    assert speech.xml_safe(everything) == "".join(XML_CHAR.findall(everything))


@pytest.mark.parametrize("said", ["Press & hold <gently>", 'the "knee" point', "Tom's > Jerry's", "\x00\ufffe ok",
                                  "&amp; already", "plain words"])
def test_spoken_text_is_escaped_as_the_standard_library_escapes_it(said: str) -> None:
    clean = speech.xml_safe(said)
    assert speech.escape(said) == sax_escape(clean)
    assert speech.escape_attr(said) == sax_escape(clean, {'"': "&quot;"})
