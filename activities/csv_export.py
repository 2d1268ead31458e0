"""CSV files for staff to open in a spreadsheet, safe from formula injection.

Names and emails come from Moodle profiles, which their owners can edit: a
cell starting ``=`` or ``@`` would run as a formula on a facilitator's
machine (OWASP "CSV Injection"). Every export writes through
:func:`csv_text`, so no export can forget the guard.

OWASP's guidance has two parts, and both are needed here:

* a cell whose text begins with ``=``, ``+``, ``-``, ``@``, tab or carriage
  return is prefixed with an apostrophe — also when blanks come first,
  because spreadsheets skip leading blanks before reading a formula
  (``"  =cmd"`` runs as ``=cmd``);
* every cell is quoted: an Indonesian-locale spreadsheet splits on ``;``,
  so an unquoted ``Budi;=cmd`` would become two cells, the second a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

#: What a spreadsheet reads a cell starting with as a formula (OWASP CSV Injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe.
    Numbers and other text are left as they are."""
    if isinstance(value, str) and (value.startswith(FORMULA_START) or value.lstrip().startswith(FORMULA_START)):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


def csv_text(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    """A CSV document: the header, then the rows, every cell through :func:`safe_cell` and quoted.

    Lines end in CRLF as RFC 4180 asks, which every spreadsheet reads.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(row) for row in rows)
    return out.getvalue()
