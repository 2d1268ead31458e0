"""The gradebook comment speaks the course's language: the one the teacher launched in when
setting the activity up, whatever the learner's own (issue 11, point 5)."""

from __future__ import annotations

from lti_tool import worker

from .helpers import complete_attempt, set_up_readiness

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


def _comments(connected, sub: str) -> list[str]:
    while worker.run_once(connected.padu.runtime):
        pass
    return [s.get("comment") for s in connected.lms.scores if s["userId"] == sub]


def test_an_english_teachers_activity_writes_english_comments_to_the_platform(connected):
    def english(lms, payload):
        payload[CLAIM + "launch_presentation"] = {"locale": "en_AU"}
        return lms.sign(payload)

    connected.lms.next_id_token_hook = english
    set_up_readiness(connected)
    complete_attempt(connected, "4")  # Budi's own launch is Indonesian
    [comment] = _comments(connected, "4")
    assert comment.startswith("Digital readiness: ") and "/100)" in comment
    assert "Kesiapan" not in comment and any(label in comment for label in ("Ready", "Not ready yet"))


def test_an_indonesian_teachers_activity_writes_indonesian_comments(connected):
    set_up_readiness(connected)
    complete_attempt(connected, "4")
    [comment] = _comments(connected, "4")
    assert comment.startswith("Kesiapan digital: ")
