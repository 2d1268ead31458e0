"""A learner's evidence file is personal data: no cache, private or shared, may keep it."""

from __future__ import annotations

import re

from tests.lti_tool.coaching.conftest import PDF


def test_evidence_files_are_sent_private_and_no_store(task):
    task.hand_in(task.budi, files={"files": ("laporan.pdf", PDF, "application/pdf")})
    page = task.budi.get(task.path("/"))
    link = re.search(r'href="([^"]*/files/\d+[^"]*)"', page.text).group(1).replace("&amp;", "&")
    answer = task.budi.browser.session.get(task.budi.url(link.split("?")[0]), params={"s": task.budi.token})
    assert answer.status_code == 200 and answer.content == PDF
    directives = {d.strip() for d in answer.headers["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    assert "public" not in directives
