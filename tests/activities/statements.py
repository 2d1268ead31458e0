"""Counting the SQL statements a piece of code runs: batch answers must not grow with the cohort."""

from __future__ import annotations

import contextlib

from sqlalchemy import event


@contextlib.contextmanager
def counted_statements(engine):
    """Yields a list that collects every statement the engine sends while the block runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
