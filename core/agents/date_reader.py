"""Reading the season start from free text: ISO, slashed and written dates, the one that starts the season.

Pure standard library: importing this module must stay cheap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from core.agents.text_reading import MONTH_RE, MONTHS, Reading, sentence_bounds

_ISO_RE = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")
_SLASH_RE = re.compile(r"\b(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})\b")
_ORD = r"(?:st|nd|rd|th)?"
_MONTH_DAY_RE = re.compile(
    rf"\b(?P<mon>{MONTH_RE})\.?\s+(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}\b(?:,?\s*(?P<y>\d{{4}})\b)?", re.I
)
_DAY_MONTH_RE = re.compile(
    rf"\b(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<mon>{MONTH_RE})\b\.?(?:,?\s*(?P<y>\d{{4}})\b)?", re.I
)
_STRONG_START = re.compile(
    r"\b(?:start\w*|begin\w*|launch\w*|kick\w*\s+off|open\w*|commenc\w*|go(?:es)?\s+live)\b", re.I
)
_WEAK_START = re.compile(r"\b(?:from|on|as of|week of)\s*(?:the\s+)?$", re.I)


@dataclass
class _DateHit:
    span: tuple[int, int]
    month: int
    day: int
    year: int | None
    text: str


def _date_hits(text: str) -> list[_DateHit]:
    hits: list[_DateHit] = []

    def add(m: re.Match[str], month: int, day: int, year: int | None) -> None:
        if any(h.span[0] < m.end() and m.start() < h.span[1] for h in hits):
            return
        hits.append(_DateHit(m.span(), month, day, year, m.group(0)))

    for m in _ISO_RE.finditer(text):
        add(m, int(m.group("m")), int(m.group("d")), int(m.group("y")))
    for m in _SLASH_RE.finditer(text):
        a, b = int(m.group("a")), int(m.group("b"))
        # 03/01/2025: day/month or month/day? Only a value above 12 settles it; otherwise US order.
        if a > 12:
            add(m, b, a, int(m.group("y")))
        else:
            add(m, a, b, int(m.group("y")))
    for rx in (_MONTH_DAY_RE, _DAY_MONTH_RE):
        for m in rx.finditer(text):
            month = MONTHS[m.group("mon").lower()]
            # "may 5" could be the verb; a month abbreviation needs a plausible day to count
            add(m, month, int(m.group("d")), int(m.group("y")) if m.group("y") else None)
    hits.sort(key=lambda h: h.span[0])
    return hits


def read_start(text: str, r: Reading) -> None:
    hits = [h for h in _date_hits(text) if 1 <= h.month <= 12 and 1 <= h.day <= 31]
    if not hits:
        return

    def before(h: _DateHit) -> str:
        s, _ = sentence_bounds(text, h.span[0])
        return text[max(s, h.span[0] - 40) : h.span[0]]

    # "We start the season on <date>" beats "checked on <date>"; then "from/on <date>"; then the first.
    chosen = next((h for h in hits if _STRONG_START.search(before(h))), None)
    chosen = chosen or next((h for h in hits if _WEAK_START.search(before(h))), None)
    if chosen is None:
        chosen = hits[0]
        if len(hits) > 1:
            r.flagged.append(
                f"several dates in the text ({', '.join(h.text for h in hits)}): "
                f"took '{chosen.text}' as the season start"
            )
    if (
        _SLASH_RE.fullmatch(chosen.text)
        and int(chosen.text.split("/")[0]) <= 12
        and int(chosen.text.split("/")[1]) <= 12
    ):
        r.flagged.append(f"'{chosen.text}' read as month/day ({chosen.month}/{chosen.day}); check the season start")
    r.start_parts = (chosen.month, chosen.day, chosen.year)
    r.spans.append(chosen.span)


def resolve_start(parts: tuple[int, int, int | None], after: date) -> date:
    """The date for (month, day, year). Without a year: the first such date after `after`."""
    month, day, year = parts
    if year is not None:
        return date(year, month, day)
    for y in (after.year, after.year + 1, after.year + 2, after.year + 3, after.year + 4):
        try:
            candidate = date(y, month, day)
        except ValueError:  # 29 February in a non-leap year: try the next year
            continue
        if candidate > after:
            return candidate
    raise ValueError(f"no valid date for month {month} day {day}")


# ------------------------------------------------------------------------------------ replenishment
