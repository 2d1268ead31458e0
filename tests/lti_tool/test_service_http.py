"""Paging links and service URLs exactly as Moodle writes them."""

from lti_tool.lti1p3.ags import service_url
from lti_tool.lti1p3.service_http import next_link
from tests.fixtures import moodle


def test_next_link_reads_moodles_malformed_lineitems_header():
    header = moodle("ags_lineitems_get_paged.json")["response"]["headers"]["Link"]
    assert next_link(header) == "http://127.0.0.1:8080/mod/lti/services.php/2/lineitems?type_id=1&limit=1&from=1"


def test_next_link_reads_a_well_formed_nrps_header():
    header = moodle("nrps_memberships_get_paged.json")["response"]["headers"]["Link"]
    assert next_link(header) == "http://127.0.0.1:8080/mod/lti/services.php/CourseSection/2/bindings/1/memberships?limit=2&from=2"


def test_next_link_keeps_the_url_case():
    assert next_link('<https://LMS.example/Path/Items?Type_ID=1>; rel="next"') == "https://LMS.example/Path/Items?Type_ID=1"


def test_no_next_link_on_the_last_page():
    assert next_link('<https://lms.example/items?from=0>; rel="first"') is None
    assert next_link(None) is None


def test_scores_segment_goes_before_the_query_string():
    lineitem = moodle("launch_student_cmid2_id_token.json")["payload"]["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitem"]
    assert service_url(lineitem, "scores") == "http://127.0.0.1:8080/mod/lti/services.php/2/lineitems/2/lineitem/scores?type_id=1"
    assert service_url("https://lms.example/items/7", "results") == "https://lms.example/items/7/results"


def test_next_link_reads_curly_quotes_sent_as_utf8_bytes():
    """requests decodes headers as latin-1, so Moodle's “next” arrives as mojibake."""
    header = moodle("ags_lineitems_get_paged.json")["response"]["headers"]["Link"]
    as_received = header.encode("utf-8").decode("latin-1")
    assert next_link(as_received) == "http://127.0.0.1:8080/mod/lti/services.php/2/lineitems?type_id=1&limit=1&from=1"
