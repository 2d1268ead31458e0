"""The psycopg cursor of Padu's PostgreSQL engines: ``description`` built when first read.

SQLAlchemy reads ``cursor.description`` after every statement, but for a statement it
has run before (all of Padu's, once warm) it only asks whether the description is
``None``: the result's columns come from its compiled cache. psycopg builds a
``Column`` object per result column each time (name decoded, type looked up), about
15 µs a statement inside a launch, for nothing. Here the ``None`` answer is given at
once and the columns are built, exactly as psycopg builds them, when someone reads one.

Only imported for a psycopg engine (``activities.db.make_engine``): SQLite processes
never load psycopg.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import psycopg
from psycopg import pq

_HAS_TUPLES = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE, pq.ExecStatus.TUPLES_CHUNK)


class _Result:
    """What ``psycopg.Column`` reads of its cursor, held for the result it describes:
    the cursor itself moves on to its next result or closes before a late read."""

    __slots__ = ("_encoding", "adapters", "pgresult")

    def __init__(self, cursor: psycopg.Cursor[Any], pgresult: pq.abc.PGresult) -> None:
        self.pgresult = pgresult
        self._encoding = cursor._encoding  # psycopg's own name: Column reads it
        self.adapters = cursor.adapters


class Description(Sequence[psycopg.Column]):
    """A result's ``description``: psycopg's list of ``Column``, made on first use."""

    __slots__ = ("_columns", "_result")

    def __init__(self, result: _Result) -> None:
        self._result: _Result | None = result
        self._columns: list[psycopg.Column] | None = None

    def _built(self) -> list[psycopg.Column]:
        if self._columns is None:
            result = self._result
            assert result is not None
            self._columns = [psycopg.Column(result, i)  # type: ignore[arg-type]  # duck-typed cursor
                             for i in range(result.pgresult.nfields)]
            self._result = None  # the PGresult may be freed now
        return self._columns

    @overload
    def __getitem__(self, index: int) -> psycopg.Column: ...

    @overload
    def __getitem__(self, index: slice) -> list[psycopg.Column]: ...

    def __getitem__(self, index: int | slice) -> psycopg.Column | list[psycopg.Column]:
        return self._built()[index]

    def __len__(self) -> int:
        return len(self._built())

    def __iter__(self) -> Iterator[psycopg.Column]:
        return iter(self._built())

    def __eq__(self, other: object) -> bool:
        return self._built() == (list(other) if isinstance(other, Description) else other)

    __hash__ = None  # type: ignore[assignment]  # a list is not hashable either

    def __repr__(self) -> str:
        return repr(self._built())


class LazyDescriptionCursor(psycopg.Cursor[Any]):
    """psycopg's cursor with a ``description`` that costs nothing until read."""

    __slots__ = ()

    @property
    def description(self) -> Description | None:  # type: ignore[override]
        result = self.pgresult
        # psycopg's own test: columns, or a statement that said it returns rows ("SELECT ;")
        if result is not None and (result.nfields or result.status in _HAS_TUPLES):
            return Description(_Result(self, result))
        return None
