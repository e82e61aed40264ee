"""Finding the category a planner's free text names, among the data set's categories.

Pure standard library: importing this module must stay cheap.
"""

from __future__ import annotations

import re

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
