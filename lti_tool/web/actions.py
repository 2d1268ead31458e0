"""A form's POST: do it, then save and go on, or undo and show the form again.

The sequence every activity's form follows (POST/redirect/GET):

- the domain call succeeds: commit, flash what happened, redirect ``303 See Other``
  so that reloading the next page never posts again;
- the domain refuses: roll back (nothing of it is saved) and answer the form again
  with the refusal's 4xx status, what was typed, and the message in the error summary.

A refusal the form cannot show propagates to the blueprint's refusal page
(:func:`lti_tool.web.refusals.install`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect
from sqlalchemy.exc import IntegrityError

from ..runtime import db
from .refusals import Problem, describe, families

Message = str | Callable[[Any], str | None] | None


def saved(to: str, message: str | None = None):
    """Commit, flash ``message`` and redirect 303 to ``to``."""
    db().commit()
    if message:
        flash(message, "info")
    return redirect(to, code=303)


def form_action(work: Callable[[], Any], *, again: Callable[[Problem], Any], to: str | Callable[[Any], Any],
                message: Message = None, refusals: tuple[type[Exception], ...] | None = None,
                conflict: Problem | None = None):
    """Run ``work`` (the domain call) and answer the POST.

    ``again(problem)`` renders the form with the problem (its status is the
    response's). ``to`` is the URL to go to, or a function of work's result
    giving it; it may give a whole response instead, when the outcome is shown
    on the form itself. ``message`` (or a function of the result) is flashed.
    ``refusals`` narrows which domain exceptions the form shows (default: every
    registered activity's); ``conflict`` is the problem to show when a unique
    constraint lost a race (a double tap), which then is not an error.
    """
    try:
        outcome = work()
    except IntegrityError:
        if conflict is None:
            raise
        db().rollback()
        return again(conflict)
    except (refusals if refusals is not None else families()) as error:  # noqa: B030  (a tuple of classes)
        db().rollback()
        return again(describe(error))
    db().commit()
    target = to(outcome) if callable(to) else to
    if not isinstance(target, str):
        return target
    text = message(outcome) if callable(message) else message
    if text:
        flash(text, "info")
    return redirect(target, code=303)
