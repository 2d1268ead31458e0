"""End to end through the test platform: facts from the other activities open the next phase,
and a phase's gate grade reaches the platform's AGS endpoint (0 again after an undone override)."""

from __future__ import annotations

import re

from tests.lti_tool.coaching.conftest import text_of
from tests.lti_tool.readiness.helpers import form_with

from .conftest import BUDI, DEWI, RAHMAT, TEACHER, complete_attempt


def test_a_readiness_result_and_an_accepted_coaching_task_open_the_next_phases_and_write_gate_grades(course):
    budi = course.user(BUDI, "mandiri")
    first = text_of(budi.get(course.gating("/")))
    assert "Pembelajaran Mandiri" in first and "Pembelajaran Jarak Jauh" in first
    assert "Cek kesiapan digital" in first  # the missing requirement, named
    assert course.gate_scores("mandiri", BUDI) == []  # nothing sent while nothing was passed

    complete_attempt(course.connected, BUDI)  # readiness: a good result (band "siap")
    page = text_of(budi.get(course.gating("/")))
    assert "Anda berada di: Pembelajaran Jarak Jauh" in page, page[:1500]
    course.drain()
    assert course.gate_scores("mandiri", BUDI) == [100.0]
    assert course.gate_scores("jarak_jauh", BUDI) == []

    course.accept_coaching(BUDI)
    course.hold_sessions(BUDI, 2)
    page = text_of(budi.get(course.gating("/")))
    assert "Anda berada di: Pembelajaran Klasikal" in page, page[:1500]
    course.drain()
    assert course.gate_scores("jarak_jauh", BUDI) == [100.0]
    assert course.gate_scores("mandiri", DEWI) == []  # Dewi did nothing


def test_an_override_needs_a_reason_and_its_undoing_sends_0(course):
    rahmat = course.user(RAHMAT, "mandiri")
    dewi_id = course.person_id(DEWI)
    mandiri = course.phase_ids()[0]
    page = rahmat.get(course.gating(f"/learners/{dewi_id}"))
    assert page.status_code == 200

    learner = course.gating(f"/learners/{dewi_id}")
    refused = rahmat.post(learner + "/override", {"phase_id": str(mandiri), "reason": "   "})
    assert refused.status_code == 400
    assert 'role="alert"' in refused.text and f'id="override-{mandiri}-reason-error"' in refused.text
    assert "<title>Galat:" in refused.text

    done = rahmat.post(learner + "/override", {"phase_id": str(mandiri), "reason": "Pengakuan pembelajaran lampau"})
    assert done.status_code == 200 and "/learners/" in done.url
    course.drain()
    assert course.gate_scores("mandiri", DEWI) == [100.0]
    dewi_page = text_of(course.user(DEWI, "mandiri").get(course.gating("/")))
    assert "Anda berada di: Pembelajaran Jarak Jauh" in dewi_page

    override_id = re.search(r'name="override_id" value="(\d+)"', done.text).group(1)
    no_reason = rahmat.post(learner + "/undo", {"override_id": override_id, "reason": ""})
    assert no_reason.status_code == 400 and f'id="undo-{override_id}-reason-error"' in no_reason.text
    undone = rahmat.submit_form(no_reason, "/undo", {"override_id": override_id, "reason": "Salah peserta"})
    assert undone.status_code == 200
    course.drain()
    assert course.gate_scores("mandiri", DEWI) == [100.0, 0.0]

    audit = text_of(course.user(TEACHER, "mandiri").get(course.gating("/audit")))
    assert "Pengakuan pembelajaran lampau" in audit and "Salah peserta" in audit
    assert "Pengecualian dibatalkan" in audit


def test_a_facilitator_signs_off_the_last_phase(course):
    rahmat = course.user(RAHMAT, "mandiri")
    budi_id = course.person_id(BUDI)
    phases = course.phase_ids()
    learner = course.gating(f"/learners/{budi_id}")
    for phase_id in phases[:2]:
        page = rahmat.post(learner + "/override", {"phase_id": str(phase_id), "reason": "Sudah lulus di angkatan lalu"})
        assert page.status_code == 200, page.text[-3000:]
    form = form_with(page, "/sign-off")
    signed = rahmat.browser.session.post(form["action"], data=form["fields"])
    assert signed.status_code == 200
    budi_page = text_of(course.user(BUDI, "mandiri").get(course.gating("/")))
    assert "Anda telah menyelesaikan setiap fase program." in budi_page, budi_page[:1500]
