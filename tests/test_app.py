"""The pages in Streamlit's AppTest: they render, the controls are there, Start hands a run
to the manager, and bad input gives a message instead of a traceback."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent

PAGES = ["views/train.py", "views/compare.py", "views/explorer.py", "views/lessons.py"]


pytestmark = pytest.mark.usefixtures("private_store")  # tests/conftest.py: a fresh manager and store


def open_page(path, **query):
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_without_exception(path):
    at = open_page(path)
    assert not at.exception, at.exception


def test_train_page_has_every_control():
    at = open_page("views/train.py")
    assert at.radio(key="cfg_paradigm").value == "autoregressive"
    for field in ("task", "dataset", "model", "loss", "device"):
        assert at.selectbox(key=f"cfg_{field}") is not None
    for field in ("steps", "batch_size", "lr", "seed", "grad_clip"):
        assert at.number_input(key=f"cfg_{field}") is not None
    labels = [b.label for b in at.button]
    assert "Start" in labels and "Stop" in labels


def test_loss_list_offers_only_losses_that_fit_the_task():
    at = open_page("views/train.py")
    at.radio(key="cfg_paradigm").set_value("autoencoding").run()
    at.selectbox(key="cfg_task").set_value("reconstruction").run()
    shown = at.selectbox(key="cfg_loss").options  # "name: description"
    assert {o.split(":")[0] for o in shown} == {"mse", "l1", "huber", "bce"}


def test_knobs_follow_the_loss():
    at = open_page("views/train.py")
    at.selectbox(key="cfg_loss").set_value("focal").run()
    assert any(n.key == "cfg_focal_gamma" for n in at.number_input)
    assert not any(n.key == "cfg_label_smoothing" for n in at.number_input)


def test_start_submits_a_run_to_the_manager():
    at = open_page("views/train.py")
    at.number_input(key="cfg_steps").set_value(5)
    at.selectbox(key="cfg_model").set_value("nano")
    at.button[[b.label for b in at.button].index("Start")].click().run()
    assert not at.exception, at.exception
    run_id = at.session_state.run_id
    from ui.state import get_manager
    manager = get_manager()
    assert manager.snapshot(run_id)["config"]["steps"] == 5
    assert manager.wait(run_id, timeout=60) == "completed"
    assert at.query_params["run"] == [run_id] or at.query_params["run"] == run_id


def test_bad_link_values_give_messages_and_defaults():
    at = open_page("views/train.py", steps="-5", lr="abc", loss="nope", text_path="/etc/passwd")
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "steps" in text and "lr" in text and "text_path" in text
    assert at.number_input(key="cfg_steps").value == 1  # clamped into range
    assert at.selectbox(key="cfg_loss").value == "nll"


def test_link_fills_the_controls():
    at = open_page("views/train.py", paradigm="autoencoding", task="denoising", dataset="digits",
                   loss="huber", huber_delta="0.5", noise_std="0.4")
    assert not at.warning
    assert at.selectbox(key="cfg_task").value == "denoising"
    assert at.number_input(key="cfg_huber_delta").value == 0.5
    assert at.number_input(key="cfg_noise_std").value == 0.4


def test_run_over_a_host_limit_is_refused_with_its_name(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_HOSTED", "1")
    from ui.state import get_manager
    get_manager.clear()  # the manager reads the limits when it is made
    at = open_page("views/train.py", steps="50000")
    at.button[[b.label for b in at.button].index("Start")].click().run()
    assert any("steps" in e.value and "limit" in e.value for e in at.error)


def test_unknown_run_id_in_the_link_says_so():
    at = open_page("views/train.py", run="doesnotexist")
    assert not at.exception
    assert any("not found" in w.value for w in at.warning)


def test_english_run_view_keeps_the_words_the_browser_tests_click():
    at = open_page("views/train.py")
    at.number_input(key="cfg_steps").set_value(10)
    at.number_input(key="cfg_eval_every").set_value(5)
    at.selectbox(key="cfg_model").set_value("nano")
    at.button[[b.label for b in at.button].index("Start")].click().run()
    from ui.state import get_manager
    assert get_manager().wait(at.session_state.run_id, timeout=60) == "completed"
    at.run()
    assert not at.exception, at.exception
    assert [tab.label for tab in at.tabs] == ["Loss curves", "Per-timestep NLL", "Samples"]
    assert any(s.value.startswith("Finished: 10 steps") for s in at.success)
