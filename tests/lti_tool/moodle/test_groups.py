"""Groups: coaching tasks for some groups read the synced memberships, and the phase-group option
keeps one Moodle group per phase in step with the learners for whom it is open, idempotently."""

from __future__ import annotations

import pytest

from activities.coaching.exceptions import NotInAudience
from activities.coaching.service import submit
from activities.core import Activity, Role
from activities.gating import service
from activities.moodle import store
from lti_tool.moodle import sync


def _sync(db, settings, http, course):
    return sync.run_once(db, settings.secret_key, http, settings.http_timeout, course)


def _phase_groups(site):
    """idnumber → sorted members, of the groups Padu keeps."""
    return {g["idnumber"]: sorted(site.members[g["id"]]) for g in site.groups.values()
            if g["idnumber"].startswith("padu-phase-")}


@pytest.fixture
def program(db, connected, learners):
    program = service.create_program(db, learners.course, learners.staff, Role.STAFF)
    store.set_phase_groups(db, learners.course.id, True)
    db.commit()
    return program


def test_the_phase_groups_follow_the_gates_and_a_second_run_changes_nothing(db, settings, http, program, learners,
                                                                           site):
    first, second, third = program.phases
    report = _sync(db, settings, http, learners.course)
    assert report.phase_groups.created == 3
    assert _phase_groups(site) == {f"padu-phase-{first.id}": [4, 5], f"padu-phase-{second.id}": [],
                                   f"padu-phase-{third.id}": []}
    names = sorted(g["name"] for g in site.groups.values())
    assert "Padu 1: Pembelajaran Mandiri" in names and "Fase 2 - Jarak Jauh" in names  # the teacher's group stays

    site.calls.clear()
    again = _sync(db, settings, http, learners.course)
    assert site.writes() == [] and not again.phase_groups.changed

    sign_off = first.requirements[0]
    service.sign_off(db, program, learners.staff, Role.STAFF, learners.budi.id, sign_off.id)
    db.commit()
    _sync(db, settings, http, learners.course)
    assert _phase_groups(site)[f"padu-phase-{second.id}"] == [4]

    service.revoke_sign_off(db, program, learners.staff, Role.STAFF, learners.budi.id, sign_off.id,
                            reason="Salah centang")
    db.commit()
    site.calls.clear()
    _sync(db, settings, http, learners.course)
    assert _phase_groups(site)[f"padu-phase-{second.id}"] == []
    assert site.writes() == ["core_group_delete_group_members"]


def test_without_the_option_padu_only_reads_groups(db, settings, http, connected, learners, site):
    service.create_program(db, learners.course, learners.staff, Role.STAFF)
    db.commit()
    _sync(db, settings, http, learners.course)
    assert site.writes() == []
    assert store.group_names_of(db, learners.course.id, learners.budi.id) == ["Fase 2 - Jarak Jauh"]
    assert store.group_names_of(db, learners.course.id, learners.dewi.id) == []


def test_a_coaching_task_for_a_group_takes_its_members_once_groups_are_synced(db, settings, http, connected,
                                                                              learners):
    task = Activity(course_id=learners.course.id, kind="coaching", title="Aktualisasi PJJ",
                    settings={"evidence_types": ["reflection"], "audience": {"groups": ["Fase 2 - Jarak Jauh"]}})
    db.add(task)
    db.commit()
    # Before any sync Padu cannot know the groups: nobody gets in, and the web layer says why.
    assert store.group_names_of(db, learners.course.id, learners.budi.id) is None
    _sync(db, settings, http, learners.course)
    budi_groups = store.group_names_of(db, learners.course.id, learners.budi.id)
    submitted = submit(db, task, learners.budi, reflection="Laporan", learner_groups=budi_groups)
    assert submitted.learner_id == learners.budi.id
    with pytest.raises(NotInAudience):
        submit(db, task, learners.dewi, reflection="Laporan",
               learner_groups=store.group_names_of(db, learners.course.id, learners.dewi.id))
