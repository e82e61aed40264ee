"""Importing the agents layer and using its offline paths must not load the Agents SDK (~1 s)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from datetime import date
import core.agents
from core.agents import explain, extract_parameters, LLMSettings
e = extract_parameters("12 weeks from March 1st, no replenishment", categories=["A"],
                       history_end=date(2024, 12, 31), settings=LLMSettings())
x = explain("order", {"order_qty": 10}, settings=LLMSettings())
print(e.source, x.source, "agents" in sys.modules, "openai" in sys.modules)
"""


def test_offline_paths_do_not_import_the_sdk():
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["rules", "template", "False", "False"]
