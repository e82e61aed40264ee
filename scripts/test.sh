#!/usr/bin/env bash
# Installs what the tests need (Python packages, Debian's chromium for the browser test) and runs them all:
# the house rules first (scripts/lint.sh: ruff, import-linter, mypy), then the whole suite on SQLite, then
# the database-backed suites again on PostgreSQL when one is reachable (always under CI=true).
#   --fast   the fast tier for a developer's loop: the house rules and the tests not marked slow, browser
#            or postgres, outside tests/reliability, on SQLite only (a few minutes)
# Extra arguments go to the pytest runs.
set -euo pipefail
cd "$(dirname "$0")/.."
FAST=0
if [ "${1:-}" = "--fast" ]; then FAST=1; shift; fi
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq chromium; \
  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi
fi
python3 -m pip install -q -r requirements-dev.txt
# The Celery tests need Redis at 127.0.0.1:6379 (the machine provides one; start it if it stopped).
if ! python3 -c "import redis; redis.Redis(host='127.0.0.1', port=6379, socket_connect_timeout=2).ping()" 2>/dev/null; then
  if command -v redis-server >/dev/null 2>&1; then
    mkdir -p /tmp/redis-test
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /tmp/redis-test \
      --logfile /tmp/redis-test/redis.log || true
    sleep 1
  else
    echo "== Redis not reachable at 127.0.0.1:6379 and redis-server not installed: Celery tests will skip (fail under CI=true) =="
  fi
fi
bash scripts/lint.sh
if [ "$FAST" = "1" ]; then
  exec python3 -m pytest -m "not slow and not browser and not postgres" -k "not postgresql" \
    --ignore=tests/reliability "$@"
fi
python3 -m pytest "$@"

PG_URL="${SEASON_PLANNER_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
if [ "${CI:-}" = "true" ] || python3 - "$PG_URL" <<'PY' 2>/dev/null
import sys
from sqlalchemy import create_engine, text
with create_engine(sys.argv[1], connect_args={"connect_timeout": 3}).connect() as c:
    c.execute(text("SELECT 1"))
PY
then
  echo "== the database-backed suites again, on PostgreSQL ($PG_URL) =="
  DATABASE_URL="$PG_URL" python3 -m pytest tests/db tests/orchestrator "$@"
else
  echo "== PostgreSQL not reachable at $PG_URL: PostgreSQL pass skipped (tests/reliability and tests/db still ran their PostgreSQL cases or said why they skipped) =="
fi
