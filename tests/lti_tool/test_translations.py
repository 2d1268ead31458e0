"""The Indonesian catalog is complete, consistent, compiled and in step with the code.

Padu's interface is Indonesian first: a string added to the code or a template
without `bash scripts/i18n` and a translation would show in English, so CI
fails on it here. Every check reads the files the package ships
(``lti_tool/translations``), nothing is rewritten.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "lti_tool" / "translations"
PO = TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.mo"
FIX = "run `bash scripts/i18n`, translate the new entries in lti_tool/translations/id/LC_MESSAGES/messages.po, run it again"

#: A %-directive as Python (and Jinja's newstyle gettext, which always applies ``%``) reads it:
#: ``%(name)s``, ``%(num)d``, ``%s``, ``%.1f``, and ``%%``.
PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])")


def _catalog():
    with PO.open("rb") as handle:
        return read_po(handle, locale="id")


def _messages(catalog):
    """The real entries: the header (empty msgid) left out."""
    return [message for message in catalog if message.id]


def _label(message) -> str:
    return message.id[0] if isinstance(message.id, (tuple, list)) else message.id


def _placeholders(text: str) -> list[tuple[str | None, str]]:
    return sorted(((m.group("name"), m.group("type")) for m in PLACEHOLDER.finditer(text)),
                  key=lambda item: (item[0] or "", item[1]))


@pytest.fixture(scope="module")
def catalog():
    return _catalog()


def test_header_declares_one_plural_form(catalog):
    assert catalog.num_plurals == 1
    assert catalog.plural_expr.replace(" ", "") == "0"
    plural_forms = dict(catalog.mime_headers).get("Plural-Forms", "").replace(" ", "")
    assert plural_forms == "nplurals=1;plural=0;", plural_forms


def test_every_message_has_an_indonesian_translation(catalog):
    untranslated = []
    for message in _messages(catalog):
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        if not strings or not all(s and s.strip() for s in strings):
            untranslated.append(_label(message))
        elif message.fuzzy:
            untranslated.append(_label(message) + "  (fuzzy)")
    assert not untranslated, f"{len(untranslated)} message(s) without Indonesian text ({FIX}):\n" + "\n".join(
        untranslated)


def test_placeholders_match(catalog):
    wrong = []
    for message in _messages(catalog):
        if isinstance(message.id, (tuple, list)):
            singular, plural = (_placeholders(text) for text in message.id)
            # Indonesian has one form, used for every count: it must carry what both English forms carry.
            wanted = sorted(set(singular) | set(plural), key=lambda item: (item[0] or "", item[1]))
            if singular != plural:
                wrong.append(f"{_label(message)!r}: the English forms differ ({singular} / {plural})")
            strings = list(message.string)
        else:
            wanted = _placeholders(message.id)
            strings = [message.string]
        for text in strings:
            if text and _placeholders(text) != wanted:
                wrong.append(f"{_label(message)!r}: {wanted} in English, {_placeholders(text)} in {text!r}")
    assert not wrong, "placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)


def test_babel_checkers_accept_the_catalog(catalog):
    # Babel's own checks (python-format compatibility, number of plural forms).
    problems = [f"{_label(message)!r}: {'; '.join(map(str, errors))}" for message, errors in catalog.check()]
    assert not problems, "\n".join(problems)


def _key(message) -> tuple:
    """A message's identity in a set: plural ids come back from babel as lists, which do not hash."""
    return (message.id if isinstance(message.id, str) else tuple(message.id), message.context)


def _mo_messages(handle) -> dict:
    return {_key(message): message.string if isinstance(message.string, str) else tuple(message.string)
            for message in read_mo(handle)}


def test_compiled_catalog_is_up_to_date():
    compiled = io.BytesIO()
    write_mo(compiled, _catalog())
    compiled.seek(0)
    expected = _mo_messages(compiled)
    with MO.open("rb") as handle:
        shipped = _mo_messages(handle)
    missing = sorted(str(key[0]) for key in expected.keys() - shipped.keys())
    stale = sorted(str(key[0]) for key in shipped.keys() - expected.keys())
    differ = sorted(str(key[0]) for key in expected.keys() & shipped.keys() if expected[key] != shipped[key])
    assert not (missing or stale or differ), (
        f"messages.mo does not match messages.po ({FIX}):\n"
        f"missing: {missing}\nnot in the .po: {stale}\ndifferent text: {differ}")


def test_every_string_of_the_code_and_templates_is_in_the_catalog(tmp_path, catalog):
    pot = tmp_path / "messages.pot"
    # The same extraction as scripts/i18n.
    CommandLineInterface().run([
        "pybabel", "--quiet", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "lazy_gettext", "-k", "_l",
        "--no-location", "--sort-output", "-o", str(pot), str(ROOT),
    ])
    with pot.open("rb") as handle:
        extracted = {_key(message) for message in read_po(handle) if message.id}
    assert extracted, "the extraction found no string at all: is babel.cfg still there?"
    known = {_key(message) for message in _messages(catalog)}
    missing = sorted(str(key[0]) for key in extracted - known)
    assert not missing, f"{len(missing)} string(s) of the code are not in the catalog ({FIX}):\n" + "\n".join(
        missing)
