"""Values from a request or a remote, made safe to write to the log.

A log line is trusted by whoever reads it: a ``%0a`` in a query parameter, or a
newline in a platform's JSON, must not start a forged line of its own, and a
megabyte of it must not flood the log. ``clean`` is the one way such a value
goes into a log message; ``excerpt`` is the same for a remote's answer, bytes
included, cut to a fixed length.
"""

from __future__ import annotations


def clean(value: object, limit: int = 200) -> str:
    """``value`` as a quoted, escaped (``repr``) string of at most ``limit`` characters of the original.

    ``repr`` escapes every control and non-printable character (``\\n``,
    ``\\r``, ``\\x1b``, ``\\u2028``), so the result is one line; a cut value
    ends in ``…`` after the quote, with the length of the original.
    """
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}…({len(text)} chars)"


def excerpt(data: bytes | str, limit: int = 200) -> str:
    """A short, escaped excerpt of what a remote answered, at most ``limit`` characters: for the log only, never a page."""
    if isinstance(data, bytes):
        data = data[: limit * 4].decode("utf-8", "replace")
    text = repr(data[:limit])
    return text if len(text) <= limit else text[: limit - 1] + "…"
