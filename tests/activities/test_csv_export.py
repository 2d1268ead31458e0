"""CSV exports: cells a spreadsheet would run as formulas are made inert, every cell quoted; the rest left alone."""

import csv
import io

import pytest

from activities.csv_export import csv_text, safe_cell, safe_row


def test_safe_cell_leaves_ordinary_text_and_numbers_alone():
    assert safe_cell("Siti Nurhaliza") == "Siti Nurhaliza"
    assert safe_cell("") == "" and safe_cell(42) == 42 and safe_cell(None) is None
    assert safe_cell("Budi = ketua") == "Budi = ketua" and safe_cell("a-b") == "a-b"
    assert safe_cell("=1+1") == "'=1+1"


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil","klik")', "+62811", "-2+3", "@SUM(A1)", "\tTab", "\rCR",
                                  "\nLF"])
def test_cells_a_spreadsheet_would_run_get_a_leading_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["  =cmd|' /C calc'!A0", " +62811", "\u00a0@SUM(A1)", " \t-2+3", "\n =1"])
def test_the_guard_looks_past_leading_blanks(text):
    # Spreadsheets skip leading blanks before they read a formula (OWASP CSV Injection).
    assert safe_cell(text) == "'" + text


def test_a_row_is_made_safe_cell_by_cell():
    assert safe_row(["=1", 2, "tiga"]) == ["'=1", 2, "tiga"]


def test_csv_text_has_the_header_then_safe_rows_with_crlf_line_ends():
    text = csv_text(("learner", "score"), [["=cmd|' /C calc'!A0", 90], ("Budi", "")])
    assert text == '"learner","score"\r\n"\'=cmd|\' /C calc\'!A0","90"\r\n"Budi",""\r\n'
    assert list(csv.reader(io.StringIO(text))) == [["learner", "score"], ["'=cmd|' /C calc'!A0", "90"], ["Budi", ""]]


def test_every_cell_is_quoted_so_a_semicolon_cannot_split_it():
    # A spreadsheet in an Indonesian locale splits on ";": unquoted, "=cmd" would be a cell of its own.
    text = csv_text(("name",), [["Budi;=cmd|' /C calc'!A0"], ['Siti "Nur"'], [7]])
    assert text.splitlines() == ['"name"', '"Budi;=cmd|\' /C calc\'!A0"', '"Siti ""Nur"""', '"7"']
    assert list(csv.reader(io.StringIO(text), delimiter=";")) == [
        ["name"], ["Budi;=cmd|' /C calc'!A0"], ['Siti "Nur"'], ["7"]]


def test_csv_text_of_no_rows_is_the_header():
    assert csv_text(("learner",), []) == '"learner"\r\n'
