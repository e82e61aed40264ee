"""From fields read out of free text to a full, validated `Extraction` (shared by rules and LLM).

Both readers produce "what the text said"; this module picks the category, applies the
year rule to dates, fills documented defaults, validates with SeasonParameters and writes the
flags the planner sees next to the form. Nothing here imports the Agents SDK.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError

from core.agents.results import Extraction
from core.agents.rules_extractor import match_category, read_text, resolve_start
from core.domain.params import SeasonParameters, monday_of, parameter_errors

# Fields a planner normally states; when the text does not, the default is flagged.
KEY_FIELDS = (
    "category", "season_start", "horizon_weeks", "replenishment", "dc_holdback", "safety_stock", "markdown_week",
)
# week_start is the dataset's calendar (chosen at import), never read from the season text.
FIELDS = [f for f in SeasonParameters.model_fields if f not in ("season_start_requested", "week_start")]


def season_anchor(history_end: date | None, today: date | None) -> date:
    """A date without a year is the first such date after this day."""
    if history_end is not None:
        return history_end
    return today or date.today()


def default_start(history_end: date | None, today: date | None) -> date:
    """No date in the text: the season follows the history (or today) on the next Monday."""
    anchor = season_anchor(history_end, today)
    return monday_of(anchor) + timedelta(days=7)


def pick_category(
    named: str | None, text: str, categories: list[str], found: list[str], flagged: list[str]
) -> str | None:
    if named:
        # An LLM may paraphrase ("womens dresses"): map it back onto the dataset's spelling.
        exact = [c for c in categories if c == named]
        cat = exact[0] if exact else match_category(named, categories)[0]
        if cat is not None:
            found.append("category")
            return cat
        flagged.append(f"category '{named}' is not in the data set (have: {', '.join(categories) or 'none'})")
    if not categories:
        flagged.append("category: no categories available in the data set; choose one in the form")
        return None
    if named is None:
        flagged.append(
            f"category not named in the text: defaulted to '{categories[0]}' "
            f"(available: {', '.join(categories)})"
        )
    else:
        flagged[-1] += f": defaulted to '{categories[0]}'"
    return categories[0]


def finalise(
    *,
    text: str,
    raw: dict[str, Any],
    categories: list[str],
    history_end: date | None,
    today: date | None,
    start_parts: tuple[int, int, int | None] | None = None,
    category_named: str | None = None,
    flagged: list[str] | None = None,
    notes: list[str] | None = None,
    source: str = "rules",
    attempts: int = 0,
    error: str | None = None,
) -> Extraction:
    """Resolve defaults, validate, and explain. `raw` holds only fields the text stated."""
    flagged = list(flagged or [])
    notes = list(notes or [])
    found: list[str] = []
    values: dict[str, Any] = {k: v for k, v in raw.items() if k in FIELDS and k not in ("category", "season_start")}
    found.extend(values)

    category = pick_category(category_named, text, categories, found, flagged)
    values["season_start"] = _season_start(raw, start_parts, history_end, today, found, flagged)
    values["category"] = category

    params, rejected, rejected_at = _validate_keeping_valid(values, found, flagged)
    if params is not None:
        resolved = params.model_dump()
        resolved.pop("season_start_requested", None)
        resolved.pop("week_start", None)
        resolved["season_start"] = params.season_start_requested or params.season_start
        resolved["category"] = category
        notes.extend(params.notes)
    else:
        resolved = dict(values)

    for name, i in rejected_at.items():  # say what the default is
        if params is not None:
            flagged[i] += f" {_show_default(name, resolved.get(name))}"
    _flag_defaults(found + rejected, resolved, flagged)
    return Extraction(
        values=resolved, found=[f for f in FIELDS if f in found], flagged=flagged, notes=notes,
        source=source, attempts=attempts, error=error,  # type: ignore[arg-type]
    )


def _season_start(raw: dict[str, Any], start_parts: tuple[int, int, int | None] | None, history_end: date | None,
                  today: date | None, found: list[str], flagged: list[str]) -> date:
    """The stated season start (a date, or month/day/year parts), else the default one, flagged."""
    start: date | None = raw.get("season_start") if isinstance(raw.get("season_start"), date) else None
    if start is None and start_parts is not None:
        try:
            start = resolve_start(start_parts, season_anchor(history_end, today))
        except ValueError:
            month, day, year = start_parts
            flagged.append(f"season start {year or ''}-{month:02d}-{day:02d} is not a calendar date")
    if start is not None:
        found.append("season_start")
        return start
    start = default_start(history_end, today)
    after = "the end of the history" if history_end else "today"
    flagged.append(
        f"season_start not found in the text: defaulted to {start.isoformat()}, the Monday after {after}"
    )
    return start


def _validate_keeping_valid(
    values: dict[str, Any], found: list[str], flagged: list[str]
) -> tuple[SeasonParameters | None, list[str], dict[str, int]]:
    """The parameters, the stated fields dropped back to their defaults because they were not accepted,
    and the index of each one's "left at default" message in `flagged`."""
    params, problems = _validate(values)
    rejected: list[str] = []
    rejected_at: dict[str, int] = {}
    if problems:
        # Keep what is valid: drop each offending stated field back to its default, then retry.
        for name in [n for n in list(values) if n not in ("category", "season_start") and _mentions(problems, n)]:
            stated = _show_default(name, values[name]) if name in _SHARES else repr(values[name])
            flagged.append(
                f"{name} = {stated} from the text was not accepted ({_about(problems, name)}): left at default"
            )
            rejected_at[name] = len(flagged) - 1
            values.pop(name)
            rejected.append(name)
            if name in found:
                found.remove(name)
        params, problems = _validate(values)
        if problems:
            flagged.extend(problems)
    return params, rejected, rejected_at


