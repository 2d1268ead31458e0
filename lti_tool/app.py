"""The Flask application factory."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator
from inspect import iscoroutinefunction
from typing import Any

from flask import Flask, abort, g, render_template, request, session
from flask_babel import Babel, get_locale
from flask_compress import Compress
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from activities.db import loaded
from config import Settings, load_settings

from . import activity_types, first_page, static_files
from .frame_ancestors import PlatformOrigins, directive_value, origin
from .i18n import install_template_gettext, select_locale
from .logsafe import clean
from .lti1p3.exceptions import LtiError
from .lti1p3.presentation import FRAMED_TARGETS, TARGET_KEY, return_link
from .lti1p3.registry import get_platform
from .outage import OutageAwareSessions, is_database_outage, raise_session_outage, unavailable_page
from .runtime import Runtime, close_db, db
from .sessions import TOKEN_PARAM

log = logging.getLogger("padu")
csrf = CSRFProtect()
#: The Content-Security-Policy of every page, around its ``frame-ancestors`` sources.
#: Scripts from Padu's own files, and the one inline line of a launch's first page (first_page.py).
_CSP_BEFORE_FRAMERS = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                       f"script-src 'self' {first_page.SCRIPT_HASH_SOURCE}; form-action *; frame-ancestors ")
_CSP_AFTER_FRAMERS = "; base-uri 'none'; object-src 'none'"


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    app = PaduFlask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 64 * 1024,
        MAX_FORM_MEMORY_SIZE=settings.max_form_bytes,
        WTF_CSRF_TIME_LIMIT=settings.session_lifetime,
        WTF_CSRF_SSL_STRICT=False,  # the Referer is Moodle's page inside its iframe
        WTF_CSRF_CHECK_DEFAULT=False,  # checked by _check_csrf below, in Flask-WTF's place
        BABEL_DEFAULT_LOCALE="id",
        BABEL_TRANSLATION_DIRECTORIES="translations",
        TEMPLATES_AUTO_RELOAD=False,
        # Pages (HTML) and JSON answers are compressed here; static files come
        # precompressed from static_files. Secrets in a page (CSRF and session
        # tokens) sit next to reflected input only after a CSRF-checked POST,
        # which a cross-site attacker cannot make: no BREACH oracle.
        COMPRESS_MIMETYPES=["text/html", "application/json"],
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_STREAMS=False,
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    static_build = static_files.build(settings.data_dir)
    # Wrapping wsgi_app is Flask's documented way to add middleware; its stubs call it a method.
    app.wsgi_app = static_files.serve(  # type: ignore[method-assign]
        app.wsgi_app, static_build, app.static_url_path or "/static")
    if settings.proxy_count:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_count, x_proto=settings.proxy_count,
            x_host=settings.proxy_count, x_port=settings.proxy_count)
    app.extensions["padu"] = Runtime.build(settings)
    app.session_interface = OutageAwareSessions()
    app.before_request(raise_session_outage)  # first of all hooks (outage.py)
    # Before the CSRF check: Flask-WTF reads every form field's name and fails
    # on a multipart part sent without one (a crafted request, never a browser).
    app.before_request(_refuse_unnamed_form_parts)
    csrf.init_app(app)
    app.before_request(_csrf_check(app))
    _PageCompress(app)
    Babel(app, locale_selector=select_locale)
    install_template_gettext(app)
    app.jinja_env.globals["get_locale"] = get_locale
    # base.html: a launch's first page puts its own URL in the browser's history (first_page.py).
    app.jinja_env.globals["first_page_url"] = first_page.url_answered
    app.jinja_env.globals["first_page_script"] = Markup(first_page.SCRIPT)
    app.teardown_appcontext(close_db)

    @app.url_defaults
    def _carry_session_token(endpoint, values):
        if endpoint == "static":
            # The content-hashed name, cached for a year (static_files.py).
            values["filename"] = static_build.hashed_name(values.get("filename", ""))
            return
        # Every URL Padu renders carries the launch session (see sessions.py).
        token = g.get("launch_token")
        if token and TOKEN_PARAM not in values and endpoint != "static":
            values[TOKEN_PARAM] = token

    platform_origins = PlatformOrigins(app.extensions["padu"].session_factory)
    hsts = settings.base_url.startswith("https://")

    @app.after_request
    def _headers(response):
        # The names present, read once: each ``in`` or ``setdefault`` on werkzeug's
        # Headers walks the whole list again, and every answer passes here.
        headers = response.headers
        present = {name.lower() for name, _value in headers.items()}
        endpoint = request.endpoint
        if "x-content-type-options" not in present:
            headers.add("X-Content-Type-Options", "nosniff")
        if "referrer-policy" not in present:
            headers.add("Referrer-Policy", "same-origin")
        if "content-security-policy" not in present:
            # Padu runs inside the LMS's iframe: framing is allowed to the platforms only.
            headers.add("Content-Security-Policy",
                        _CSP_BEFORE_FRAMERS + _frame_ancestors(platform_origins, endpoint) + _CSP_AFTER_FRAMERS)
        if hsts and "strict-transport-security" not in present:
            # RFC 6797 §7.2: a UA ignores it over plain HTTP, so sending it always is harmless.
            headers.add("Strict-Transport-Security", "max-age=31536000")
        if endpoint != "static" and "cache-control" not in present:
            headers.add("Cache-Control", "no-store")
        return response

    @app.context_processor
    def _launch_context():
        launch = getattr(session, "launch", None)
        if launch is None or g.get("database_unavailable"):
            # The outage page (outage.py) brings its own way back, read without the database.
            return {}
        from .auth import current_course, current_person

        target = session.get(TARGET_KEY, "")
        back = None
        if target not in FRAMED_TARGETS:  # inside the LMS's frame there is no way back to show
            platform = get_platform(db(), launch.platform_id)  # the registry's cache: no query
            back = return_link(launch.return_url, platform.issuer, target) if platform is not None else None
        return {"launch": launch, "course": current_course(), "me": current_person(), "return_link": back}

    @app.get("/favicon.ico")
    def favicon():
        # Browsers ask for it on every top-level page (a phone's launch is one).
        response = app.send_static_file("favicon.ico")
        response.headers["Cache-Control"] = "public, max-age=604800"
        return response

    _register_error_pages(app, platform_origins)

    from .views import deep_linking, grades, lti, registration, setup

    for blueprint in (lti.bp, registration.bp, setup.bp, deep_linking.bp, grades.bp):
        app.register_blueprint(blueprint)
    for module_name in activity_types.ACTIVITY_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            log.debug("activity module %s is not installed", module_name)
            continue
        app.register_blueprint(module.bp)
    from . import meetings  # the meetings of the gating program's phases, under a gating activity's URL

    app.register_blueprint(meetings.bp)
    app.refuse_async_functions()
    return app


class PaduFlask(Flask):
    """Flask, without asking on every call whether Padu's own functions are ``async def``.

    Flask passes every view, hook, teardown, context processor and error handler it calls
    through ``ensure_sync``, on every request, and each pass runs
    ``inspect.iscoroutinefunction``: a page's 14 passes cost 5.9 µs, as set look-ups
    1.3 µs (measured in-process, 2026-12). Padu has no async functions:
    :meth:`refuse_async_functions`, run once the app is made, raises for any among those
    registered, and from then on those are handed back as they are. Anything else
    (registered later, a signal receiver, a class-based view's method) still goes
    through Flask's own check, so an async function is never called without being awaited.
    """

    _sync_functions: frozenset[Callable[..., Any]] = frozenset()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        if func in self._sync_functions:
            return func
        return super().ensure_sync(func)

    def refuse_async_functions(self) -> None:
        """Raise TypeError if a registered function is ``async def``; else trust them from now on."""
        functions = list(_registered_functions(self))
        refused = [getattr(func, "__qualname__", repr(func)) for func in functions if iscoroutinefunction(func)]
        if refused:
            raise TypeError(f"Padu serves no async functions; async def: {', '.join(refused)}")
        self._sync_functions = frozenset(functions)


def _registered_functions(app: Flask) -> Iterator[Callable[..., Any]]:
    """Every function the app (and its blueprints, merged into it) calls during a request."""
    yield from app.view_functions.values()
    for registry in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs,
                     app.template_context_processors, app.url_value_preprocessors, app.url_default_functions):
        for functions in registry.values():
            yield from functions
    yield from app.teardown_appcontext_funcs
    for by_code in app.error_handler_spec.values():
        for by_class in by_code.values():
            yield from by_class.values()


class _PageCompress(Compress):
    """Flask-Compress, not asked about answers it never compresses.

    It compresses 2xx answers only, yet reads every answer's headers and the
    request's ``Accept-Encoding`` first: a launch's 302 and 303 skip that.
    """

    def after_request(self, response):
        if not 200 <= response.status_code < 300:
            return response
        return super().after_request(response)


def _csrf_check(app: Flask):
    """Flask-WTF's CSRF check of every request, asked only of the methods it checks.

    Its own hook works out whether the view is exempt before it looks at the
    method, on every GET too, and that costs more than the rest of its hook. A
    view's exemption is fixed once the app is made, so it is asked once per endpoint.
    """
    config = app.config
    exempt: dict[str, bool] = {}

    def _check_csrf():
        endpoint = request.endpoint
        if request.method not in config["WTF_CSRF_METHODS"] or endpoint is None or not config["WTF_CSRF_ENABLED"]:
            return
        if endpoint not in exempt:
            exempt[endpoint] = csrf._is_exempt()
        if not exempt[endpoint]:
            csrf.protect()

    return _check_csrf


def _refuse_unnamed_form_parts():
    if request.method == "POST" and request.mimetype == "multipart/form-data":
        if None in request.form or None in request.files:
            abort(400, description="A form part without a name.")


def _frame_ancestors(platform_origins: PlatformOrigins, endpoint: str | None) -> str:
    """``frame-ancestors`` for this request: the launch's platform, else every registered one.

    During Dynamic Registration the registering Moodle is not registered yet,
    and shows Padu's page in its own frame; its origin is that of the
    ``openid_configuration`` URL it passes.
    """
    launch = getattr(session, "launch", None)
    outage = g.get("database_unavailable")
    if launch is not None and outage:  # the launch row may be expired: read what is loaded only
        platform_id = loaded(launch, "platform_id")
        return directive_value(platform_origins.known(platform_id) if platform_id is not None
                               else platform_origins.known_all())
    if launch is not None:
        return platform_origins.directive_for(launch.platform_id)
    registering = endpoint in ("registration.register", "registration.register_invited")
    if not (outage or registering):
        return platform_origins.directive_all()
    origins = platform_origins.known_all() if outage else platform_origins.all()
    if registering:
        configured = origin(request.args.get("openid_configuration"))
        if configured:
            origins.append(configured)
    return directive_value(origins)


def _register_error_pages(app: Flask, platform_origins: PlatformOrigins) -> None:
    # The database away is a 503 wherever it shows: in a view (the handlers
    # below), or while the launch session is opened, before any view, which
    # Flask hands to the HTTPException handler as a 500 wrapping the error.
    @app.errorhandler(sa_exc.SQLAlchemyError)
    def _database_error(error: sa_exc.SQLAlchemyError):
        if is_database_outage(error):
            return unavailable_page(platform_origins)
        return _unexpected(error)

    @app.errorhandler(LtiError)
    def _lti_error(error: LtiError):
        # The reason quotes what the platform or the browser sent: escaped, or a %0a forges a log line.
        log.warning("LTI refused (%s): %s [%s %s]", error.code, clean(error.reason, 500), request.method,
                    clean(request.path))
        return render_template("error.html", code=error.code, status=error.status, kind="lti"), error.status

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        log.warning("CSRF refused: %s [%s]", error.description, request.path)
        return render_template("error.html", code="csrf", status=400, kind="csrf"), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code == 500 and is_database_outage(error):
            return unavailable_page(platform_origins)
        if request.accept_mimetypes.best == "application/json" or request.is_json:
            return {"error": error.name, "detail": error.description}, error.code
        return render_template("error.html", code=str(error.code), status=error.code, kind="http",
                               name=error.name), error.code

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        # A last line so that a person never sees a bare stack trace page; the
        # traceback goes to the log, where it must be fixed.
        if is_database_outage(error):
            return unavailable_page(platform_origins)
        log.exception("unexpected error on %s %s", request.method, request.path)
        return render_template("error.html", code="500", status=500, kind="server"), 500
