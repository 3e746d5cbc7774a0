"""Spot what must change the conversation in free text: red flags, pregnancy, pain during a routine.

Pure functions over content/safety.yaml: its phrases (normalised) plus keyword combinations, so that
phrasings nobody wrote down are still caught. Applied to every slot value the skill receives.
Errs on the side of caution: a false alarm costs a routine, a missed red flag could cost far more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from skill.runtime.content.models import RedFlag, Safety

_CONTRACTIONS = {
    "can't": "cannot", "cant": "cannot", "can not": "cannot", "couldn't": "could not", "won't": "will not",
    "wont": "will not", "don't": "do not", "dont": "do not", "doesn't": "does not", "didn't": "did not",
    "i'm": "i am", "im": "i am", "i've": "i have", "ive": "i have", "it's": "it is", "that's": "that is",
    "we're": "we are", "she's": "she is", "isn't": "is not", "aren't": "are not", "haven't": "have not",
    "there's": "there is", "i'd": "i would", "i'll": "i will", "baby's": "baby has",
}
_NUMBER_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|" \
                r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|\d+)"


def normalize(text: str) -> str:
    """Lower case, plain apostrophes, no punctuation, contractions spelled out, single spaces."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    words = " ".join(text.split())
    for short, full in _CONTRACTIONS.items():
        words = re.sub(rf"(?<![a-z']){re.escape(short)}(?![a-z'])", full, words)
    # Point names are not symptoms: "bladder twenty three", "B 54".
    words = re.sub(rf"\b(bladder|b|bl|kidney|governing vessel)\s+{_NUMBER_WORDS}(\s+{_NUMBER_WORDS})?\b", " ", words)
    return " ".join(words.split())


def _rx(*patterns: str) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in patterns]


# Building blocks (over normalised text).
_NUMB = r"(numb\w*|tingl\w*|pins and needles|no feeling|cannot feel|can not feel|could not feel|lost feeling|" \
        r"(hardly|barely|cannot really|can hardly|can barely) feel|" \
        r"losing feeling|dead|no sensation|lost sensation|strange feeling|funny feeling)"
_SADDLE = r"(groin|saddle|genital\w*|privates|private parts|bottom|bum|butt|buttock\w*|backside|anus|" \
          r"back passage|between (my )?legs|crotch|perineum|vagina|penis|scrotum|testicles|inner thighs?|" \
          r"toilet paper|when i wipe)"
_WEAK = r"(weak\w*|numb\w*|giving way|give way|gave way|giving out|give out|gave out|buckl\w*|collaps\w*|" \
        r"cannot (feel|move|lift|walk|stand)|can not (feel|move)|paralys\w*|paralyz\w*|tingl\w*|" \
        r"pins and needles|dead|heavy|will not (hold|work|move|take)|not working|like jelly|wobbly|floppy)"
_CONTROL = r"(control|hold (it|in)|leak\w*|incontinen\w*|accident|empty\w*|lost|losing|feel when|" \
           r"no feeling|cannot feel|numb)"
_TOILET = r"(bladder|bowels?|pee|peeing|wee|weeing|urin\w*|pass water|poo|pooing|poop|stools?|toilet)"

