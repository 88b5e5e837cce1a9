"""What every benchmark needs before Django starts: its PostgreSQL database, created when
missing, so each benchmark runs from a fresh clone with one command."""

from __future__ import annotations

import os


def ensure_database() -> None:
    """Create the database ``DATABASE_URL`` names when it does not exist yet."""
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "Set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/flowercrm_bench"
        )
    base, _, name = url.partition("?")[0].rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def analyze() -> None:
    """``VACUUM ANALYZE`` after seeding, as autovacuum would have by the time anyone reads: rows
    bulk-inserted a second ago have no statistics, and the planner then guesses 8 orders where
    there are 10,000 (a sort of the whole shop instead of the newest-first index)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
