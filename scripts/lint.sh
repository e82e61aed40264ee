#!/usr/bin/env bash
# The house rules, checked: ruff (style and errors), import-linter (the layers of docs/architecture.md)
# and mypy (types of core/). scripts/test.sh runs this first; .pre-commit-config.yaml runs the same.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== ruff" && python3 -m ruff check .
echo "== import-linter" && lint-imports --no-cache
echo "== mypy core" && python3 -m mypy
