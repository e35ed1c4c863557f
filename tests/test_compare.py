"""The Compare page in Streamlit's AppTest: a friendly word with no runs; with runs chosen, the
curves, the tables and the side-by-side view; filters narrow the list; a session renames and
deletes its own runs and is offered nothing for anyone else's."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from playground.config import RunConfig

ROOT = Path(__file__).resolve().parent.parent
ME, OTHER = "me-session", "someone-else"
NEXT_TOKEN = RunConfig(model="nano", steps=10, eval_every=5)
RECONSTRUCTION = RunConfig(paradigm="autoencoding", task="reconstruction", loss="mse", model="nano",
                           steps=10, eval_every=5)


pytestmark = pytest.mark.usefixtures("private_store")  # tests/conftest.py: a fresh manager and store


def train(*runs: tuple[RunConfig, str]) -> list[str]:
    """Finished runs, each (config, owner), trained through the page's own manager."""
    from ui.state import get_manager
    manager = get_manager()
    ids = [manager.submit(cfg, owner=owner) for cfg, owner in runs]
    assert [manager.wait(i, timeout=120) for i in ids] == ["completed"] * len(ids)
    return ids


def open_compare() -> AppTest:
    at = AppTest.from_file(str(ROOT / "views/compare.py"), default_timeout=60)
    at.session_state.owner = ME  # what ui.state.owner_id() hands this session
    return at.run()


def charts(at) -> int:
    return len(at.get("plotly_chart"))


def test_empty_store_gets_a_friendly_message():
    at = open_compare()
    assert not at.exception, at.exception
    assert any("No runs yet" in i.value for i in at.info)
    assert charts(at) == 0


def test_two_runs_side_by_side():
    nll, mse = train((NEXT_TOKEN, ME), (RECONSTRUCTION, OTHER))
    at = open_compare()
    assert not at.exception, at.exception
    assert set(at.multiselect(key="cmp_runs").value) == {nll, mse}  # the two newest, chosen at once
    # one overlay, the NLL strip and pixel map of the next-token run, the recon grid of the other
    assert charts(at) == 4
    metrics, settings = (d.value for d in at.dataframe)
    assert list(settings.index) == ["paradigm", "task", "loss"]  # only what differs, by default
    assert set(settings.loc["loss"]) == {"nll", "mse"}
    assert {"val loss", "val NLL (nats)", "val MSE"} <= set(metrics.index)
    assert any("different losses" in c.value for c in at.caption)
    at.radio(key="cmp_key").set_value("val_loss").run()
    at.toggle(key="cmp_only_diff").set_value(False).run()
    assert not at.exception, at.exception
    assert "lr" in at.dataframe[1].value.index
    at.select_slider(key="cmp_step").set_value(5).run()
    assert any(c.value.startswith("step 5") for c in at.caption)


def test_filters_narrow_the_list():
    nll, mse = train((NEXT_TOKEN, ME), (RECONSTRUCTION, OTHER))
    at = open_compare()
    at.multiselect(key="flt_loss").set_value(["mse"]).run()
    (only,) = at.multiselect(key="cmp_runs").options
    assert " · mse · " in only and at.multiselect(key="cmp_runs").value == [mse]
    at.multiselect(key="flt_loss").set_value([]).run()
    at.toggle(key="flt_mine").set_value(True).run()
    (only,) = at.multiselect(key="cmp_runs").options
    assert " · nll · " in only
    assert at.multiselect(key="cmp_runs").value == []  # a filtered-out run leaves the choice
    at.multiselect(key="flt_status").set_value(["completed"]).run()
    assert len(at.multiselect(key="cmp_runs").options) == 1
    at.toggle(key="flt_mine").set_value(False).run()
    at.multiselect(key="flt_paradigm").set_value(["autoregressive"]).run()
    at.multiselect(key="cmp_runs").set_value([nll]).run()
    assert not at.exception, at.exception
    assert charts(at) == 3  # its curves, NLL strip and pixel map
    at.multiselect(key="flt_paradigm").set_value(["autoencoding"]).run()
    at.toggle(key="flt_mine").set_value(True).run()
    assert any("No run matches" in i.value for i in at.info)


def test_own_run_is_renamed_and_deleted_with_its_weights():
    from playground.export import weights_path
    from ui.state import get_manager

    (mine,) = train((NEXT_TOKEN, ME))
    store = get_manager().store
    assert weights_path(store, mine).exists()
    at = open_compare()
    at.text_input(key=f"mg_name_{mine}").set_value("plain NLL").run()
    at.text_input(key=f"mg_tags_{mine}").set_value("baseline, week 1").run()
    at.button(key="mg_save").click().run()
    assert not at.exception, at.exception
    assert store.get_run(mine)["name"] == "plain NLL" and store.get_run(mine)["tags"] == ["baseline", "week 1"]
    assert "plain NLL" in at.multiselect(key="cmp_runs").options[0]
    assert at.button(key="mg_delete").disabled  # until the box is ticked
    at.checkbox(key=f"mg_sure_{mine}").check().run()
    at.button(key="mg_delete").click().run()
    assert not at.exception, at.exception
    assert store.get_run(mine) is None and not weights_path(store, mine).exists()
    assert any("No runs yet" in i.value for i in at.info)


def test_someone_elses_run_offers_no_delete():
    from ui.state import delete_run, get_manager

    (theirs,) = train((NEXT_TOKEN, OTHER))
    at = open_compare()
    assert at.multiselect(key="cmp_runs").value == [theirs]  # compared like any other run
    assert not [b for b in at.button if b.key == "mg_delete"]
    assert not [s for s in at.selectbox if s.key == "mg_run"]
    assert any("only their own session" in c.value for c in at.caption)
    assert not delete_run(theirs)  # and the helper refuses it too, whatever the page shows
    assert get_manager().store.get_run(theirs) is not None


def test_retention_keeps_the_newest_runs_and_their_weights_only(monkeypatch):
    from playground.export import weights_path
    from ui.state import get_manager

    older, newer = train((NEXT_TOKEN, ME), (NEXT_TOKEN, ME))
    monkeypatch.setenv("PLAYGROUND_MAX_RUNS", "1")
    at = open_compare()
    assert not at.exception, at.exception
    store = get_manager().store
    assert [r["id"] for r in store.list_runs()] == [newer]
    assert weights_path(store, newer).exists() and not weights_path(store, older).exists()
    assert at.multiselect(key="cmp_runs").value == [newer]
