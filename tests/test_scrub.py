"""core/scrub.py: what is removed from error texts, and what is left alone."""

from __future__ import annotations

import json

import pytest

from core.scrub import REDACTED, register_secret, scrub, scrub_value, scrubbed_json


@pytest.mark.parametrize(("text", "expected"), [
    ("Error 401: Authorization: Bearer sk-proj-abcdefghij", "Error 401: Authorization: Bearer [redacted]"),
    ("{'Authorization': 'Basic dXNlcjpwYXNz'}", "{'Authorization': 'Basic [redacted]'}"),
    ("headers: authorization=tok123456", "headers: authorization=[redacted]"),
    ("got bearer abcdef123456 back", "got bearer [redacted] back"),
    ("key sk-abcdef0123456789 rejected", "key sk-[redacted] rejected"),
    ("url?api_key=abc123&x=1", "url?api_key=[redacted]&x=1"),
    ('{"x-api-key": "zzz999"}', '{"x-api-key": "[redacted]"}'),
    ("postgresql+psycopg://planner:pw@db:5432/x", "postgresql+psycopg://planner:[redacted]@db:5432/x"),
    ("postgresql+psycopg//planner:pw@db:5432/x", "postgresql+psycopg//planner:[redacted]@db:5432/x"),
])
def test_credentials_are_removed(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize("text", [
    "week 3 (2025-03-17..2025-03-23): 1,234 units", "order quantity = 12 is out of range", "mail me: a@b.c",
    "sk-1 is a store id", "database sqlite:////tmp/x.db is locked"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert scrub(text) == text


def test_the_configured_key_is_removed_whatever_its_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    import core.scrub

    monkeypatch.setattr(core.scrub, "_registered", set())
    monkeypatch.setenv("OPENAI_API_KEY", "plain-key-7f7f7f7f")
    assert scrub("echo: plain-key-7f7f7f7f!") == f"echo: {REDACTED}!"
    register_secret("from-secrets-toml-123")
    assert scrub("x from-secrets-toml-123 y") == f"x {REDACTED} y"


def test_json_values_are_scrubbed_deeply_and_stay_json() -> None:
    value = {"error": "Bearer abcdefgh1234", "list": ["ok", {"k": "sk-abcdefghijk"}], "n": 3}
    assert scrub_value(value) == {"error": f"Bearer {REDACTED}", "list": ["ok", {"k": f"sk-{REDACTED}"}], "n": 3}
    assert json.loads(scrubbed_json(value)) == scrub_value(value)
    plain = {"weeks": [1, 2, 3], "note": "nothing secret"}
    assert scrubbed_json(plain) == json.dumps(plain)


def test_log_records_are_scrubbed_message_arguments_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from core.scrub import install_log_scrubber

    install_log_scrubber()
    install_log_scrubber()  # idempotent
    log = logging.getLogger("season_planner.test")
    with caplog.at_level(logging.INFO):
        log.info("calling %s", "Authorization: Bearer abcdefgh12345")
        try:
            raise RuntimeError("echo sk-abcdefghijklmnop")
        except RuntimeError:
            log.exception("failed")
    text = caplog.text
    assert "abcdefgh12345" not in text and "sk-abcdefghijklmnop" not in text
    assert "Bearer [redacted]" in text and "sk-[redacted]" in text and "RuntimeError" in text
