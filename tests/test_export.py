"""Taking a run home: the exported script trains the same curve again, the metrics CSV has one
row per step, the weights file holds the trained model, and ids cannot escape the folder."""
import ast
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from playground.config import RunConfig
from playground.export import (delete_weights, metrics_csv, prune_weights, reproduce_script,
                               weights_path)
from playground.runs import RunManager
from playground.store import Store

ROOT = Path(__file__).resolve().parent.parent
CFG = RunConfig(model="nano", steps=20, eval_every=10, seed=3)  # digits, next_token, nll


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """One tiny run through the run manager into a private store: (store, run id)."""
    store = Store(tmp_path_factory.mktemp("store") / "runs.sqlite3")
    manager = RunManager(store=store)
    run_id = manager.submit(CFG, owner="me")
    assert manager.wait(run_id, timeout=120) == "completed"
    yield store, run_id
    manager.shutdown()


def test_exported_script_reproduces_the_stored_final_losses(finished, tmp_path):
    store, run_id = finished
    summary = store.get_run(run_id)["summary"]
    script = tmp_path / f"run_{run_id}.py"
    script.write_text(reproduce_script(store.get_run(run_id)["config"], run_id))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == "completed" and result["steps"] == CFG.steps
    assert result["train_loss"] == pytest.approx(summary["train_loss"], abs=1e-6)
    assert result["val_loss"] == pytest.approx(summary["val_loss"], abs=1e-6)
    rows = list(csv.DictReader(io.StringIO((tmp_path / f"run_{run_id}_metrics.csv").read_text())))
    assert [float(r["loss"]) for r in rows if r["loss"]] == pytest.approx(
        [m["loss"] for m in store.metrics(run_id)], abs=1e-6)  # the whole curve, not just its end


def test_script_embeds_hostile_strings_as_data():
    cfg = {**RunConfig(model="nano").__dict__, "text_path": "x'''\"\"\"\nimport os; os.system('boom')"}
    source = reproduce_script(cfg, "abc")
    tree = ast.parse(source)  # valid Python
    assigned = {node.targets[0].id: node.value for node in tree.body if isinstance(node, ast.Assign)}
    assert ast.literal_eval(assigned["CONFIG"])["text_path"] == cfg["text_path"]
    assert "os.system" not in source.replace(repr(cfg["text_path"]), "")


def test_bad_config_or_run_id_is_refused():
    with pytest.raises(ValueError, match="steps"):
        reproduce_script({"steps": -1}, "abc")
    with pytest.raises(ValueError, match="run id"):
        reproduce_script({}, "../../etc/passwd")


def test_metrics_csv_has_one_row_per_step_and_eval_columns():
    metrics = [{"step": s, "loss": 2.0 - s / 10, "grad_norm": 1.0, "lr": 1e-3, "time": s * 0.1}
               for s in range(20)]
    metrics[3]["loss"] = float("nan")
    evals = [{"step": 10, "time": 1.0, "val_loss": 1.5, "val_nll": 1.5, "nll_per_timestep": [1.0, 2.0]},
             {"step": 20, "time": 2.0, "val_loss": 1.2, "val_nll": 1.2, "nll_per_timestep": [1.0, 1.4]}]
    rows = list(csv.reader(io.StringIO(metrics_csv(metrics, evals))))
    assert rows[0] == ["step", "loss", "grad_norm", "lr", "time", "val_loss", "val_nll"]
    assert len(rows) == 1 + 21  # train steps 0..19, and the final eval after step 20
    by_step = {int(r[0]): r for r in rows[1:]}
    assert by_step[10][5] == "1.5" and by_step[20][1] == "" and by_step[3][1] == ""
    assert float(by_step[7][1]) == 2.0 - 7 / 10  # written with every digit


def test_weights_are_saved_and_load_into_the_model(finished):
    from playground.experiment import build_experiment

    store, run_id = finished
    path = weights_path(store, run_id)
    state = torch.load(path, weights_only=True)
    model = build_experiment(CFG).model
    assert set(state) == set(model.state_dict())
    model.load_state_dict(state)  # shapes fit too
    assert "weights_error" not in store.get_run(run_id)["summary"]


def test_weights_files_are_removed_with_their_runs(tmp_path):
    store = Store(tmp_path / "runs.sqlite3")
    for run_id in ("keep", "gone"):
        store.create_run(run_id, {}, status="completed")
        weights_path(store, run_id).parent.mkdir(exist_ok=True)
        weights_path(store, run_id).write_bytes(b"w")
    store.delete("gone")
    assert prune_weights(store) == 1
    assert weights_path(store, "keep").exists() and not weights_path(store, "gone").exists()
    assert delete_weights(store, "keep") and not delete_weights(store, "keep")


def test_a_weights_folder_that_cannot_be_written_does_not_fail_the_run(tmp_path):
    store = Store(tmp_path / "runs.sqlite3")
    (tmp_path / "weights").write_text("a file where the folder should be")
    manager = RunManager(store=store)
    run_id = manager.submit(RunConfig(model="nano", steps=2, eval_every=2), owner="me")
    assert manager.wait(run_id, timeout=60) == "completed"
    assert "not saved" in store.get_run(run_id)["summary"]["weights_error"]
