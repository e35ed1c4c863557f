"""Tests for playground.store: round trips, restarts, threads, damaged files, retention."""

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.store import (
    INTERRUPTED_REASON, StoreError, Store, _json_safe, default_store_path,
)

REPO = Path(__file__).resolve().parents[1]


def _config(paradigm="autoregressive", dataset="digits", loss="nll", **extra):
    return {"paradigm": paradigm, "dataset": dataset, "loss": loss, "steps": 300, **extra}


def _row(step, loss=1.0):
    return {"step": step, "loss": loss, "grad_norm": 0.5, "lr": 3e-3, "time": step * 0.1}


def _count(path, table, run_id):
    with sqlite3.connect(path) as con:
        return con.execute(f"SELECT count(*) FROM {table} WHERE run_id = ?", (run_id,)).fetchone()[0]


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "runs.sqlite3")
    yield s
    s.close()


def test_create_then_get_returns_what_was_stored(store):
    config = _config(model={"preset": "tiny", "sizes": [64, 2]}, lr=3e-3)
    info = {"params": 101_824, "device": "cpu", "reference_lines": [{"label": "floor", "y": 0.69}]}
    store.create_run("r1", config, name="first", owner="ada", status="running", info=info)

    run = store.get_run("r1")
    assert run["id"] == "r1" and run["name"] == "first" and run["owner"] == "ada"
    assert run["status"] == "running" and run["reason"] is None
    assert run["config"] == config and run["info"] == info
    assert run["tags"] == [] and run["summary"] is None
    assert run["created_at"] == run["updated_at"] > 0
    assert store.get_run("nope") is None


def test_create_run_defaults_to_queued_with_empty_info(store):
    store.create_run("r1", _config())
    run = store.get_run("r1")
    assert (run["status"], run["info"], run["name"], run["owner"]) == ("queued", {}, "", "")


def test_create_run_twice_raises(store):
    store.create_run("r1", _config())
    with pytest.raises(ValueError, match="already exists"):
        store.create_run("r1", _config())


def test_list_runs_is_newest_first_and_filters_on_config_fields(store):
    store.create_run("a", _config("autoregressive", "digits", "nll"), owner="ada")
    store.create_run("b", _config("autoencoding", "digits", "mse"), owner="bob")
    store.create_run("c", _config("autoregressive", "text", "focal"), owner="ada", status="running")
    store.create_run("d", _config("autoregressive", "digits", "focal"), owner="bob")

    def ids(**filters):
        return [r["id"] for r in store.list_runs(**filters)]

    assert ids() == ["d", "c", "b", "a"]
    assert ids(paradigm="autoregressive") == ["d", "c", "a"]
    assert ids(dataset="digits") == ["d", "b", "a"]
    assert ids(loss="focal") == ["d", "c"]
    assert ids(status="running") == ["c"]
    assert ids(owner="bob") == ["d", "b"]
    assert ids(paradigm="autoregressive", dataset="digits", owner="ada") == ["a"]
    assert ids(dataset="mnist") == []
    assert ids(limit=2) == ["d", "c"]
    assert ids(limit=None) == ["d", "c", "b", "a"]
    assert store.list_runs(status="running")[0] == store.get_run("c")


def test_metrics_come_back_in_step_order_across_batches(store):
    store.create_run("r1", _config())
    store.append_metrics("r1", [_row(3, 0.4), _row(1, 0.9), _row(2, 0.6)])
    store.append_metrics("r1", [_row(0, 1.2), _row(4, 0.3)])
    store.append_metrics("r1", [])

    rows = store.metrics("r1")
    assert [r["step"] for r in rows] == [0, 1, 2, 3, 4]
    assert [r["loss"] for r in rows] == [1.2, 0.9, 0.6, 0.4, 0.3]
    assert rows[2] == {"step": 2, "loss": 0.6, "grad_norm": 0.5, "lr": 3e-3, "time": 0.2}
    assert store.metrics("nope") == []


def test_metrics_resent_step_replaces_and_extra_keys_are_kept(store):
    store.create_run("r1", _config())
    store.append_metrics("r1", [_row(0, 1.0), _row(1, 0.8)])
    store.append_metrics("r1", [{**_row(1, 0.7), "accuracy": 0.25}])
    assert store.metrics("r1")[1] == {**_row(1, 0.7), "accuracy": 0.25}
    assert len(store.metrics("r1")) == 2


