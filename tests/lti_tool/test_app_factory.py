"""The app hands its own functions to Flask unchecked for ``async def`` (``app.PaduFlask``),
so making it refuses any that is: called without an ``await``, it would answer with a
coroutine object, or do nothing at all."""

from __future__ import annotations

import sys
import types

import pytest
from flask import Blueprint

from lti_tool import activity_types
from lti_tool.app import create_app


@pytest.fixture
def app(settings):
    app = create_app(settings)
    yield app
    app.extensions["padu"].engine.dispose()


async def _async_view():
    return "never awaited"


def _register_view(bp: Blueprint) -> None:
    bp.add_url_rule("/async", view_func=_async_view)


def _register_hook(bp: Blueprint) -> None:
    bp.before_app_request(_async_view)


def _register_teardown(bp: Blueprint) -> None:
    bp.teardown_app_request(_async_view)


def _register_error_handler(bp: Blueprint) -> None:
    bp.app_errorhandler(418)(_async_view)


@pytest.mark.parametrize("register", [_register_view, _register_hook, _register_teardown, _register_error_handler])
def test_an_activity_module_with_an_async_function_is_refused_when_the_app_is_made(settings, monkeypatch, register):
    bp = Blueprint("async_activity", __name__)
    register(bp)
    module = types.ModuleType("async_activity")
    module.bp = bp  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "async_activity", module)
    monkeypatch.setattr(activity_types, "ACTIVITY_MODULES", (*activity_types.ACTIVITY_MODULES, "async_activity"))
    with pytest.raises(TypeError, match="_async_view"):
        create_app(settings)


def test_the_apps_own_functions_are_handed_back_as_they_are(app):
    for function in (app.view_functions["lti.login"], *app.before_request_funcs[None], *app.teardown_appcontext_funcs):
        assert app.ensure_sync(function) is function


def test_an_async_function_registered_later_still_goes_through_flasks_check(app):
    async def later():
        return "never awaited"

    # Flask's own check: without its "async" extra (asgiref, which Padu does not install) it
    # refuses the function outright, where an unchecked hand-back would return it as it is.
    with pytest.raises(RuntimeError, match="async"):
        app.ensure_sync(later)
