"""Alembic migrations, run programmatically at start-up (no alembic.ini).

HEAD is the newest revision id; start-up compares it with the database's alembic_version row so
an up-to-date database never loads alembic at all. A test checks HEAD against the scripts.
"""

HEAD = "0010_history_columns"
