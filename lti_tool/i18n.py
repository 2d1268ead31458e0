"""Language: Indonesian first, English second, following the launch's locale."""

from __future__ import annotations

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, current_app, g, request, session
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from activities.db import loaded

SUPPORTED = ("id", "en")
DEFAULT = "id"


def normalise(locale: str | None) -> str:
    """``en``, ``en-US``, ``en_AU`` → ``en``; ``id``, ``id-ID``, ``in`` and anything else → ``id``."""
    if locale and locale.replace("_", "-").split("-")[0].lower() == "en":
        return "en"
    return DEFAULT


#: Parsed once: Flask-Babel takes a ``Locale`` as it is, where it parses a name on every request.
_LOCALES = {code: Locale.parse(code) for code in SUPPORTED}


def select_locale() -> Locale:
    """Flask-Babel's locale selector: ``?lang=``, else the launch's locale, else the browser's."""
    args = request.args
    explicit = args["lang"] if "lang" in args else None  # ``get`` raises and catches a KeyError when absent
    if explicit in SUPPORTED:
        return _LOCALES[explicit]
    launch = getattr(session, "launch", None)
    if launch is not None:
        # During an outage (outage.py) the row may be expired: read what was loaded only.
        return _LOCALES[normalise(loaded(launch, "locale") if g.get("database_unavailable") else launch.locale)]
    return _LOCALES[request.accept_languages.best_match(SUPPORTED, default=DEFAULT)]


def request_translations() -> NullTranslations:
    """The catalogue of this request's locale.

    Flask-Babel's ``get_translations`` finds the app's domain and then its
    catalogue by the locale's name, through the request's context, on every
    ``gettext`` (about 6 µs; a page says ``_()`` a dozen times or more). The
    catalogue of a locale is the same for the app's life (Flask-Babel caches it
    forever, and Padu uses only the default domain), so the app keeps them by
    locale: one dictionary look-up. The locale is Flask-Babel's for the request, so
    ``force_locale`` and ``refresh`` are followed.
    """
    locale = get_locale()
    catalogues = current_app.extensions[_CATALOGUES]
    translations = catalogues.get(locale)
    if translations is None:
        translations = catalogues[locale] = get_translations()
    return translations


#: The app's extension key of its catalogues by locale (see ``request_translations``).
_CATALOGUES = "padu_catalogues"


#: The template context's name for the catalogue of the page being rendered (see ``catalogue_context``).
CATALOGUE = "_padu_catalogue"


def catalogue_context() -> dict:
    """A context processor: the page's catalogue, found once per page rather than once per string."""
    return {CATALOGUE: request_translations()}


@pass_context
def template_gettext(context: Context, string: str, **variables) -> str:
    """Templates' ``_()`` and ``gettext()``: Jinja's "newstyle" gettext (escaped, always a
    format string), without its two indirect calls per string.

    The catalogue comes with the page's context; a macro imported without
    context, or a template rendered outside ``render_template``, looks it up."""
    catalogue = context.get(CATALOGUE) or request_translations()
    translated = catalogue.ugettext(string)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)
    # ``text % {}`` is ``text`` when it holds no ``%``: the format is skipped only then.
    return translated % variables if variables or "%" in translated else translated


def install_template_gettext(app: Flask) -> None:
    """After Flask-Babel's own set-up: the same functions, the catalogue found once per page."""
    app.extensions[_CATALOGUES] = {}
    env = app.jinja_env
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    env.globals.update(_=template_gettext, gettext=template_gettext)
    app.context_processor(catalogue_context)
