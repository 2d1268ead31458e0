"""The web kit every activity's web package is built with.

An activity's web package (``lti_tool/readiness``, ``lti_tool/coaching``, and
the next ones) keeps its own views, forms and templates, and takes the rest
from here, so that every activity loads, refuses, saves, formats and lays out
its pages the same way:

- :mod:`.activity` — ``blueprint(kind, __name__, BaseError, PROBLEMS)`` makes the
  blueprint at ``/a/<activity_id>/<kind>/``, answers the domain's refusals on it
  and gives its templates the formatting helpers and ``role``;
  ``loader(kind, service.settings_of)`` gives ``load(activity_id)``, the activity
  in the launch's context (:func:`lti_tool.auth.activity_in_context`) with its
  validated settings.
- :mod:`.refusals` — :class:`Problem`, and the one :func:`refused` page. The
  package's ``errors.py`` holds ``PROBLEMS``: domain exception class → Problem
  (a translated sentence, a 4xx status, the form field it belongs to), built with
  ``table(answer(SomeError, lambda e: Problem(...)), ...)`` so that each answer is
  type-checked against its own class.
- :mod:`.actions` — :func:`form_action` for every POST: commit and redirect 303,
  or roll back and show the form again with the refusal's 4xx status; :func:`saved`
  when the form checked its input itself.
- :mod:`.formatting` — numbers, sizes, dates and times on Babel, in the page's
  locale and the course's time zone; templates call them by name (``number``,
  ``megabytes``, ``size``, ``when``, ``day``, ``waited``).
- ``templates/web/_forms.html`` — field, hint, error, fieldset and the error
  summary with the ``{id}-hint`` / ``{id}-error`` convention;
  ``templates/web/layout.html`` — the layout every page extends (it links
  ``static/<kind>/<kind>.css``); ``templates/web/refused.html`` — the refusal page.

How a fourth activity plugs in: write its domain in ``activities/<kind>/`` with a
``service`` module (the only module its views import, with ``exceptions``:
tests/lti_tool/test_layering.py checks it); make ``lti_tool/<kind>/`` with
``errors.py`` (its ``PROBLEMS`` table), ``common.py`` (``bp = blueprint(...)``,
``load_x = loader(...)``), views that call ``service`` and answer POSTs with
:func:`form_action`, templates that extend ``web/layout.html`` and import
``web/_forms.html``; then ``register()`` its :class:`lti_tool.activity_types.ActivityType`
in its ``__init__`` and list the package in ``ACTIVITY_MODULES``.
"""

from .actions import form_action, saved
from .activity import blueprint, loader
from .refusals import Problem, answer, describe, refused, table

__all__ = ["Problem", "answer", "blueprint", "describe", "form_action", "loader", "refused", "saved", "table"]
