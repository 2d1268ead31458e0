"""The collector pause around a dashboard computation leaves the garbage collector as it found it."""

from __future__ import annotations

import gc
import threading

import pytest

from lti_tool.dashboard.boards import collector_paused


def test_the_collector_waits_for_the_block_and_runs_again_after_it_even_on_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("computation failed")
    assert gc.isenabled()


def test_overlapping_computations_turn_it_back_on_when_the_last_is_done():
    first_in, second_done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def first():
        with collector_paused():
            first_in.set()
            second_done.wait(5)
            seen.append(gc.isenabled())  # the other ended first: still paused for this one

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with collector_paused():
        pass
    second_done.set()
    thread.join(5)
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_turned_off_elsewhere_stays_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
