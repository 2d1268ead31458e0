"""Turning a domain refusal into what a person reads: one message, a 4xx status, a form field.

Each activity keeps its own table (exception class → Problem); the lookup and
the shapes are shared here.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Mapping, TypeVar

from flask_babel import gettext as _

MB = 1024 * 1024
E = TypeVar("E", bound=Exception)


@dataclasses.dataclass(frozen=True)
class Problem:
    status: int
    message: str
    #: The form field the message belongs to; None for the form or page as a whole.
    field: str | None = None


def megabytes(size: int) -> str:
    """Bytes as the megabytes people read: 10485760 → "10", 1572864 → "1.5"."""
    return format(round(size / MB, 1), "g")


def describe(error: E, table: Mapping[type[E], Callable[[E], Problem]]) -> Problem:
    """The table's answer for the error, looked up along its class's MRO so that a
    subclass the domain adds later still gets its family's answer."""
    for cls in type(error).__mro__:
        make = table.get(cls)
        if make is not None:
            return make(error)
    return Problem(400, _("Padu could not do this. Check what you entered and try again."))
