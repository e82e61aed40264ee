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

# match_category, resolve_start and the shared names are imported from here by core.agents.extraction.
from core.agents.category_match import match_category as match_category
from core.agents.date_reader import read_start
from core.agents.date_reader import resolve_start as resolve_start
from core.agents.text_reading import DIGITS, NUM, NUM_WORD_RE, Reading, number, ratio, sentence_bounds

# Words that tie a percentage or week number to a field, used to look for the value nearby.
_MARKDOWN_WORDS = r"(?:mark[- ]?downs?|clearance|price[- ]cuts?|discount(?:s|ing)?)"
_SELL_THROUGH = r"(?:sell[- ]?through|sold[- ]?through|sell[- ]?thru|\bst\b)"


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
_WEEK_N_RE = re.compile(rf"\b(?:week|wk)\.?\s*(?:#|no\.?|number)?\s*(?P<n>\d+|{NUM_WORD_RE})\b", re.I)

_ST_BEFORE_RE = re.compile(rf"(?P<a>{DIGITS})\s*(?P<ap>%|percent)?\s+(?:\w+\s+){{0,1}}?{_SELL_THROUGH}", re.I)
_ST_AFTER_RE = re.compile(
    rf"{_SELL_THROUGH}(?:\s+target)?\W+(?:\w+\W+){{0,4}}?(?P<b>{DIGITS})\s*(?P<bp>%|percent)?", re.I
)


def read_markdown(text: str, r: Reading) -> None:
    m = _NO_MARKDOWN_RE.search(text)
    if m:
        r.put("markdown_week", None, m)
        return
    for wm in _WEEK_N_RE.finditer(text):
        s, e = sentence_bounds(text, wm.start())
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
