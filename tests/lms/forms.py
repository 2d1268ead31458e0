"""Reading HTML forms the way a browser submits them (stdlib html.parser only)."""

from __future__ import annotations

import html
from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = {"id": attrs.get("id"), "action": html.unescape(attrs.get("action") or ""),
                             "method": (attrs.get("method") or "get").lower(), "fields": {}}
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None and attrs.get("name"):
            if attrs.get("type") in ("radio", "checkbox") and "checked" not in attrs:
                return
            self._current["fields"][attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def parse_forms(text: str) -> list[dict]:
    parser = _FormParser()
    parser.feed(text)
    return parser.forms


def first_form(text: str, form_id: str | None = None) -> dict:
    for form in parse_forms(text):
        if form_id is None or form["id"] == form_id:
            return form
    raise AssertionError(f"no form {form_id or ''} in page: {text[:500]}")
