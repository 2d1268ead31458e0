"""CSV exports: cells a spreadsheet would run as formulas are made inert; the rest is left alone."""

import csv
import io

import pytest

from activities.csv_export import csv_text, safe_cell, safe_row


def test_safe_cell_leaves_ordinary_text_and_numbers_alone():
    assert safe_cell("Siti Nurhaliza") == "Siti Nurhaliza"
    assert safe_cell("") == "" and safe_cell(42) == 42 and safe_cell(None) is None
    assert safe_cell(" =1") == " =1"
    assert safe_cell("=1+1") == "'=1+1"


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil","klik")', "+62811", "-2+3", "@SUM(A1)", "\tTab", "\rCR",
                                  "\nLF"])
def test_cells_a_spreadsheet_would_run_get_a_leading_apostrophe(text):
    assert safe_cell(text) == "'" + text


def test_a_row_is_made_safe_cell_by_cell():
    assert safe_row(["=1", 2, "tiga"]) == ["'=1", 2, "tiga"]


def test_csv_text_has_the_header_then_safe_rows_with_crlf_line_ends():
    text = csv_text(("learner", "score"), [["=cmd|' /C calc'!A0", 90], ("Budi", "")])
    assert text == "learner,score\r\n'=cmd|' /C calc'!A0,90\r\nBudi,\r\n"
    assert list(csv.reader(io.StringIO(text))) == [["learner", "score"], ["'=cmd|' /C calc'!A0", "90"], ["Budi", ""]]


def test_csv_text_of_no_rows_is_the_header():
    assert csv_text(("learner",), []) == "learner\r\n"
