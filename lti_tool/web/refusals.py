"""A domain refusal as the page a person reads: one message, a 4xx status, a form field.

The domain raises one exception class per broken rule, with English text meant
for logs. Each activity's web package keeps one table, exception class →
:class:`Problem` (a translated sentence that says what to do), and registers it
here with its family's base class. Then :func:`describe` answers for any
activity's exception, :func:`refused` renders the one refusal page, and
:func:`install` makes that page the blueprint's safety net, so a refusal a view
did not expect is still a 4xx page, never a 500.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from .. import activity_types
from ..runtime import db


@dataclasses.dataclass(frozen=True)
class Problem:
    status: int
    message: str
    #: The form field the message belongs to; None for the form or page as a whole.
    field: str | None = None


#: Exception class → its answer. Each answer takes the class it is filed under (and its subclasses),
#: which a mapping's type cannot say: :func:`answer` checks each row, the table holds them for any class.
Table = Mapping[type[Exception], Callable[[Any], Problem]]
Answer = tuple[type[Exception], Callable[[Any], Problem]]

_E = TypeVar("_E", bound=Exception)


def answer(cls: type[_E], make: Callable[[_E], Problem]) -> Answer:
    """One row of a :data:`Table`: ``make`` is type-checked against ``cls``, so it may read that class's fields."""
    return cls, make


def table(*answers: Answer) -> Table:
    """A :data:`Table` from :func:`answer` rows."""
    return dict(answers)

_tables: dict[type[Exception], Table] = {}


def register(family: type[Exception], table: Table) -> None:
    """Make ``table`` the answer for ``family`` (an activity's base exception) and its subclasses."""
    _tables[family] = table


def families() -> tuple[type[Exception], ...]:
    """The registered base exceptions: what a form action catches as a refusal."""
    return tuple(_tables)


def describe(error: Exception) -> Problem:
    """The registered answer for the error, looked up along its class's MRO so that a
    subclass the domain adds later still gets its family's answer."""
    for cls in type(error).__mro__:
        for table in _tables.values():
            make = table.get(cls)
            if make is not None:
                return make(error)
    return Problem(400, _("Padu could not do this. Check what you entered and try again."))


def refused(error: Exception | Problem):
    """The refusal page for a domain refusal that has no form to show it next to.

    Rolls the transaction back first: nothing of a refused action is saved.
    """
    db().rollback()
    problem = error if isinstance(error, Problem) else describe(error)
    kind = activity_types.get(request.blueprint or "")
    return render_template("web/refused.html", problem=problem,
                           activity_id=(request.view_args or {}).get("activity_id"),
                           settings_endpoint=kind.settings_endpoint if kind else None), problem.status


def install(blueprint: Blueprint, family: type[Exception], table: Table) -> None:
    """Register the activity's table and answer its refusals on ``blueprint`` with :func:`refused`."""
    register(family, table)
    blueprint.register_error_handler(family, refused)
