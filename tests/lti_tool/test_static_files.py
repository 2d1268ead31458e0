"""The static folder of each release: built once, earlier releases' folders cleaned after a day."""

import os
import time

from lti_tool.static_files import STALE_AFTER_SECONDS, build


def _age(folder, seconds):
    then = time.time() - seconds
    os.utime(folder, (then, then))


def test_an_earlier_release_folder_untouched_for_a_day_is_removed_and_a_recent_one_kept(tmp_path):
    old = tmp_path / "static-0123456789ab"
    recent = tmp_path / "static-ba9876543210"
    half_made = tmp_path / ".static-x1y2z3"
    for folder in (old, recent, half_made):
        (folder / "css").mkdir(parents=True)
        (folder / "css" / "padu.0123.css").write_text("body{}")
    _age(old, STALE_AFTER_SECONDS + 60)
    _age(half_made, STALE_AFTER_SECONDS + 60)
    _age(recent, 60)
    unrelated = tmp_path / "uploads"
    unrelated.mkdir()
    _age(unrelated, STALE_AFTER_SECONDS * 30)

    current = build(tmp_path)

    assert current.root.is_dir() and current.root != old
    assert not old.exists() and not half_made.exists()
    assert recent.is_dir() and unrelated.is_dir()


def test_starting_again_keeps_the_current_folder_however_old_it_is(tmp_path):
    first = build(tmp_path)
    _age(first.root, STALE_AFTER_SECONDS * 10)
    again = build(tmp_path)
    assert again.root == first.root and again.root.is_dir()
    assert time.time() - again.root.stat().st_mtime < 60
    assert any(again.root.rglob("*.css"))
