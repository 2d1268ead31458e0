"""What people type: rich text cleaned by nh3, links that can only be web pages."""

import pytest

from activities.coaching.exceptions import InvalidLink
from activities.coaching.sanitize import clean_html, html_to_text, validate_link


def test_only_the_small_safe_tag_set_survives():
    html = clean_html('<p style="color:red">Saya <em>belajar</em><iframe src="https://x"></iframe>'
                      '<input></p><blockquote>kutipan</blockquote><!-- c -->')
    assert html == "<p>Saya <em>belajar</em></p><blockquote>kutipan</blockquote>"


def test_links_open_in_a_new_tab_without_a_handle_on_padu():
    assert clean_html('<a href="https://lan.go.id" target="_self" rel="opener">x</a>') == (
        '<a href="https://lan.go.id" target="_blank" rel="noopener noreferrer">x</a>'
    )


@pytest.mark.parametrize("href", ["javascript:alert(1)", "data:text/html,x", "/lti/launch", "//evil.example"])
def test_script_data_and_relative_links_lose_their_target(href):
    assert "href" not in clean_html(f'<a href="{href}">x</a>')


def test_html_without_text_counts_as_empty():
    assert clean_html("<p> </p><br><p>&nbsp;</p>") == ""
    assert clean_html(None) == ""


def test_plain_text_keeps_one_line_per_paragraph():
    assert html_to_text("<p>Bagus &amp; rapi</p><ul><li>satu</li><li>dua</li></ul>") == "Bagus & rapi\nsatu\ndua"


@pytest.mark.parametrize("url", ["https://drive.google.com/file/d/abc/view", "http://intranet.bkn.go.id:8080/a?b=c"])
def test_web_links_are_accepted(url):
    assert validate_link(f"  {url} ") == url


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "file:///etc/passwd", "ftp://x.id/a",
    "https://", "https://user:pass@evil.example/", "https://a.id/x y", "https://a.id:99999/", "", "/relative",
    "https://a.id/\x00",
])
def test_other_links_are_refused(url):
    with pytest.raises(InvalidLink):
        validate_link(url)
