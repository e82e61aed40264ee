"""What the free-text readers share: number words, months, the `Reading` they fill, sentence bounds.

Pure standard library: importing this module must stay cheap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

NUMBER_WORDS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "twenty-four": 24, "twenty four": 24, "twenty-six": 26, "twenty six": 26, "thirty": 30,
    "fifty-two": 52, "fifty two": 52, "a": 1, "an": 1,
}
# Longest first so "twenty-four" wins over "twenty"; "a"/"an" only count where a number is expected.
NUM_WORD_RE = "|".join(sorted((re.escape(w) for w in NUMBER_WORDS if w not in ("a", "an")), key=len, reverse=True))
NUM = rf"(?:\d+(?:\.\d+)?|{NUM_WORD_RE})"
# Shares and thresholds are written in digits; accepting "one" there would read "holdback, one
# initial allocation" as a 100 % holdback.
DIGITS = r"\d+(?:\.\d+)?"

MONTHS: dict[str, int] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))

def number(token: str) -> float:
    token = token.strip().lower()
    if token in NUMBER_WORDS:
        return float(NUMBER_WORDS[token])
    return float(token)


def ratio(token: str, percent: bool) -> tuple[float, str | None]:
    """A share written as '30%', '30 percent', '0.3' or '30'; returns (value, note-if-guessed)."""
    value = number(token)
    if percent:
        return value / 100.0, None
    if value > 1.0:
        # "holdback 30" almost always means 30 %, never 3000 %.
        return value / 100.0, f"read '{token}' as {value:g}%"
    return value, None


@dataclass
class Reading:
    """Fields read from the text, with the spans that produced them."""

    values: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    # season_start as (month, day, year|None) before the year rule is applied
    start_parts: tuple[int, int, int | None] | None = None
    category_text: str | None = None

    def put(self, name: str, value: Any, match: re.Match[str] | tuple[int, int] | None = None) -> None:
        self.values[name] = value
        if match is not None:
            self.spans.append(match.span() if isinstance(match, re.Match) else match)

    def used(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.spans)


def sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    start = max(text.rfind(".", 0, pos), text.rfind("\n", 0, pos), text.rfind(";", 0, pos)) + 1
    ends = [i for i in (text.find(".", pos), text.find("\n", pos), text.find(";", pos)) if i != -1]
    return start, (min(ends) if ends else len(text))
