"""LLM configuration: which endpoint and model to use, how long to wait, whether to trace.

Read from the environment first, then from `.streamlit/secrets.toml` (parsed with tomllib so that
the CLI and the orchestrator never import streamlit). No key and no base URL means no LLM at all:
every caller then uses the deterministic rules and templates.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.scrub import register_secret

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_ATTEMPTS = 3
# Waits between attempts 1->2 and 2->3 (docs/planning-rules.md §5: 1 s, 2 s, 4 s; the 4 s wait would only precede
# the fallback, which needs no waiting, so it is not spent).
DEFAULT_BACKOFF_S: tuple[float, ...] = (1.0, 2.0, 4.0)
# After a call has failed every attempt, later calls skip the endpoint for this long so that one
# broken endpoint costs one bounded wait per season step, not one per explanation.
DEFAULT_COOLDOWN_S = 120.0

PROJECT_ROOT = Path(__file__).resolve().parents[2]

ENV_KEYS = {
    "api_key": "OPENAI_API_KEY",
    "base_url": "OPENAI_BASE_URL",
    "model": "SEASON_PLANNER_MODEL",
    "timeout": "SEASON_PLANNER_LLM_TIMEOUT",
    "tracing": "SEASON_PLANNER_TRACING",
}


@dataclass(frozen=True)
class LLMSettings:
    """Everything an LLM call needs. Immutable so one object can be shared by threads.

    `model_factory` and `sleep` exist for tests and embedding: a factory returning an SDK `Model`
    (e.g. `agents.testing.ScriptedModel`) replaces the OpenAI client; `sleep` replaces
    `asyncio.sleep` between attempts so a test can record the backoff without waiting.
    """

    api_key: str | None = None
    base_url: str | None = None
    model: str = DEFAULT_MODEL
    timeout_s: float = DEFAULT_TIMEOUT_S
    attempts: int = DEFAULT_ATTEMPTS
    backoff_s: tuple[float, ...] = DEFAULT_BACKOFF_S
    cooldown_s: float = DEFAULT_COOLDOWN_S
    tracing: bool = False
    source: str = "none"  # "env", "secrets:<path>", "explicit" - shown in diagnostics
    model_factory: Callable[[], Any] | None = field(default=None, compare=False, repr=False)
    sleep: Callable[[float], Awaitable[None]] | None = field(default=None, compare=False, repr=False)

    @property
    def enabled(self) -> bool:
        # A local OpenAI-compatible server (Ollama, vLLM, LM Studio) usually needs no key.
        return bool(self.api_key) or bool(self.base_url) or self.model_factory is not None

    @property
    def api(self) -> str:
        """Which OpenAI API the model speaks: compatible servers only implement Chat Completions."""
        return "chat_completions" if self.base_url else "responses"

    @property
    def endpoint(self) -> str:
        if self.model_factory is not None:
            return f"injected:{id(self.model_factory)}"
        return f"{self.base_url or 'https://api.openai.com/v1'}#{self.model}"

    @property
    def worst_case_wait_s(self) -> float:
        """Upper bound of one call before the fallback: every attempt times out, plus the waits."""
        waits = sum(self.backoff_s[i] if i < len(self.backoff_s) else self.backoff_s[-1]
                    for i in range(max(self.attempts - 1, 0))) if self.backoff_s else 0.0
        return self.attempts * self.timeout_s + waits

    def describe(self) -> str:
        if not self.enabled:
            return "LLM off (no OPENAI_API_KEY / OPENAI_BASE_URL): rules and templates"
        where = self.base_url or "OpenAI"
        return f"LLM {self.model} at {where} via {self.api} (timeout {self.timeout_s:g} s x {self.attempts})"


def _secrets_paths() -> list[Path]:
    paths = [Path.cwd() / ".streamlit" / "secrets.toml", PROJECT_ROOT / ".streamlit" / "secrets.toml"]
    unique: list[Path] = []
    for p in paths:
        if p not in unique:
            unique.append(p)
    return unique


def _read_secrets(path: Path) -> dict[str, Any]:
    """Flat view of secrets.toml: top-level keys, plus an optional [openai] / [llm] table."""
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    flat: dict[str, Any] = {k: v for k, v in raw.items() if not isinstance(v, dict)}
    for table in ("openai", "llm", "season_planner"):
        section = raw.get(table)
        if isinstance(section, dict):
            aliases = {"api_key": "OPENAI_API_KEY", "base_url": "OPENAI_BASE_URL", "model": "SEASON_PLANNER_MODEL",
                       "timeout": "SEASON_PLANNER_LLM_TIMEOUT", "tracing": "SEASON_PLANNER_TRACING"}
            for key, value in section.items():
                flat.setdefault(aliases.get(key) or key, value)
    return flat


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def load_settings(
    env: Mapping[str, str] | None = None, secrets_paths: list[Path] | None = None
) -> LLMSettings:
    """Settings from the environment, falling back key by key to `.streamlit/secrets.toml`."""
    env = os.environ if env is None else env
    secrets: dict[str, Any] = {}
    secrets_source = None
    for path in _secrets_paths() if secrets_paths is None else secrets_paths:
        if path.is_file():
            secrets = _read_secrets(path)
            secrets_source = f"secrets:{path}"
            break

    used: set[str] = set()

    def pick(name: str) -> str | None:
        value = env.get(name)
        if value not in (None, ""):
            used.add("env")
            return str(value)
        value = secrets.get(name)
        if value not in (None, ""):
            used.add(secrets_source or "secrets")
            return str(value)
        return None

    timeout = DEFAULT_TIMEOUT_S
    raw_timeout = pick(ENV_KEYS["timeout"])
    if raw_timeout is not None:
        try:
            timeout = float(raw_timeout)
        except ValueError:
            timeout = DEFAULT_TIMEOUT_S
        # A timeout of zero or a huge one would defeat the bounded wait; clamp to something sane.
        timeout = min(max(timeout, 0.5), 15.0)
    api_key = pick(ENV_KEYS["api_key"])
    register_secret(api_key)  # a key from secrets.toml is scrubbed from error texts like one from the environment
    base_url = pick(ENV_KEYS["base_url"])
    model = pick(ENV_KEYS["model"]) or DEFAULT_MODEL
    tracing = _truthy(pick(ENV_KEYS["tracing"]) or "0")
    settings = LLMSettings(
        api_key=api_key,
        base_url=base_url.rstrip("/") if base_url else None,
        model=model,
        timeout_s=timeout,
        tracing=tracing,
        source="+".join(sorted(used)) or "none",
    )
    configure_tracing(settings)
    return settings


def configure_tracing(settings: LLMSettings) -> None:
    """Tracing uploads prompts to OpenAI; keep it off unless SEASON_PLANNER_TRACING=1.

    Setting the environment variable before the SDK is imported covers the SDK's own start-up;
    `apply_tracing` below covers an SDK that is already loaded.
    """
    if not settings.tracing:
        os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"


def apply_tracing(settings: LLMSettings) -> None:
    """Called from the LLM path only (it imports the SDK)."""
    from agents import set_tracing_disabled

    configure_tracing(settings)
    set_tracing_disabled(not settings.tracing)
