#!/usr/bin/env bash
# Installs what the tests need (Python packages, Debian's chromium for the browser test) and runs them all.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq chromium; \
  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi
fi
python3 -m pip install -q -r requirements-dev.txt
python3 -m pytest "$@"