def test_evals_come_back_in_step_order_with_nested_lists(store):
    store.create_run("r1", _config())
    grid = [[0.0, 0.25], [0.5, 1.0]]
    late = {"step": 100, "val_loss": 0.5, "nll_per_timestep": [2.3, 1.1, 0.4],
            "recon": {"inputs": [grid], "corrupted": None, "outputs": [grid]}}
    early = {"step": 50, "val_loss": 0.9, "samples": ["ab", "cd"], "loss_mask": [False, True, True]}
    store.add_eval("r1", late)
    store.add_eval("r1", early)
    assert store.evals("r1") == [early, late]

    store.add_eval("r1", {"step": 50, "val_loss": 0.8})
    assert [e["val_loss"] for e in store.evals("r1")] == [0.8, 0.5]


def test_eval_without_step_raises(store):
    store.create_run("r1", _config())
    with pytest.raises(ValueError, match="step"):
        store.add_eval("r1", {"val_loss": 1.0})


def test_status_info_rename_and_tags_update_the_run(store):
    store.create_run("r1", _config())
    created = store.get_run("r1")["updated_at"]
    store.set_status("r1", "running")
    store.set_info("r1", {"params": 1234, "device": "cpu"})
    store.rename("r1", "smoothing 0.1")
    store.set_tags("r1", ["baseline", "digits", "baseline"])
    store.set_status("r1", "diverged", reason="loss became NaN at step 12", summary={"steps": 12})

    run = store.get_run("r1")
    assert run["name"] == "smoothing 0.1" and run["tags"] == ["baseline", "digits"]
    assert run["info"] == {"params": 1234, "device": "cpu"}
    assert (run["status"], run["reason"], run["summary"]) == ("diverged", "loss became NaN at step 12",
                                                              {"steps": 12})
    assert run["updated_at"] >= created

    store.set_status("r1", "completed")  # a new status clears the reason, keeps the summary
    run = store.get_run("r1")
    assert (run["reason"], run["summary"]) == (None, {"steps": 12})


def test_tags_must_be_strings(store):
    store.create_run("r1", _config())
    with pytest.raises(TypeError):
        store.set_tags("r1", "baseline")
    with pytest.raises(TypeError):
        store.set_tags("r1", ["ok", 3])


def test_changes_to_an_unknown_run_raise_key_error(store):
    for call in (lambda: store.set_status("nope", "running"), lambda: store.set_info("nope", {}),
                 lambda: store.rename("nope", "x"), lambda: store.set_tags("nope", []),
                 lambda: store.append_metrics("nope", [_row(0)]),
                 lambda: store.add_eval("nope", {"step": 0})):
        with pytest.raises(KeyError, match="nope"):
            call()


def test_delete_removes_the_run_with_its_metrics_and_evals(store):
    store.create_run("r1", _config())
    store.create_run("r2", _config())
    for run_id in ("r1", "r2"):
        store.append_metrics(run_id, [_row(i) for i in range(10)])
        store.add_eval(run_id, {"step": 9, "val_loss": 1.0})

    assert store.delete("r1") is True
    assert store.get_run("r1") is None
    assert _count(store.path, "metrics", "r1") == 0 and _count(store.path, "evals", "r1") == 0
    assert len(store.metrics("r2")) == 10 and len(store.evals("r2")) == 1
    assert store.delete("r1") is False


def test_invalid_status_raises_value_error(store):
    with pytest.raises(ValueError, match="finished"):
        store.create_run("r1", _config(), status="finished")
    store.create_run("r1", _config())
    with pytest.raises(ValueError, match="completed"):  # the message lists the valid ones
        store.set_status("r1", "done")
    with pytest.raises(ValueError):
        store.list_runs(status="done")
    assert store.get_run("r1")["status"] == "queued"


