"""Tests for the run manager: runs train to the end in background threads, queue and queue
positions, stop (queued and running), failures that leave the manager working, host limits,
fair share between owners, and snapshots that are copies. Nano models on the Markov set."""

import copy
import time

import pytest

from playground.config import RunConfig
from playground.runs import LimitError, Limits, RunManager

LONG = 100_000  # steps of a run that only ends when stopped


def cfg(steps=10, **overrides):
    return RunConfig(dataset="markov", model="nano", steps=steps, eval_every=max(1, steps // 2), **overrides)


@pytest.fixture
def make_manager():
    """RunManagers that are stopped and joined after the test, queued runs first so that
    none of them starts while the others stop."""
    managers = []

    def make(**limits):
        managers.append(RunManager(limits=Limits(**limits)))
        return managers[-1]

    yield make
    for m in managers:
        for row in sorted(m.active(), key=lambda r: r["status"] != "queued"):
            m.stop(row["id"])
        m.shutdown()


def wait_until(predicate, timeout=30.0):
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, "timed out"
        time.sleep(0.01)


def test_submitted_runs_train_to_completion(make_manager):
    m = make_manager()
    ids = [m.submit(cfg(steps=20)) for _ in range(2)]
    for run_id in ids:
        assert m.wait(run_id, timeout=60) == "completed"
        snap = m.snapshot(run_id)
        assert snap["step"] == 20 and snap["summary"]["steps"] == 20
        assert [r["step"] for r in snap["history"]] == list(range(20))
        assert [e["step"] for e in snap["evals"]] == [10, 20]
        assert snap["queue_position"] is None and snap["reason"] is None
    assert not m.any_active()


def test_queue_position_is_shown_while_every_slot_is_busy(make_manager):
    m = make_manager(max_concurrent=1)
    first, second, third = (m.submit(cfg(steps=LONG)) for _ in range(3))
    positions = {r["id"]: r["queue_position"] for r in m.active()}
    assert positions == {first: None, second: 1, third: 2}
    assert m.snapshot(first)["status"] == "running"
    assert m.snapshot(third)["status"] == "queued" and m.snapshot(third)["queue_position"] == 2
    m.stop(first)
    wait_until(lambda: m.snapshot(second)["status"] == "running")
    assert m.snapshot(third)["queue_position"] == 1


def test_stop_drops_a_queued_run(make_manager):
    m = make_manager(max_concurrent=1)
    m.submit(cfg(steps=LONG))
    queued = m.submit(cfg())
    assert m.stop(queued)
    snap = m.snapshot(queued)
    assert snap["status"] == "stopped" and snap["queue_position"] is None and snap["step"] == 0
    assert snap["reason"]
    assert not m.stop(queued)  # already over


def test_stop_ends_a_running_run_within_a_step(make_manager):
    m = make_manager()
    run_id = m.submit(cfg(steps=LONG))
    wait_until(lambda: m.snapshot(run_id)["step"] >= 3)
    assert m.stop(run_id)
    # the flag is set now: the step in flight finishes, the next one never begins
    seen = m.snapshot(run_id)["step"]
    assert m.wait(run_id, timeout=10) == "stopped"
    snap = m.snapshot(run_id)
    assert seen <= snap["step"] <= seen + 1
    assert snap["summary"]["steps"] == snap["step"]
    assert "stopped" in snap["reason"]


def test_failing_run_ends_failed_and_the_manager_keeps_working(make_manager):
    m = make_manager(max_concurrent=1)
    bad = m.submit(RunConfig(dataset="text", model="nano", steps=5, text_path="/nonexistent"))
    assert m.wait(bad, timeout=30) == "failed"
    reason = m.snapshot(bad)["reason"]
    assert reason.startswith("text_path:") and "\n" not in reason
    good = m.submit(cfg(steps=5))
    assert m.wait(good, timeout=30) == "completed"


def test_a_run_over_the_step_limit_is_refused_naming_steps(make_manager):
    m = make_manager(max_steps=100)
    with pytest.raises(LimitError, match=r"^steps: 101 "):
        m.submit(cfg(steps=101))
    assert m.active() == []


def test_one_owner_cannot_queue_past_the_per_owner_cap(make_manager):
    m = make_manager(max_per_owner=2, max_concurrent=1)
    m.submit(cfg(steps=LONG), owner="a")
    m.submit(cfg(steps=LONG), owner="a")
    with pytest.raises(LimitError, match="allows 2"):
        m.submit(cfg(steps=LONG), owner="a")
    m.submit(cfg(steps=LONG), owner="b")  # another session is not affected
    assert sorted(r["owner"] for r in m.active()) == ["a", "a", "b"]


def test_one_slot_is_shared_fairly_between_owners(make_manager):
    m = make_manager(max_concurrent=1)
    a1 = m.submit(cfg(steps=60), owner="a")
    a2, a3 = m.submit(cfg(steps=5), owner="a"), m.submit(cfg(steps=5), owner="a")
    b1 = m.submit(cfg(steps=5), owner="b")
    for run_id in (a1, a2, a3, b1):
        assert m.wait(run_id, timeout=60) == "completed"
    started = sorted((m.snapshot(i)["started"], i) for i in (a1, a2, a3, b1))
    # b waited behind a's first run only; a's later runs come after b's
    assert [i for _, i in started] == [a1, b1, a2, a3]


def test_snapshots_are_copies(make_manager):
    m = make_manager()
    run_id = m.submit(cfg(steps=10))
    assert m.wait(run_id, timeout=30) == "completed"
    snap = m.snapshot(run_id)
    before = copy.deepcopy(snap)
    snap["history"][0]["loss"] = -1.0
    snap["history"].append({"step": 99})
    snap["evals"].clear()
    snap["config"]["steps"] = 1
    snap["info"]["reference_lines"]["mine"] = 0.0
    snap["summary"]["config"]["lr"] = 9.0
    snap["status"] = "failed"
    assert m.snapshot(run_id) == before


def test_hosted_limits_refuse_more_than_one_thread_per_run(make_manager):
    m = make_manager()
    m.limits = Limits.hosted()
    with pytest.raises(LimitError, match="^threads:"):
        m.submit(cfg(threads=4))


def test_a_store_failure_at_submit_leaves_no_stranded_run(tmp_path):
    class BrokenStore:
        def create_run(self, *a, **k):
            raise OSError("disk full")
    m = RunManager(store=BrokenStore())
    with pytest.raises(OSError):
        m.submit(cfg())
    assert m.active() == [] and not m.any_active()


def test_process_workers_train_stop_and_fail_like_threads(tmp_path):
    from playground.store import Store
    m = RunManager(store=Store(tmp_path / "runs.sqlite3"), workers="process")
    try:
        done = m.submit(cfg(steps=30))
        bad = m.submit(RunConfig(dataset="text", model="nano", text_path=str(tmp_path / "missing.txt")))
        assert m.wait(done, 120) == "completed" and m.wait(bad, 120) == "failed"
        snap = m.snapshot(done)
        assert snap["step"] == 30 and len(snap["evals"]) == 2 and snap["info"]["params"] > 0
        assert [r["step"] for r in m.store.metrics(done)] == list(range(30))  # every row reached the store
        assert "missing.txt" in m.snapshot(bad)["reason"]
        long = m.submit(cfg(steps=100_000))
        wait_until(lambda: m.snapshot(long)["step"] > 0, timeout=120)
        m.stop(long)
        assert m.wait(long, 30) == "stopped"
    finally:
        m.shutdown()


def test_unknown_worker_kind_is_refused():
    with pytest.raises(ValueError, match="^workers:"):
        RunManager(workers="fibres")


def test_a_run_that_fails_at_once_is_failed_in_the_store_too(tmp_path):
    from playground.store import Store
    m = RunManager(store=Store(tmp_path / "runs.sqlite3"))
    for _ in range(5):  # the failure races the scheduler's own 'running' write
        run = m.submit(RunConfig(dataset="text", model="nano", text_path=str(tmp_path / "missing.txt")))
        assert m.wait(run, 30) == "failed"
        assert m.store.get_run(run)["status"] == "failed"
    m.shutdown()
