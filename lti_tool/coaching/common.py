"""What every coaching view shares: the blueprint, loading the task, the evidence store,
and the display helpers coaching pages use besides the kit's formatting."""

from __future__ import annotations

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from activities.coaching import exceptions, service
from activities.coaching.service import KIND, SubmissionStatus
from activities.core import Activity, Membership, Person, Role

from ..runtime import current, db
from ..web import blueprint, loader
from .errors import PROBLEMS

bp = blueprint(KIND, __name__, exceptions.CoachingError, PROBLEMS)

#: ``load_task(activity_id)``: the coaching task of the launch's course and its validated settings.
load_task = loader(KIND, service.settings_of)

#: Everyone who reviews or coaches.
COACHES = (Role.FACILITATOR, Role.STAFF)


def course_learner(activity: Activity, person_id: int) -> Person:
    """A learner of the task's course, or 404: ids from other courses or platforms never resolve."""
    membership = db().scalar(
        select(Membership).where(Membership.course_id == activity.course_id, Membership.person_id == person_id)
    )
    if membership is None or membership.role != Role.LEARNER.value:
        abort(404)
    return membership.person


def evidence_store() -> service.EvidenceStore:
    """Evidence lives in the data folder, never under the folder Flask serves as static."""
    static = current_app.static_folder
    return service.EvidenceStore(current().settings.uploads_dir / "coaching",
                                 forbidden_roots=[static] if static is not None else [])


def by_version(reviews: list) -> dict[int, list]:
    """Reviews grouped under the version they judged, for the history of a submission."""
    grouped: dict[int, list] = {}
    for item in reviews:
        grouped.setdefault(item.version_id, []).append(item)
    return grouped


STATUS_LABELS = {
    None: (_l("Not submitted yet"), ""),
    SubmissionStatus.SUBMITTED.value: (_l("Waiting for review"), "badge-warn"),
    SubmissionStatus.RESUBMITTED.value: (_l("Resubmitted, waiting for review"), "badge-warn"),
    SubmissionStatus.REVISION_REQUESTED.value: (_l("Revision requested"), "badge-bad"),
    SubmissionStatus.ACCEPTED.value: (_l("Accepted"), "badge-ok"),
}


@bp.context_processor
def _labels():
    return {"STATUS_LABELS": STATUS_LABELS}
