"""LLM settings from the environment or .streamlit/secrets.toml; tracing off by default."""

from __future__ import annotations

import os
from pathlib import Path

from core.agents.settings import DEFAULT_MODEL, LLMSettings, load_settings


def test_nothing_configured_means_llm_off(tmp_path: Path):
    s = load_settings(env={}, secrets_paths=[tmp_path / "missing.toml"])
    assert not s.enabled
    assert s.model == DEFAULT_MODEL
    assert s.source == "none"
    assert "LLM off" in s.describe()


def test_environment_key_base_url_model_timeout():
    s = load_settings(env={"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": "http://127.0.0.1:11434/v1/",
                           "SEASON_PLANNER_MODEL": "llama3.1", "SEASON_PLANNER_LLM_TIMEOUT": "4"}, secrets_paths=[])
    assert s.enabled and s.api_key == "sk-test"
    assert s.base_url == "http://127.0.0.1:11434/v1"
    assert s.api == "chat_completions"
    assert (s.model, s.timeout_s) == ("llama3.1", 4.0)
    assert s.source == "env"


def test_base_url_alone_enables_a_local_server():
    s = load_settings(env={"OPENAI_BASE_URL": "http://localhost:1234/v1"}, secrets_paths=[])
    assert s.enabled and s.api_key is None


def test_key_alone_uses_the_responses_api():
    assert load_settings(env={"OPENAI_API_KEY": "sk"}, secrets_paths=[]).api == "responses"


def test_timeout_is_clamped_so_the_wait_stays_bounded():
    assert load_settings(env={"SEASON_PLANNER_LLM_TIMEOUT": "600"}, secrets_paths=[]).timeout_s == 15.0
    assert load_settings(env={"SEASON_PLANNER_LLM_TIMEOUT": "0"}, secrets_paths=[]).timeout_s == 0.5
    assert load_settings(env={"SEASON_PLANNER_LLM_TIMEOUT": "soon"}, secrets_paths=[]).timeout_s == 10.0


def test_worst_case_wait_is_under_a_minute_for_any_configuration():
    default = LLMSettings(api_key="k")
    assert default.worst_case_wait_s == 3 * 10.0 + 1.0 + 2.0
    slowest = load_settings(env={"OPENAI_API_KEY": "k", "SEASON_PLANNER_LLM_TIMEOUT": "999"}, secrets_paths=[])
    assert slowest.worst_case_wait_s == 48.0


def test_secrets_toml_top_level_and_table(tmp_path: Path):
    top = tmp_path / "a.toml"
    top.write_text('OPENAI_API_KEY = "sk-file"\nSEASON_PLANNER_MODEL = "gpt-x"\n')
    s = load_settings(env={}, secrets_paths=[top])
    assert (s.api_key, s.model) == ("sk-file", "gpt-x")
    assert s.source.startswith("secrets:")
    table = tmp_path / "b.toml"
    table.write_text('[openai]\napi_key = "sk-t"\nbase_url = "http://127.0.0.1:8000/v1"\nmodel = "qwen"\n')
    s = load_settings(env={}, secrets_paths=[table])
    assert (s.api_key, s.base_url, s.model) == ("sk-t", "http://127.0.0.1:8000/v1", "qwen")


def test_environment_wins_over_secrets(tmp_path: Path):
    f = tmp_path / "s.toml"
    f.write_text('OPENAI_API_KEY = "sk-file"\nSEASON_PLANNER_MODEL = "file-model"\n')
    s = load_settings(env={"SEASON_PLANNER_MODEL": "env-model"}, secrets_paths=[f])
    assert (s.api_key, s.model) == ("sk-file", "env-model")
    assert s.source == f"env+secrets:{f}"


def test_broken_secrets_file_is_ignored(tmp_path: Path):
    f = tmp_path / "s.toml"
    f.write_text("this is = = not toml")
    assert not load_settings(env={}, secrets_paths=[f]).enabled


def test_tracing_disabled_unless_requested(monkeypatch):
    monkeypatch.delenv("OPENAI_AGENTS_DISABLE_TRACING", raising=False)
    s = load_settings(env={}, secrets_paths=[])
    assert s.tracing is False
    assert os.environ["OPENAI_AGENTS_DISABLE_TRACING"] == "1"
    assert load_settings(env={"SEASON_PLANNER_TRACING": "1"}, secrets_paths=[]).tracing is True