# Red flags by content id: any matching pattern means that flag. Emergency ones are checked first.
RULES: dict[str, list[re.Pattern[str]]] = {
    "bladder_bowel": _rx(
        rf"\b{_TOILET}\b.*\b{_CONTROL}\b", rf"\b{_CONTROL}\b.*\b{_TOILET}\b",
        r"\b(wet|soiled|peed|pooed|pooped|pissed|messed) (myself|my pants|my trousers|the bed)\b",
        r"\b(cannot|could not|unable to|struggling to|trouble|difficulty|hard to|will not let me) "
        r"(pee|wee|urinate|pass urine|pass water|go to the toilet|empty my bladder)\b",
        r"\b(not|never) (been )?able to (pee|wee|urinate|pass urine|pass water|empty my bladder)\b",
        r"\baccident in (my |the )?(trousers|pants|underwear|knickers|bed)\b",
        r"\b(leak\w*|dribbl\w*|wetting myself)\b",
        r"\bincontinen\w*\b", r"\burinary retention\b",
    ),
    "saddle_numbness": _rx(
        rf"\b{_NUMB}\b.*\b{_SADDLE}\b", rf"\b{_SADDLE}\b.*\b{_NUMB}\b",
        r"\bsaddle (an(a)?esthesia|area)\b",
    ),
    "both_legs": _rx(
        rf"\b(both|two|my) (legs|feet)\b.*\b{_WEAK}\b", rf"\b{_WEAK}\b.*\b(both|two|my) (legs|feet)\b",
        r"\b(both|two) (of my )?(legs|feet)\b.*\b(pain|hurt\w*|ache|aching)\b",
        r"\blegs\b.*\b(giving way|give way|gave way|gave out|giving out|buckl\w*|collaps\w*|will not hold)\b",
        r"\b(cannot|could not) (stand|walk) (up )?(properly|at all|straight)?\b.*\blegs?\b",
        r"\bcannot stand up properly\b",
    ),
    "after_injury": _rx(
        r"\b(fell|fallen|falling over|fell over|fell down|fell off|had a fall|took a fall|tripped|slipped|"
        r"stumbled|landed (hard )?on)\b",
        r"\b(accident|crash\w*|collision|collided|rear ended|whiplash|knocked (down|over)|hit by|run over)\b",
        r"\b(injur\w*|trauma\w*|fracture\w*|broke my|broken)\b",
        r"\b(fall|fell) (down|off|from|on)\b",
        r"\b(tumble|came off|thrown off|went down (hard|on)|landed (hard|badly|awkwardly))\b",
    ),
    "fever": _rx(
        r"\b(fever\w*|temperature|febrile|chills|shiver\w*|rigors|night sweats|sweating at night|sweats|"
        r"burning up|hot and cold|hot and shivery|flu like|infection)\b",
    ),
    "cancer_weight_loss": _rx(
        r"\b(cancer\w*|tumou?rs?|chemo\w*|radiotherapy|radiation therapy|oncolog\w*|malignan\w*|metasta\w*|"
        r"leuk(a)?emia|lymphoma|myeloma|carcinoma)\b",
        r"\b(losing|lost|dropping|dropped|shedding|shed|lose|losing a lot of) (a lot of |so much |some )?"
        r"(weight|pounds|kilos|stone)\b",
        r"\b(lost|dropped|shed|losing|dropping|shedding) (\w+ ){0,2}(weight|pounds|kilos|kilograms|stone|lbs)\b",
        r"\bweight\b.*\b(dropping|falling off|coming off|melting)\b",
        r"\bclothes (are |have been )?(getting )?(loose|looser|baggy|hanging off)\b",
    ),
    "severe_worsening": _rx(
        r"\bgetting (\w+ )?worse\b", r"\bworse (every|each|by the) (day|week|hour|minute)\b",
        r"\b(worse and worse|getting worse|gets worse|got worse|worsening|keeps getting worse|"
        r"worse every day|worse each day|worse by the day|increasingly bad)\b",
        r"\b(unbearable|excruciating|agony|agonising|agonizing|intolerable|worst pain|can not bear|"
        r"cannot bear|cannot stand the pain|screaming|severe|horrendous|crippling|debilitating)\b",
        r"\b(even when|even while) (i am )?(lying|resting|still|asleep|sitting still)\b",
        r"\b(keeps|kept|keeping) me (up|awake)\b", r"\bcannot sleep (for|because of) (the )?pain\b",
        r"\bnothing (helps|works|touches)\b", r"\bcannot move (for|because of) (the )?pain\b",
        r"\b(at rest|all night)\b.*\b(pain|hurt\w*)\b",
    ),
}
# "Fall asleep" is not a fall, a slipped disc is not a slip; a warm pack's temperature is not a fever.
_NOT_INJURY = re.compile(r"\b(fall|fell|falling) asleep\b|\bslipped dis[ck]s?\b")
_NOT_FEVER = re.compile(r"\b(room|water|pack|bath) temperature\b|\btemperature of\b")