def test_data_survives_a_process_that_exits_without_closing(tmp_path):
    path = tmp_path / "runs.sqlite3"
    code = textwrap.dedent(f"""
        import os
        from playground.store import Store
        s = Store({str(path)!r})
        s.create_run("r1", {{"paradigm": "autoregressive", "dataset": "digits"}}, name="first")
        s.append_metrics("r1", [{{"step": i, "loss": 1 / (i + 1), "grad_norm": 0.5, "lr": 1e-3,
                                  "time": i / 10}} for i in range(50)])
        s.add_eval("r1", {{"step": 49, "val_loss": 0.25, "nll_per_timestep": [1.5, 0.5]}})
        s.set_status("r1", "completed", summary={{"steps": 50}})
        os._exit(0)  # no close, no cleanup: the WAL is left for the next process to recover
    """)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, env=env, timeout=30)

    with Store(path) as s:
        run = s.get_run("r1")
        assert (run["name"], run["status"], run["summary"]) == ("first", "completed", {"steps": 50})
        assert [r["loss"] for r in s.metrics("r1")] == [1 / (i + 1) for i in range(50)]
        assert s.evals("r1") == [{"step": 49, "val_loss": 0.25, "nll_per_timestep": [1.5, 0.5]}]
        assert s.warning is None


def test_mark_interrupted_turns_running_and_queued_into_interrupted(store):
    statuses = {"q": "queued", "r": "running", "c": "completed", "f": "failed"}
    for run_id, status in statuses.items():
        store.create_run(run_id, _config(), status=status)

    assert store.mark_interrupted() == 2
    after = {r["id"]: (r["status"], r["reason"]) for r in store.list_runs()}
    assert after == {"q": ("interrupted", INTERRUPTED_REASON), "r": ("interrupted", INTERRUPTED_REASON),
                     "c": ("completed", None), "f": ("failed", None)}
    assert store.mark_interrupted() == 0


def test_concurrent_writers_lose_nothing(store):
    writers, calls, per_call = 4, 200, 2
    for w in range(writers):
        store.create_run(f"w{w}", _config(), status="running")
    errors, done = [], threading.Event()
    start = threading.Barrier(writers + 2)

    def write(w):
        try:
            start.wait()
            for c in range(calls):
                store.append_metrics(f"w{w}", [_row(c * per_call + k) for k in range(per_call)])
        except Exception as err:  # surfaced by the assert below, not lost in the thread
            errors.append(err)

    def read():
        try:
            start.wait()
            while not done.is_set():
                assert len(store.list_runs()) == writers
                store.metrics("w0")
        except Exception as err:
            errors.append(err)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    readers = [threading.Thread(target=read) for _ in range(2)]
    for t in threads + readers:
        t.start()
    for t in threads:
        t.join()
    done.set()
    for t in readers:
        t.join()

    assert errors == []
    for w in range(writers):
        assert [r["step"] for r in store.metrics(f"w{w}")] == list(range(calls * per_call))


def test_garbage_file_is_moved_aside_and_a_fresh_store_starts(tmp_path):
    path = tmp_path / "runs.sqlite3"
    garbage = bytes(range(256)) * 64
    path.write_bytes(garbage)

    with Store(path) as s:
        s.create_run("r1", _config())
        assert [r["id"] for r in s.list_runs()] == ["r1"]
        asides = list(tmp_path.glob("runs.sqlite3.corrupt-*"))
        assert len(asides) == 1 and asides[0].read_bytes() == garbage
        assert str(path) in s.warning and str(asides[0]) in s.warning
        assert "\n" not in s.warning


def test_damaged_pages_fail_the_check_and_are_moved_aside(tmp_path):
    path = tmp_path / "runs.sqlite3"
    with Store(path) as s:
        s.create_run("r1", _config())
        s.append_metrics("r1", [_row(i) for i in range(3000)])
    data = bytearray(path.read_bytes())
    data[8192:] = bytes(range(256)) * ((len(data) - 8192) // 256)  # header and schema page intact
    path.write_bytes(bytes(data))

    with Store(path) as s:
        assert s.warning is not None and "\n" not in s.warning
        assert s.list_runs() == []
    (aside,) = tmp_path.glob("runs.sqlite3.corrupt-*")
    assert aside.read_bytes() == bytes(data)


def test_a_store_from_a_newer_version_is_refused_not_moved(tmp_path):
    path = tmp_path / "runs.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer"):
        Store(path)
    assert list(tmp_path.glob("*.corrupt-*")) == []


