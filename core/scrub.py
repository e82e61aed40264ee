"""One scrubber for every error text that is stored or printed: API keys and passwords never leave.

What is removed (replaced by `[redacted]`):
- the configured API key (OPENAI_API_KEY, or one read from .streamlit/secrets.toml and registered
  here), wherever it appears;
- anything shaped like an OpenAI-style key (`sk-...`), an `Authorization:` / `Bearer` credential and
  `api_key=` / `"api_key": "..."` values, as an endpoint that echoes its request headers would show;
- the password of a URL (`postgresql://user:pw@host` -> `postgresql://user:[redacted]@host`).

The database applies it to every JSON document and error column it writes (core/db/models.py), the
CLI to everything it prints, so no caller has to remember it.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

REDACTED = "[redacted]"
SECRET_ENV = ("OPENAI_API_KEY", "SEASON_PLANNER_API_KEY")
_MIN_SECRET = 6  # shorter "keys" (e.g. "none", "x") would redact ordinary words

_registered: set[str] = set()

_PATTERNS: list[tuple[re.Pattern[str], Any]] = [
    # Authorization: Bearer abc / authorization=Basic abc / 'Authorization': 'Bearer abc'
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?:(bearer|basic|token)\s+)?[^\s'\",;}]+"),
     lambda m: m.group(1) + (m.group(2) + " " if m.group(2) else "") + REDACTED),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{4,}"), r"\1 " + REDACTED),
    (re.compile(r"(?i)((?:x-)?api[_-]?key['\"]?\s*[:=]\s*['\"]?)[^\s'\",;}&]+"), r"\1" + REDACTED),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{6,}"), "sk-" + REDACTED),
    # scheme://user:password@host  (the user name stays: it says which account was meant)
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]*):[^\s@/]*@"), r"\1:" + REDACTED + "@"),
    # ... and a mistyped URL (postgresql//user:pw@host, user:pw@host): user:secret@ followed by a host
    (re.compile(r"((?:^|[\s/'\"(=])[\w.+%-]+):(?!" + re.escape(REDACTED) + r")[^\s@/'\"]+@(?=[\w\[])"),
     r"\1:" + REDACTED + "@"),
]
# One cheap test before the patterns run: most texts contain none of these. Plain substring tests
# on the lower-cased text: a case-insensitive regex alternation costs ~100 ms per MB of context JSON.
_KEYWORDS = ("authorization", "bearer", "api_key", "api-key", "apikey", "sk-")
_USER_PASS = re.compile(r":[^\s@/]*@")


def _maybe(text: str) -> bool:
    low = text.lower()
    return any(k in low for k in _KEYWORDS) or ("@" in text and _USER_PASS.search(text) is not None)


def register_secret(value: str | None) -> None:
    """Remember a secret read from somewhere other than the environment (e.g. secrets.toml)."""
    if value and len(value) >= _MIN_SECRET:
        _registered.add(value)


def _known_secrets() -> list[str]:
    found = set(_registered)
    for name in SECRET_ENV:
        value = os.environ.get(name)
        if value and len(value) >= _MIN_SECRET:
            found.add(value)
    return sorted(found, key=len, reverse=True)


def needs_scrub(text: str) -> bool:
    return _maybe(text) or any(s in text for s in _known_secrets())


def scrub(text: Any) -> Any:
    """`text` without secrets; anything that is not a string is returned as it is."""
    if not isinstance(text, str) or not text:
        return text
    for secret in _known_secrets():
        if secret in text:
            text = text.replace(secret, REDACTED)
    if not _maybe(text):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def scrub_value(value: Any) -> Any:
    """Every string inside a JSON-like value (dicts, lists), keys included, scrubbed."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(k): scrub_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub_value(v) for v in value]
    return value


def scrubbed_json(value: Any) -> str:
    """json.dumps for the database: one pass when nothing looks secret, a scrubbed copy otherwise."""
    text = json.dumps(value)
    if needs_scrub(text):
        text = json.dumps(scrub_value(value))
    return text


def install_log_scrubber() -> None:
    """Every log record of this process is scrubbed when it is made (message, arguments, traceback):
    a library's log line or an exception logged with its trace cannot carry a key to the log."""
    import logging
    import traceback

    current = logging.getLogRecordFactory()
    if getattr(current, "_season_planner_scrubs", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        try:
            record.msg, record.args = scrub(record.getMessage()), ()
            if record.exc_info and record.exc_info[0] is not None:
                record.exc_text = scrub("".join(traceback.format_exception(*record.exc_info)).rstrip())
        except Exception:  # a record that cannot be rendered is left to logging's own error path
            pass
        return record

    factory._season_planner_scrubs = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
