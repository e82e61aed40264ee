"""Deterministic reading of a planner's free text into SeasonParameters fields (no LLM).

Each reader looks for one field in the ways planners usually write it and records the text span
it used. The result is a `Reading`: the fields found, notes on how ambiguous phrases were read,
and the sentences that carried numbers but fed no field (flagged so the planner can check them).
Defaults, category matching and validation are applied afterwards by `core.agents.extraction`,
which the LLM path shares.

Pure standard library: importing this module must stay cheap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

NUMBER_WORDS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "twenty-four": 24, "twenty four": 24, "twenty-six": 26, "twenty six": 26, "thirty": 30,
    "fifty-two": 52, "fifty two": 52, "a": 1, "an": 1,
}
# Longest first so "twenty-four" wins over "twenty"; "a"/"an" only count where a number is expected.
_NUM_WORD_RE = "|".join(sorted((re.escape(w) for w in NUMBER_WORDS if w not in ("a", "an")), key=len, reverse=True))
NUM = rf"(?:\d+(?:\.\d+)?|{_NUM_WORD_RE})"
# Shares and thresholds are written in digits; accepting "one" there would read "holdback, one
# initial allocation" as a 100 % holdback.
DIGITS = r"\d+(?:\.\d+)?"

MONTHS: dict[str, int] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))

# Words that tie a percentage or week number to a field, used to look for the value nearby.
_MARKDOWN_WORDS = r"(?:mark[- ]?downs?|clearance|price[- ]cuts?|discount(?:s|ing)?)"
_SELL_THROUGH = r"(?:sell[- ]?through|sold[- ]?through|sell[- ]?thru|\bst\b)"


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


# ---------------------------------------------------------------------------------------- horizon
_HORIZON_RE = re.compile(
    rf"(?P<prefix>\b(?:every|each|other|after|within|in|first|last|per)\s+)?"
    rf"\b(?P<n>{NUM})[\s-]*(?P<unit>weeks?|wks?|months?|mos?)\b"
    # "6 weeks in" / "4 weeks before launch" are points in time, not the season length
    r"(?!\s+(?:in|into|before|after|later|out|ahead|prior|left|to\s+go)\b)",
    re.I,
)
_HORIZON_KEYED_RE = re.compile(r"\b(?:horizon|season length|duration|length)\D{0,20}?(?P<n>\d+)\b(?!\s*%)", re.I)


def read_horizon(text: str, r: Reading) -> None:
    for m in _HORIZON_RE.finditer(text):
        if m.group("prefix"):
            continue  # "every two weeks" is a replenishment cycle, "after 6 weeks" a point in time
        # "markdown at week 6" has the number after the word; here the number precedes it.
        n = number(m.group("n"))
        unit = m.group("unit").lower()
        if unit.startswith("mo"):
            weeks = round(n * 52 / 12)
            r.notes.append(f"'{m.group(0)}' read as {weeks} weeks")
        else:
            weeks = int(n)
            if weeks != n:
                r.flagged.append(f"horizon '{m.group(0)}' is not a whole number of weeks: rounded to {round(n)}")
                weeks = round(n)
        r.put("horizon_weeks", int(weeks), m)
        return
    keyed = _HORIZON_KEYED_RE.search(text)
    if keyed:
        r.put("horizon_weeks", int(keyed.group("n")), keyed)


# ------------------------------------------------------------------------------------ season start
_ISO_RE = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")
_SLASH_RE = re.compile(r"\b(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})\b")
_ORD = r"(?:st|nd|rd|th)?"
_MONTH_DAY_RE = re.compile(
    rf"\b(?P<mon>{_MONTH_RE})\.?\s+(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}\b(?:,?\s*(?P<y>\d{{4}})\b)?", re.I
)
_DAY_MONTH_RE = re.compile(
    rf"\b(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<mon>{_MONTH_RE})\b\.?(?:,?\s*(?P<y>\d{{4}})\b)?", re.I
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
        s, _ = _sentence_bounds(text, h.span[0])
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
_NEG = r"(?:no|not|don'?t|do not|doesn'?t|won'?t|without|never|zero|skip|nor)"
_REPL = r"(?:replenish\w*|restock\w*|re-?stock\w*|re-?order\w*|top[- ]?ups?|refill\w*)"
_REPL_NONE_RE = re.compile(
    rf"\b{_NEG}\b(?:\W+\w+){{0,3}}?\W+{_REPL}"
    rf"|\b{_REPL}\W*(?::|=|is|of)?\W*(?:none|no|off|never)\b"
    r"|\b(?:just|only|a single|single|one)\s+(?:initial\s+|upfront\s+|up-front\s+|launch\s+)?"
    r"(?:allocation|shipment|drop|push)\b"
    r"|\bone[- ]and[- ]done\b|\bno\s+(?:further|follow[- ]?up|additional)\s+shipments?\b",
    re.I,
)
_BIWEEKLY_RE = re.compile(
    r"\bbi-?\s?weekly\b|\bevery\s+(?:two|2|other|second)\s+weeks?\b|\bfortnight(?:ly)?\b|\bevery\s+fortnight\b"
    r"|\btwice\s+a\s+month\b",
    re.I,
)
_WEEKLY_RE = re.compile(
    r"(?<![-\w])weekly\b(?!\s+(?:actuals?|sales|uploads?|reports?|data|forecasts?|variance|checks?|files?))"
    r"|\b(?:every|each|once\s+a|once\s+per|per)\s+week\b(?!s)",
    re.I,
)


def read_replenishment(text: str, r: Reading) -> None:
    found: list[tuple[str, re.Match[str]]] = []
    for name, rx in (("none", _REPL_NONE_RE), ("bi-weekly", _BIWEEKLY_RE), ("weekly", _WEEKLY_RE)):
        for m in rx.finditer(text):
            if name == "weekly" and any(f[1].start() <= m.start() < f[1].end() for f in found):
                continue
            found.append((name, m))
    if not found:
        return
    # A negation is the most explicit statement; then the rarer cycle; "weekly" is the loosest.
    kinds = [k for k, _ in found]
    choice = next(k for k in ("none", "bi-weekly", "weekly") if k in kinds)
    if len(set(kinds)) > 1:
        r.flagged.append(
            f"replenishment described more than one way ({', '.join(dict.fromkeys(kinds))}): took '{choice}'"
        )
    for k, m in found:
        if k == choice:
            r.put("replenishment", choice, m)


# ------------------------------------------------------------------------------------ DC holdback
_HOLD = r"(?:dc\s+)?(?:hold[- ]?backs?|held\s+back|holding\s+back|hold(?:s|ing)?\s+back|reserve|keep\s+back)"
_HOLDBACK_ZERO_RE = re.compile(
    rf"\b(?:no|zero|without|nothing)\s+(?:\w+\s+){{0,2}}?{_HOLD}"
    r"|\b(?:send|ship|push|allocate)\s+(?:all|everything|100\s*%)\b(?:\W+\w+){0,5}?\W+(?:stores?|launch)"
    r"|\b(?:all|everything|100\s*%)\s+(?:\w+\s+){0,2}?(?:to|in|into)\s+(?:the\s+)?stores\b"
    r"|\bhold\s+(?:nothing|none)\s+back\b|\bnothing\s+(?:at|in)\s+the\s+dc\b|\bnothing\s+held\s+back\b",
    re.I,
)
_HOLDBACK_RE = re.compile(
    rf"\b{_HOLD}\W+(?:of\s+|at\s+|=\s*|:\s*|is\s+)?(?P<a>{DIGITS})\s*(?P<ap>%|percent)?"
    rf"|\b(?P<b>{DIGITS})\s*(?P<bp>%|percent)\s+(?:\w+\s+){{0,2}}?"
    rf"(?:{_HOLD}|(?:at|in)\s+the\s+(?:dc|warehouse|distribution cent(?:er|re)))",
    re.I,
)


def read_holdback(text: str, r: Reading) -> None:
    m = _HOLDBACK_RE.search(text)
    if m:
        token = m.group("a") or m.group("b")
        pct = bool(m.group("ap") or m.group("bp"))
        value, note = ratio(token, pct)
        if note:
            r.notes.append(f"dc_holdback: {note}")
        r.put("dc_holdback", round(value, 4), m)
        return
    m = _HOLDBACK_ZERO_RE.search(text)
    if m:
        r.put("dc_holdback", 0.0, m)


# ------------------------------------------------------------------------------------ markdown
_NO_MARKDOWN_RE = re.compile(
    rf"\b(?:no|without|skip|never|zero)\s+(?:\w+\s+){{0,2}}?{_MARKDOWN_WORDS}"
    rf"|\b(?:don'?t|do not|won'?t|will not|never)\s+(?:\w+\s+){{0,2}}?mark\s+(?:it\s+|them\s+|anything\s+)?down\b"
    rf"|\b{_MARKDOWN_WORDS}\W*(?::|=)?\W*(?:none|off|no)\b",
    re.I,
)
_WEEK_N_RE = re.compile(rf"\b(?:week|wk)\.?\s*(?:#|no\.?|number)?\s*(?P<n>\d+|{_NUM_WORD_RE})\b", re.I)

_ST_BEFORE_RE = re.compile(rf"(?P<a>{DIGITS})\s*(?P<ap>%|percent)?\s+(?:\w+\s+){{0,1}}?{_SELL_THROUGH}", re.I)
_ST_AFTER_RE = re.compile(
    rf"{_SELL_THROUGH}(?:\s+target)?\W+(?:\w+\W+){{0,4}}?(?P<b>{DIGITS})\s*(?P<bp>%|percent)?", re.I
)


def _sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    start = max(text.rfind(".", 0, pos), text.rfind("\n", 0, pos), text.rfind(";", 0, pos)) + 1
    ends = [i for i in (text.find(".", pos), text.find("\n", pos), text.find(";", pos)) if i != -1]
    return start, (min(ends) if ends else len(text))


def read_markdown(text: str, r: Reading) -> None:
    m = _NO_MARKDOWN_RE.search(text)
    if m:
        r.put("markdown_week", None, m)
        return
    for wm in _WEEK_N_RE.finditer(text):
        s, e = _sentence_bounds(text, wm.start())
        if re.search(_MARKDOWN_WORDS, text[s:e], re.I) or re.search(_SELL_THROUGH, text[s:e], re.I):
            r.put("markdown_week", int(number(wm.group("n"))), wm)
            break
    candidates = []
    # Each form searched on its own: "6 if sell-through" must not hide "sell-through is below 45%".
    for tm in [*_ST_BEFORE_RE.finditer(text), *_ST_AFTER_RE.finditer(text)]:
        group = "a" if "a" in tm.re.groupindex else "b"
        if r.used(*tm.span(group)):  # "week 6 if sell-through is below 45%": the 6 is the week
            continue
        candidates.append((tm, group))
    # A number written as a percentage beats a bare one ("at week 6 if sell-through ... below 45%").
    candidates.sort(key=lambda c: not c[0].group(c[1] + "p"))
    if candidates:
        tm, group = candidates[0]
        value, note = ratio(tm.group(group), bool(tm.group(group + "p")))
        if note:
            r.notes.append(f"markdown_target: {note}")
        r.put("markdown_target", round(value, 4), tm.span(group))


# ------------------------------------------------------------------------------------ other numbers
def _keyed(words: str) -> re.Pattern[str]:
    """A value written after the words ('safety stock of 15%') or before them ('15% safety stock')."""
    return re.compile(
        rf"\b(?:{words})\b\W+(?:of\s+|at\s+|to\s+|=\s*|:\s*|is\s+|around\s+|about\s+)?(?P<a>{DIGITS})"
        rf"\s*(?P<ap>%|percent)?"
        rf"|\b(?P<b>{DIGITS})\s*(?P<bp>%|percent)\s+(?:\w+\s+){{0,1}}?(?:{words})\b",
        re.I,
    )


_RATIO_FIELDS: list[tuple[str, re.Pattern[str]]] = [
    ("safety_stock", _keyed(r"safety[ _-]?stock|safety\s+buffer|buffer\s+stock|buffer")),
    ("variance_threshold", _keyed(r"variance[ _-]threshold|variance|re-?forecast\s+(?:threshold|trigger)")),
    ("emergency_threshold", _keyed(r"emergency[ _-]threshold|emergency(?:\s+re-?order)?")),
    (
        "markdown_cap",
        _keyed(r"markdown[ _-]cap|max(?:imum)?\s+markdown|cap\s+markdowns?\s+at|markdowns?\s+capped\s+at"),
    ),
    ("markdown_step", _keyed(r"markdown[ _-]step|markdown\s+steps?|steps?\s+of")),
]
_PLAIN_FIELDS: list[tuple[str, re.Pattern[str]]] = [
    ("markdown_elasticity", _keyed(r"markdown[ _-]elasticity")),
    ("price_elasticity", _keyed(r"price[ _-]elasticity")),
]
_CLUSTERS_RE = re.compile(
    rf"\b(?P<a>{NUM})\s+(?:store\s+)?(?:clusters?|store\s+groups?|groups\s+of\s+stores|segments?)\b"
    rf"|\b(?:n_clusters|clusters?)\W+(?:of\s+|=\s*|:\s*)?(?P<b>\d+)\b(?!\s*%)"
    rf"|\bcluster\w*\s+(?:the\s+)?stores\s+into\s+(?P<c>{NUM})\b",
    re.I,
)


def read_other(text: str, r: Reading) -> None:
    for name, rx in _RATIO_FIELDS:
        if name == "markdown_cap" and "markdown_cap" in r.values:
            continue
        for m in rx.finditer(text):
            if r.used(*m.span()):
                continue
            token = m.group("a") or m.group("b")
            value, note = ratio(token, bool(m.group("ap") or m.group("bp")))
            if note:
                r.notes.append(f"{name}: {note}")
            r.put(name, round(value, 4), m)
            break
    for name, rx in _PLAIN_FIELDS:
        plain = rx.search(text)
        if plain and not plain.group("bp"):
            r.put(name, number(plain.group("a") or plain.group("b")), plain)
    clusters = _CLUSTERS_RE.search(text)
    if clusters:
        r.put("n_clusters", int(number(clusters.group("a") or clusters.group("b") or clusters.group("c"))), clusters)


# ------------------------------------------------------------------------------------ category
def normalise(text: str) -> str:
    t = text.lower().replace("’", "'")
    t = re.sub(r"'s\b", "s", t)
    t = re.sub(r"[^a-z0-9]+", " ", t)
    return " ".join(t.split())


def _stem(token: str) -> str:
    return token[:-1] if len(token) > 3 and token.endswith("s") else token


def match_category(text: str, categories: list[str]) -> tuple[str | None, tuple[int, int] | None]:
    """The category the text names (case-insensitive, plural- and apostrophe-tolerant), or None.

    Exact phrase first ("women's dresses"), then the category whose distinctive words appear
    most ("dresses" -> Women's Dresses), then department numbers ("dept 7").
    """
    norm_text = normalise(text)
    padded = f" {norm_text} "
    best: tuple[float, str] | None = None
    for cat in categories:
        nc = normalise(cat)
        if not nc:
            continue
        if nc.isdigit():
            if re.search(rf"\b(?:dept|department|category|cat)\.?\s*#?\s*{nc}\b", text, re.I):
                return cat, None
            continue
        if f" {nc} " in padded:
            return cat, _locate(text, cat)
    text_tokens = {_stem(t) for t in norm_text.split()}
    for cat in categories:
        tokens = [_stem(t) for t in normalise(cat).split() if len(t) >= 3 and not t.isdigit()]
        if not tokens:
            continue
        hits = sum(1 for t in tokens if t in text_tokens)
        # Gendered words alone ("women") say little; require the product word to be present.
        product_hit = _stem(tokens[-1]) in text_tokens
        if hits and product_hit:
            score = hits / len(tokens)
            if best is None or score > best[0]:
                best = (score, cat)
    if best:
        return best[1], None
    return None, None


def _locate(text: str, cat: str) -> tuple[int, int] | None:
    words = [re.escape(w) for w in re.findall(r"[a-z0-9]+", cat.lower()) if w != "s"]
    if not words:
        return None
    m = re.search(r"\W*".join(words), text, re.I)
    return m.span() if m else None


# ------------------------------------------------------------------------------------ entry point
def _read_money(text: str, r: Reading) -> None:
    from core.agents.money_reader import read_money

    read_money(text, r)


_FIELD_READERS = (read_horizon, read_start, read_replenishment, read_holdback, read_markdown, _read_money, read_other)


def read_text(text: str, categories: list[str] | None = None) -> Reading:
    """Read every field the text states. Nothing here applies defaults or validates ranges."""
    r = Reading()
    text = text or ""
    for reader in _FIELD_READERS:
        reader(text, r)
    if categories:
        cat, span = match_category(text, categories)
        if cat is not None:
            r.category_text = cat
            if span:
                r.spans.append(span)
    for sentence, (s, e) in _sentences(text):
        if re.search(r"\d|%", sentence) and not r.used(s, e):
            r.flagged.append(f'not understood, ignored: "{sentence.strip()}"')
    return r


def _sentences(text: str) -> list[tuple[str, tuple[int, int]]]:
    out: list[tuple[str, tuple[int, int]]] = []
    for m in re.finditer(r"[^.!?\n;]+(?:[.!?;]|$)", text):
        # A decimal point ("0.3") is not a sentence end: glue pieces split there back together.
        if out and re.search(r"\d\.$", out[-1][0]) and re.match(r"\d", m.group(0)):
            prev, (s, _) = out.pop()
            out.append((prev + m.group(0), (s, m.end())))
            continue
        if m.group(0).strip():
            out.append((m.group(0), m.span()))
    return out
