"""Cleaning what people type: rich text, plain text and links.

Learner and facilitator HTML is shown to other people (coaches, staff), so it
is cleaned with nh3 when it comes in, not when it goes out: what is stored is
safe to render, and a template that forgets ``|safe`` rules merely shows tags.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urlsplit

import nh3

from .exceptions import InvalidLink

ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "ul", "ol", "li", "a", "h3", "h4", "blockquote"})

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={"a": {"href"}},
    # Padu runs in Moodle's iframe: a link opens a new tab, and that tab gets
    # no handle on Padu's window (noopener) nor its URL (noreferrer).
    link_rel="noopener noreferrer",
    set_tag_attribute_values={"a": {"target": "_blank"}},
    url_schemes={"http", "https", "mailto"},
    # A relative link would point into Padu itself, inside the learner's session.
    url_relative="deny",
    clean_content_tags={"script", "style"},
    strip_comments=True,
)
_stripper = nh3.Cleaner(tags=set(), clean_content_tags={"script", "style"})

_BLOCK_END = re.compile(r"</(?:p|li|h3|h4|blockquote)>|<br\s*/?>", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def clean_html(value: str | None) -> str:
    """Rich text reduced to the small safe tag set; empty if there is no text in it."""
    if not value:
        return ""
    cleaned = _cleaner.clean(_CONTROL.sub("", value)).strip()
    return cleaned if html_to_text(cleaned) else ""


def html_to_text(value: str | None) -> str:
    """Plain text of (sanitized) HTML, one line per paragraph, for the gradebook
    comment and CSV exports, where markup would show as tags."""
    if not value:
        return ""
    text = _stripper.clean(_BLOCK_END.sub("\n", value))
    text = html.unescape(text).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()


def clean_line(value: str | None) -> str:
    """One line of plain text: normalized, without control characters or runs of spaces."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value)
    return " ".join(_CONTROL.sub("", value).split())


def clean_text(value: str | None) -> str:
    """Multi-line plain text: normalized, control characters removed, lines kept."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip()


MAX_LINK_LENGTH = 2000


def validate_link(url: str) -> str:
    """An absolute http(s) URL with a host, as typed minus surrounding blanks.

    Other schemes (``javascript:``, ``data:``, ``file:``) could run code or
    reach the viewer's machine when a coach clicks them; credentials in a URL
    are a classic way to disguise the real host.
    """
    url = (url or "").strip()
    if not url:
        raise InvalidLink(url, "empty")
    if len(url) > MAX_LINK_LENGTH:
        raise InvalidLink(url[:80], f"longer than {MAX_LINK_LENGTH} characters")
    if any(ch.isspace() for ch in url) or _CONTROL.search(url):
        raise InvalidLink(url, "contains spaces or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        raise InvalidLink(url, "not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidLink(url, "only http and https links are accepted")
    if not parts.hostname:
        raise InvalidLink(url, "no host")
    if parts.username is not None or parts.password is not None:
        raise InvalidLink(url, "links must not contain a user name or password")
    return url