def _validate(values: dict[str, Any]) -> tuple[SeasonParameters | None, list[str]]:
    data = dict(values)
    if not data.get("category"):
        data["category"] = "(category to choose)"  # validation of the other fields still helps
    try:
        return SeasonParameters.model_validate(data), []
    except ValidationError as exc:
        return None, parameter_errors(exc)


def _mentions(problems: list[str], name: str) -> bool:
    return any(p.startswith(f"{name} ") for p in problems)


def _about(problems: list[str], name: str) -> str:
    return "; ".join(p for p in problems if p.startswith(f"{name} "))


def _show_default(name: str, value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, float) and name in _SHARES:
        return f"{value:.0%}"
    return f"{value:g}" if isinstance(value, float) else str(value)


_SHARES = {"dc_holdback", "safety_stock", "markdown_target", "variance_threshold", "emergency_threshold",
           "markdown_step", "markdown_cap"}


def _flag_defaults(found: list[str], values: dict[str, Any], flagged: list[str]) -> None:
    def pct(v: Any) -> str:
        return f"{v:.0%}" if isinstance(v, (int, float)) else str(v)

    for name in KEY_FIELDS:
        if name in found or name in ("category", "season_start"):
            continue
        value = values.get(name)
        if name == "horizon_weeks":
            flagged.append(f"horizon_weeks not found in the text: left at default {value}")
        elif name == "replenishment":
            flagged.append(f"replenishment not found in the text: left at default '{value}'")
        elif name == "dc_holdback":
            why = " (no replenishment)" if values.get("replenishment") == "none" else ""
            flagged.append(f"dc_holdback not found in the text: left at default {pct(value)}{why}")
        elif name == "safety_stock":
            why = " (the default when replenishment is none)" if values.get("replenishment") == "none" else ""
            flagged.append(f"safety_stock not found in the text: left at default {pct(value)}{why}")
        elif name == "markdown_week":
            if value is None:
                flagged.append("markdown checkpoint not found in the text: none (season shorter than week 6)")
            else:
                flagged.append(
                    f"markdown checkpoint not found in the text: left at default week {value}, "
                    f"target {pct(values.get('markdown_target'))} sell-through"
                )
    if "markdown_week" in found and values.get("markdown_week") is not None and "markdown_target" not in found:
        flagged.append(f"markdown_target not found in the text: left at default {pct(values.get('markdown_target'))}")


def extract_with_rules(
    text: str, *, categories: list[str], history_end: date | None = None, today: date | None = None,
    attempts: int = 0, error: str | None = None, extra_flags: list[str] | None = None,
) -> Extraction:
    """The deterministic extractor: works offline, always returns a usable Extraction."""
    reading = read_text(text, categories)
    raw = dict(reading.values)
    # "No markdowns" states markdown_week = None; keep it as stated rather than a missing field.
    return finalise(
        text=text, raw=raw, categories=categories, history_end=history_end, today=today,
        start_parts=reading.start_parts, category_named=reading.category_text,
        flagged=list(extra_flags or []) + reading.flagged, notes=reading.notes,
        source="rules", attempts=attempts, error=error,
    )


def draft_problems(raw: dict[str, Any], ctx: Any) -> list[str]:
    """Validation messages for an LLM draft (`raw` from parameter_agent.draft_to_raw); [] = valid.

    `ctx` is an ExtractionContext (categories, history_end, today).
    """
    values = {k: v for k, v in raw.items() if not k.startswith("_")}
    problems: list[str] = []
    parts = raw.get("_start_parts")
    start = None
    if parts is not None:
        try:
            start = resolve_start(tuple(parts), season_anchor(ctx.history_end, ctx.today))  # type: ignore[arg-type]
        except (ValueError, TypeError):
            problems.append(
                f"season start (year, month, day) = {parts[2]}, {parts[0]}, {parts[1]} is not a calendar date"
            )
    values["season_start"] = start or default_start(ctx.history_end, ctx.today)
    values["category"] = ctx.categories[0] if ctx.categories else "(category to choose)"
    _, more = _validate(values)
    return problems + more


def extract_from_draft(
    raw: dict[str, Any], category_named: str | None, unclear: list[str], *, text: str, categories: list[str],
    history_end: date | None, today: date | None, attempts: int,
) -> Extraction | list[str]:
    """An Extraction from a validated LLM draft, or the validation messages that reject it."""

    class _Ctx:
        pass

    ctx = _Ctx()
    ctx.categories, ctx.history_end, ctx.today = categories, history_end, today  # type: ignore[attr-defined]
    problems = draft_problems(raw, ctx)
    if problems:
        return problems
    stated = {k: v for k, v in raw.items() if not k.startswith("_")}
    if not category_named:
        # The model may skip the category; the deterministic matcher can still find it in the text.
        category_named = match_category(text, categories)[0]
    return finalise(
        text=text, raw=stated, categories=categories, history_end=history_end, today=today,
        start_parts=raw.get("_start_parts"), category_named=category_named,
        flagged=[f"the model could not read: \"{u}\"" for u in unclear if u and u.strip()],
        source="llm", attempts=attempts,
    )
