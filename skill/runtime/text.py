"""One text toolkit: normalising what people say or write, and number words both ways.

Used by the content look-up, the safety screening, the local NLU and the model builder, so that
"BL-23", "bl23" and "Bladder twenty-three" are cut into words the same way everywhere.
English number words are language mechanics, not wording the skill speaks, so they live here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
         "nineteen")
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
# Read but never written: a common misspelling, and ordinals people use for numbered things.
_TENS_READ = {w: 10 * i for i, w in enumerate(TENS) if w} | {"fourty": 40}
_UNITS_READ = {w: i for i, w in enumerate(UNITS)}
_ORDINALS_READ = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}

# Spelled-out English contractions, for matching words rather than spellings ("can't" = "cannot").
CONTRACTIONS: tuple[tuple[str, str], ...] = (
    ("can't", "cannot"), ("cant", "cannot"), ("can not", "cannot"), ("couldn't", "could not"),
    ("won't", "will not"), ("wont", "will not"), ("don't", "do not"), ("dont", "do not"),
    ("doesn't", "does not"), ("didn't", "did not"), ("i'm", "i am"), ("im", "i am"),
    ("i've", "i have"), ("ive", "i have"), ("it's", "it is"), ("that's", "that is"),
    ("we're", "we are"), ("she's", "she is"), ("isn't", "is not"), ("aren't", "are not"),
    ("haven't", "have not"), ("there's", "there is"), ("i'd", "i would"), ("i'll", "i will"),
    ("baby's", "baby has"),
)
_SPELLED_OUT = dict(CONTRACTIONS)
# One pass over the words (no spelled-out form contains another contraction); longest first.
_CONTRACTION_RX = re.compile(
    "(?<![a-z'])(?:" + "|".join(re.escape(s) for s in sorted(_SPELLED_OUT, key=len, reverse=True)) + ")(?![a-z'])")

# Anything but letters, digits and apostrophes separates words; so does a dot, unless between digits.
_SEPARATORS = re.compile(r"[^\w'.]|_|(?<!\d)\.|\.(?!\d)")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_DIGITS = re.compile(r"\d+")


def normalize(text: str, *, split_digits: bool = False) -> str:
    """Lower-case words with plain apostrophes and single spaces; no punctuation but a decimal point.

    With split_digits, letters and digits are cut apart ("bl23" -> "bl 23").
    """
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    # "&" is said "and" ("A&E" is "a and e"), as Alexa hears it and as the model's samples spell it.
    text = text.replace("&", " and ")
    text = _SEPARATORS.sub(" ", text)
    if split_digits:
        text = _LETTER_DIGIT.sub(" ", text)
    return " ".join(text.split())


def expand_contractions(words: str) -> str:
    """Contractions spelled out ("i can't" -> "i cannot") in normalised words."""
    return _CONTRACTION_RX.sub(lambda m: _SPELLED_OUT[m.group()], words)


def number_words(n: int) -> str:
    """0..99 as spoken words ('54' -> 'fifty four'); larger numbers digit by digit."""
    if n < 20:
        return UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return TENS[tens] + (f" {UNITS[unit]}" if unit else "")
    return " ".join(UNITS[int(d)] for d in str(n))


def spell_numbers(text: str) -> str:
    """Every run of digits as words ('bl 23' -> 'bl twenty three')."""
    return _DIGITS.sub(lambda m: number_words(int(m.group())), text)


def words_to_numbers(tokens: Iterable[str], *, ordinals: bool = False) -> list[str]:
    """Number words as digits: 'fifty four' -> '54', 'twenty three' -> '23'; other words kept.

    With ordinals, 'first' to 'fifth' count too ('bladder twenty third' is how some say 23).
    """
    units = _UNITS_READ | _ORDINALS_READ if ordinals else _UNITS_READ
    words = list(tokens)
    out: list[str] = []
    i = 0
    while i < len(words):
        t = words[i]
        if t in _TENS_READ:
            value = _TENS_READ[t]
            if i + 1 < len(words) and 0 < units.get(words[i + 1], 0) < 10:
                value += units[words[i + 1]]
                i += 1
            out.append(str(value))
        elif t in units:
            out.append(str(units[t]))
        else:
            out.append(t)
        i += 1
    return out


def number_word_pattern() -> str:
    """A regex alternation matching one number word (one to nineteen, twenty to ninety) or digits."""
    words = [*UNITS[1:], *TENS[2:]]
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + r"|\d+)"
