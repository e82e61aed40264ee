#!/usr/bin/env bash
# Runs the test suite (or the pytest arguments given) against PostgreSQL: creates a throw-away
# database on the server, points DATABASE_URL at it, and drops it afterwards, even on failure.
#   PG_ADMIN_URL  a SQLAlchemy URL of a database on the server with CREATE DATABASE rights
#                 (default postgresql+psycopg://postgres@127.0.0.1:5432/test)
# Example: scripts/test_postgres.sh tests/reliability -q
set -euo pipefail
cd "$(dirname "$0")/.."
ADMIN_URL="${PG_ADMIN_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
DB_NAME="sp_test_$(date +%s)_$$"
export ADMIN_URL DB_NAME

pg() {  # pg create|drop: CREATE / DROP DATABASE outside a transaction
  python3 - "$1" <<'PY'
import os, sys
import sqlalchemy as sa
admin, name = os.environ["ADMIN_URL"], os.environ["DB_NAME"]
engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
with engine.connect() as conn:
    if sys.argv[1] == "create":
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    else:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
PY
}

pg create
trap 'pg drop' EXIT
BASE_URL="${ADMIN_URL%/*}"
export DATABASE_URL="$BASE_URL/$DB_NAME"
export RELIABILITY_PG_URL="$DATABASE_URL"
echo "tests on $DATABASE_URL" >&2
python3 -m pytest -p no:cacheprovider "$@"