def test_nan_and_inf_are_stored_as_null(store):
    store.create_run("r1", _config(lr=float("nan")), info={"entropy_floor": float("inf")})
    store.append_metrics("r1", [{"step": 0, "loss": float("nan"), "grad_norm": float("inf"),
                                 "lr": 1e-3, "time": 0.0}])
    store.add_eval("r1", {"step": 0, "val_loss": float("nan"), "nll_per_timestep": [1.0, float("-inf")]})
    store.set_status("r1", "diverged", reason="loss is NaN", summary={"train_loss": float("nan")})

    assert store.metrics("r1") == [{"step": 0, "loss": None, "grad_norm": None, "lr": 1e-3, "time": 0.0}]
    assert store.evals("r1") == [{"step": 0, "val_loss": None, "nll_per_timestep": [1.0, None]}]
    run = store.get_run("r1")
    assert run["config"]["lr"] is None and run["info"] == {"entropy_floor": None}
    assert run["summary"] == {"train_loss": None}


def test_json_safe_converts_tuples_and_array_like_values():
    class ArrayLike:  # stands in for a numpy array or tensor, which expose tolist()
        def tolist(self):
            return [[0.5, float("nan")]]

    assert _json_safe({1: (1, 2.5, True), "a": ArrayLike()}) == {"1": [1, 2.5, True], "a": [[0.5, None]]}
    assert _json_safe(float("nan")) is None
    with pytest.raises(TypeError, match="object"):
        _json_safe(object())


def _json_values(floats):
    leaves = st.none() | st.booleans() | st.integers() | floats | st.text(max_size=5)
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=20)


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    s = Store(tmp_path_factory.mktemp("shared") / "runs.sqlite3")
    s.create_run("r1", _config())
    yield s
    s.close()


@settings(max_examples=60, deadline=None)
@given(payload=_json_values(st.floats(allow_nan=False, allow_infinity=False)),
       wild=_json_values(st.floats()))
def test_eval_payloads_round_trip_and_never_fail_on_non_finite_floats(shared_store, payload, wild):
    shared_store.add_eval("r1", {"step": 0, "payload": payload})
    shared_store.add_eval("r1", {"step": 1, "payload": wild})  # NaN / inf anywhere: stored, no exception
    assert shared_store.evals("r1")[0] == {"step": 0, "payload": payload}


def test_retention_keeps_the_newest_finished_runs_and_never_active_ones(store):
    statuses = ["completed", "running", "failed", "queued", "stopped", "completed", "diverged"]
    for i, status in enumerate(statuses):
        store.create_run(f"r{i}", _config(), status=status)
        store.append_metrics(f"r{i}", [_row(0)])

    assert store.enforce_retention(2) == 3  # finished, oldest first: r0, r2, r4 go
    assert sorted(r["id"] for r in store.list_runs()) == ["r1", "r3", "r5", "r6"]
    assert _count(store.path, "metrics", "r0") == 0

    assert store.enforce_retention(0) == 2
    assert sorted(r["id"] for r in store.list_runs()) == ["r1", "r3"]
    assert store.enforce_retention(0) == 0


def test_unwritable_location_raises_a_one_line_store_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="a-file") as err:
        Store(blocker / "sub" / "runs.sqlite3")
    assert "\n" not in str(err.value)

    with pytest.raises(StoreError, match="cannot open") as err:  # a folder where the file should be
        Store(tmp_path)
    assert "\n" not in str(err.value)


def test_closed_store_refuses_calls(tmp_path):
    s = Store(tmp_path / "runs.sqlite3")
    s.close()
    with pytest.raises(StoreError, match="closed"):
        s.list_runs()


def test_default_store_path_reads_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_STORE", str(tmp_path / "x" / "y.sqlite3"))
    assert default_store_path() == tmp_path / "x" / "y.sqlite3"
    assert (tmp_path / "x").is_dir()

    monkeypatch.delenv("PLAYGROUND_STORE")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    expected = tmp_path / "home" / ".local" / "share" / "transformer-loss-playground" / "runs.sqlite3"
    assert default_store_path() == expected
    assert expected.parent.is_dir()
