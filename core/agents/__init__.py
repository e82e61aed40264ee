"""Agents and LLM layer (docs/planning-rules.md §1, §6): free text -> parameters, explanations of decisions.

Optional LLM via the OpenAI Agents SDK; deterministic rules and templates otherwise. Importing
this package does not import the SDK (about a second): only an actual LLM call does.
"""

from core.agents.explainer import explain
from core.agents.extractor import extract_parameters
from core.agents.results import Explanation, Extraction
from core.agents.settings import LLMSettings, load_settings
from core.agents.templates import TEMPLATE_KINDS

__all__ = [
    "Explanation",
    "Extraction",
    "LLMSettings",
    "TEMPLATE_KINDS",
    "explain",
    "extract_parameters",
    "load_settings",
]
