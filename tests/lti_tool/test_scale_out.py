"""The README's multi-host configuration, on this machine: two gunicorn instances and two
``padu worker`` processes on one PostgreSQL database and one Redis.

Both instances have the same ``PADU_BASE_URL`` (a load balancer's address; here the
first instance's) and ``PADU_SECRET_KEY``; the test sends each request to the
instance it chooses, as a balancer would: a login on one, its launch on the other,
the page after it on the first again.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import jwt
import pytest
import redis
import requests
from sqlalchemy import select
from sqlalchemy.engine import make_url

from activities.core import Activity
from tests.lms import LtiBrowser
from tests.lms.browser import as_shown
from tests.lti_tool.conftest import populate, signed_state
from tests.lti_tool.test_processes import ProcessPadu, _learners, _queue_grades, _wait_until_settled, _worker

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

#: A Redis database of its own: the cache keys (``padu:token:1:…``) would otherwise
#: meet those of other tests' platforms, which also have id 1.
REDIS_DATABASE = 13


def _path(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + ("?" + parts.query if parts.query else "")


def test_two_instances_and_two_workers_share_one_database_and_one_redis(tmp_path, lms, postgres_url, redis_url):
    shared_redis = make_url(redis_url).set(database=str(REDIS_DATABASE)).render_as_string(hide_password=False)
    redis.Redis.from_url(shared_redis).flushdb()
    first = ProcessPadu(tmp_path / "host-a", workers=1, database_url=postgres_url, PADU_REDIS_URL=shared_redis)
    second = None
    workers = []
    try:
        second = ProcessPadu(tmp_path / "host-b", workers=1, database_url=postgres_url, PADU_REDIS_URL=shared_redis,
                             PADU_BASE_URL=first.url)
        hosts = [first, second]
        client_id = populate(lms, first)
        learners = _learners(lms, 12)

        for n, sub in enumerate(learners):
            login_host, launch_host = hosts[n % 2], hosts[(n + 1) % 2]
            browser = LtiBrowser()
            _action, fields = browser.login_and_authorize(
                lms, client_id, sub, resource_link_id="1", tool_login_url=login_host.url + "/lti/login",
                target_link_uri=first.url + "/lti/launch")
            launched = as_shown(browser.session.post(launch_host.url + "/lti/launch", data=fields,
                                                     allow_redirects=False))
            assert launched.status_code == 200, launched.text[:300]  # the launch answers with its first page
            # The launch session opened on one instance works on the other.
            page = browser.session.get(login_host.url + _path(launched.url))
            assert page.status_code == 200, page.text[:300]
            # The same launch sent to the other instance: its state is gone everywhere.
            replay = requests.post(login_host.url + "/lti/launch", data=fields)
            assert replay.status_code == 400 and "state_invalid" in replay.text

        # A nonce used on one instance, under a fresh state, is refused on the other.
        nonce = jwt.decode(fields["id_token"], options={"verify_signature": False})["nonce"]
        state = signed_state(first, nonce)  # as either host signs it: they share PADU_SECRET_KEY
        reused = requests.post(hosts[len(learners) % 2].url + "/lti/launch",
                               data={"id_token": fields["id_token"], "state": state})
        assert reused.status_code == 400 and "state_invalid" in reused.text

        # Grades, through two workers started with each host's settings.
        with first.session() as db:
            activity = db.scalars(select(Activity)).one()
            activity.kind = "readiness"
            db.commit()
            activity_id = activity.id
        lms.response_delay = 0.02  # both workers get a share
        _queue_grades(first, activity_id, learners, per_learner=1)
        workers = [_worker(first.env), _worker(second.env)]
        _wait_until_settled(first)
        delivered = [score["userId"] for score in lms.scores]
        assert sorted(delivered) == sorted(learners), "each grade delivered exactly once"
        assert redis.Redis.from_url(shared_redis).keys("padu:token:*"), "the access token is shared through Redis"
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(10)
        for host in (first, second):
            if host is not None:
                host.stop()
        redis.Redis.from_url(shared_redis).flushdb()