_PREGNANT = _rx(
    r"\bpregnan\w*\b", r"\b(i am|we are|she is) expecting\b", r"\bexpecting (a baby|a child|twins|triplets)\b",
    r"\bhaving a baby\b",
    r"\bwith child\b", r"\bbaby on the way\b", r"\bbun in the oven\b", r"\btrimester\b",
    r"\bweeks (along|gone)\b", r"\b(baby|my) bump\b", r"\bdue date\b", r"\bi am due in\b", r"\bmy midwife\b",
    r"\btrying (to|for) (get pregnant|conceive|a baby)\b", r"\bconceiv\w*\b", r"\bivf\b",
)
_NOT_PREGNANT = _rx(
    r"\b(not|no longer|never) (pregnant|expecting)\b", r"\bnot pregnant\b",
    r"\b(had|gave birth to|delivered) (my|the|our) (baby|babies|twins)\b", r"\bgave birth\b",
    r"\b(baby|babies|twins) (was|were|has been|have been|is|are|has|have) (born|here|arrived)\b",
    r"\bpregnancy (is )?over\b", r"\bany more pregnant\b",
)
_PAIN = _rx(
    r"\b(hurts?|hurting|painful|pain|sore|ouch|ow|owch|aches?|aching|sharp|stings?|stinging|tender|"
    r"too much|too hard|too deep|burns|burning|throbbing|uncomfortable)\b",
)


class Concern(StrEnum):
    """What free text says that the skill must act on."""

    RED_FLAG = "red_flag"
    NOT_PREGNANT = "not_pregnant"
    PREGNANT = "pregnant"
    PAIN = "pain"


@dataclass(frozen=True)
class Detector:
    """Red flags, pregnancy statements and pain, from the safety content."""

    flags: dict[str, RedFlag]
    phrases: dict[str, str]  # normalised phrase -> red flag id

    @staticmethod
    def from_safety(safety: Safety) -> Detector:
        flags = {f.id: f for f in safety.red_flags}
        phrases = {normalize(p): f.id for f in safety.red_flags for p in f.phrases}
        return Detector(flags, phrases)

    def red_flag(self, text: str | None) -> RedFlag | None:
        """The red flag free text describes, emergencies first; None if it describes none."""
        if not text:
            return None
        said = normalize(text)
        if not said:
            return None
        found: list[str] = [fid for phrase, fid in self.phrases.items() if phrase and phrase in said]
        for fid, patterns in RULES.items():
            text_for = _NOT_INJURY.sub(" ", said) if fid == "after_injury" else said
            if fid == "fever" and _NOT_FEVER.search(said):
                continue
            if fid in self.flags and any(p.search(text_for) for p in patterns):
                found.append(fid)
        if not found:
            return None
        flags = [self.flags[f] for f in found if f in self.flags]
        return next((f for f in flags if f.emergency), flags[0] if flags else None)

    def pregnancy(self, text: str | None) -> Concern | None:
        """PREGNANT or NOT_PREGNANT if the text says so, else None."""
        said = normalize(text or "")
        if not said:
            return None
        if any(p.search(said) for p in _NOT_PREGNANT):
            return Concern.NOT_PREGNANT
        if any(p.search(said) for p in _PREGNANT):
            return Concern.PREGNANT
        return None

    def pain(self, text: str | None) -> bool:
        """The text says pressing hurts (checked after red flags: severe pain is one of them)."""
        said = normalize(text or "")
        return bool(said) and any(p.search(said) for p in _PAIN)

    def concern(self, text: str | None) -> Concern | None:
        """The most important thing the text says, in order of urgency."""
        if self.red_flag(text) is not None:
            return Concern.RED_FLAG
        return self.pregnancy(text) or (Concern.PAIN if self.pain(text) else None)
