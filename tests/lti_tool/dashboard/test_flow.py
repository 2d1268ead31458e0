"""The course dashboard end to end, over real signed launches from the test platform: reached from every
staff page's header and from a "course dashboard" link; the roster's learners who never launched are rows;
a coach sees their coachees first; anyone of another course gets a 404; the CSV; sending failed grades again."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from sqlalchemy import delete, select

from activities.core import Activity, Membership
from activities.grades import GradeOutbox, OutboxStatus
from tests.lti_tool.actors import launch_into
from tests.lti_tool.coaching.conftest import text_of
from tests.lti_tool.conftest import INSTRUCTOR

from ..gating.conftest import BUDI, DEWI, RAHMAT, TEACHER, complete_attempt
from ..meetings.conftest import plan_meeting, require_attendance
from ..readiness.helpers import form_with
from .conftest import DASHBOARD_LINK


def dashboard_url(page) -> str:
    match = re.search(r'<a class="dashboard-link" href="([^"]+)"', page.text)
    assert match, "no Dashboard kursus link in the header"
    return match.group(1).replace("&amp;", "&")


def names_in_table(page) -> list[str]:
    table = page.text.split('class="learners"', 1)[1].split("</table>", 1)[0]
    return [re.sub(r"<[^>]+>.*", "", cell).strip() for cell in re.findall(r'<th scope="row">(.*?)</th>', table)]


def test_a_staff_page_header_leads_to_the_dashboard_of_the_whole_course(course):
    teacher = course.user(TEACHER, "readiness")
    page = teacher.get(f"/a/{course.ids['readiness']}/readiness/settings")
    assert "Dashboard kursus" in text_of(page)
    assert teacher.get(dashboard_url(page)).status_code == 200  # asks the worker for Moodle's roster
    course.drain()
    board = teacher.get(dashboard_url(page) + "&fresh=1")  # the page reuses its figures a minute
    assert board.status_code == 200
    text = text_of(board)
    assert "Dashboard kursus" in text and "Berisiko hari ini" in text and "Beban kerja fasilitator" in text
    assert "Sinkronisasi nilai dengan Moodle" in text
    # Sri is only on Moodle's roster: a row all the same, marked as never having opened Padu.
    assert "Sri Wahyuni" in names_in_table(board)
    assert "Belum mengikuti cek kesiapan" in text  # nobody took the readiness check
    assert board.text.count("<svg") == 1  # the phase funnel
    assert len(board.content) < 100 * 1024
    # A learner's page has no such link.
    learner = course.user(BUDI, "readiness").get(f"/a/{course.ids['readiness']}/readiness/")
    assert 'class="dashboard-link"' not in learner.text


def test_the_columns_follow_the_learners_facts(course):
    complete_attempt(course.connected, BUDI)
    teacher = course.user(TEACHER, "readiness")
    board = teacher.get(f"/c/{course_id(course)}/dashboard?q=budi")
    table = board.text.split('class="learners"', 1)[1].split("</table>", 1)[0]
    assert "Budi Santoso" in table and "Sri Wahyuni" not in table
    budi = table.split("Budi Santoso", 1)[1].split("</tr>", 1)[0]
    assert re.search(r"<td>(Siap|Belum siap|Siap dengan pendampingan)</td>", budi), budi
    assert "belum mengikuti" not in budi


def course_id(course) -> int:
    with course.connected.padu.session() as db:
        return db.get(Activity, course.ids["readiness"]).course_id


def test_a_coach_sees_their_coachees_first_and_may_widen_to_everyone(course):
    rahmat = course.user(RAHMAT, "coaching")
    page = rahmat.get(course.coaching("/queue"))
    assert rahmat.get(dashboard_url(page)).status_code == 200
    course.drain()
    board = rahmat.get(dashboard_url(page))
    assert board.status_code == 200
    assert names_in_table(board) == ["Budi Santoso", "Dewi Lestari"]
    everyone = rahmat.get(f"/c/{course_id(course)}/dashboard?everyone=1&fresh=1")
    names = names_in_table(everyone)
    assert names[:2] == ["Budi Santoso", "Dewi Lestari"] and "Sri Wahyuni" in names[2:]
    # A facilitator cannot send grades again (staff only).
    refused = rahmat.post(f"/c/{course_id(course)}/dashboard/grades/retry", allow_redirects=False)
    assert refused.status_code == 403


def test_the_course_dashboard_link_opens_the_dashboard_for_staff_and_the_journey_for_learners(course):
    item = course.dashboard_item
    assert "lineItem" not in item  # no gradebook column for a dashboard
    assert item["custom"]["padu_activity"] == "dashboard"
    _browser, staff_page = course.connected.launch(TEACHER, DASHBOARD_LINK)
    assert staff_page.status_code == 200 and f"/c/{course_id(course)}/dashboard" in staff_page.url
    _browser, learner_page = course.connected.launch(DEWI, DASHBOARD_LINK)
    assert learner_page.status_code == 200
    assert "Perjalanan belajar Anda" in text_of(learner_page)
    assert 'class="dashboard-link"' not in learner_page.text


def test_learners_and_staff_of_another_course_are_refused(course):
    here = course_id(course)
    learner = course.user(BUDI, "readiness")
    assert learner.get(f"/c/{here}/dashboard").status_code == 404
    assert learner.get(f"/c/{here}/dashboard.csv").status_code == 404
    connected = course.connected
    connected.lms.add_course(course_id="3", label="LATSAR-GOL-II", title="Latsar Golongan II")
    connected.lms.add_user(user_id="9", given_name="Tono", family_name="Guru", email="tono@example.com",
                           username="t9", roles=[INSTRUCTOR], course_id="3")
    connected.lms.add_resource_link(course_id="3", resource_link_id="31", title="Kursus lain", lineitem=False)
    _browser, landing = launch_into(connected, "9", "31", "3")
    token = re.search(r"[?&]s=([^&\"#]+)", landing.url).group(1)
    other = _browser.session.get(f"{connected.padu.url}/c/{here}/dashboard", params={"s": token})
    assert other.status_code == 404
    assert f"/c/{here}/dashboard" not in landing.text  # their header links to their own course


def test_the_csv_export_of_the_learner_table(course):
    teacher = course.user(TEACHER, "readiness")
    teacher.get(f"/c/{course_id(course)}/dashboard")
    course.drain()
    teacher.get(f"/c/{course_id(course)}/dashboard?fresh=1")
    response = teacher.get(f"/c/{course_id(course)}/dashboard.csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["name", "email", "launched", "last_activity", "phase"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Sri Wahyuni"][2] == "no" and by_name["Budi Santoso"][2] == "yes"
    assert "readiness_not_taken" in by_name["Budi Santoso"][-1]


def test_the_page_reuses_its_figures_a_minute_unless_refreshed(course):
    teacher = course.user(TEACHER, "readiness")
    here = course_id(course)
    before = teacher.get(f"/c/{here}/dashboard")
    assert "Belum mengikuti cek kesiapan" in text_of(before) and "Perbarui sekarang" in text_of(before)
    with course.connected.padu.session() as db:
        db.execute(delete(Membership).where(Membership.course_id == here, Membership.role == "learner"))
        db.commit()
    assert "Belum mengikuti cek kesiapan" in text_of(teacher.get(f"/c/{here}/dashboard"))
    assert "Tidak ada peserta yang berisiko hari ini." in text_of(teacher.get(f"/c/{here}/dashboard?fresh=1"))


def test_staff_send_the_failed_grades_of_the_course_again(course):
    with course.connected.padu.session() as db:
        budi = course.person_id(BUDI)
        db.add(GradeOutbox(activity_id=course.ids["mandiri"], person_id=budi, score_given=0, score_maximum=100,
                           activity_progress="Completed", grading_progress="FullyGraded",
                           timestamp=dt.datetime.now(dt.UTC),
                           status=OutboxStatus.FAILED.value, last_error="HTTP 400"))
        db.commit()
    teacher = course.user(TEACHER, "readiness")
    board = teacher.get(f"/c/{course_id(course)}/dashboard")
    assert "Nilai tidak sampai ke Moodle" in text_of(board)
    sent = teacher.submit_form(board, "/dashboard/grades/retry", {})
    assert sent.status_code == 200
    assert "1 nilai akan dikirim ulang." in text_of(sent)
    with course.connected.padu.session() as db:
        statuses = set(db.scalars(select(GradeOutbox.status).where(GradeOutbox.person_id == budi)))
    assert OutboxStatus.FAILED.value not in statuses


def test_attendance_under_the_requirement_links_to_the_learners_attendance_record(course):
    require_attendance(course)  # Mandiri: every one of its meetings (excused counting)
    meeting_id = plan_meeting(course)  # under way now
    rahmat = course.user(RAHMAT, "mandiri")
    grid = rahmat.get(f"/a/{course.ids['mandiri']}/meetings/{meeting_id}")
    budi_id, dewi_id = course.person_id(BUDI), course.person_id(DEWI)
    form = form_with(grid, "/mark")  # one tap on the roster grid, for each of them
    for learner_id, status in ((budi_id, "absent"), (dewi_id, "present")):
        marked = rahmat.browser.session.post(form["action"], data={**form["fields"], "learner_id": str(learner_id),
                                                                   "status": status})
        assert marked.status_code == 200, marked.text[:1000]
    teacher = course.user(TEACHER, "mandiri")
    board = teacher.get(f"/c/{course_id(course)}/dashboard?fresh=1")
    risks = board.text.split('class="risks"', 1)[1].split("</ol>", 1)[0]
    low = [item for item in risks.split("<li>") if "Kehadiran di bawah syarat" in item]
    # Budi missed the meeting so far; Dewi came (and so completed Mandiri): only Budi.
    assert len(low) == 1 and "Budi Santoso" in low[0], risks
    link = f"/a/{course.ids['mandiri']}/meetings/learners/{budi_id}"
    assert link in low[0]
    record = teacher.get(re.search(r'href="([^"]+)"', low[0]).group(1).replace("&amp;", "&"))
    assert record.status_code == 200 and "Budi Santoso" in text_of(record)
