"""RunConfig: validation messages, the JSON form, and the URL form with hostile values."""
import dataclasses
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.config import (CHOICES, FIELD_TYPES, LIMITS, SERVER_PATHS, ConfigError, RunConfig,
                               config_from_dict, config_from_json, config_from_query, config_to_json,
                               config_to_query, validate)


def field_value():
    """A valid value for every field, drawn from its type and range."""
    def for_field(name):
        kind = FIELD_TYPES[name]
        if name in CHOICES:
            return st.sampled_from(CHOICES[name])
        if kind is bool:
            return st.booleans()
        if kind is int:
            lo, hi = LIMITS[name]
            return st.integers(int(lo), int(hi))
        if kind is float:
            lo, hi = LIMITS[name]
            return st.floats(lo, hi, allow_nan=False, allow_infinity=False)
        return st.text(alphabet="abcxyz_", max_size=8)
    return st.fixed_dictionaries({name: for_field(name) for name in FIELD_TYPES
                                  if name not in SERVER_PATHS})


@settings(max_examples=60, deadline=None)
@given(field_value())
def test_every_field_survives_the_url_round_trip(values):
    cfg = validate(RunConfig(**values))
    back, warnings = config_from_query(config_to_query(cfg))
    assert warnings == []
    for name, value in dataclasses.asdict(cfg).items():
        got = getattr(back, name)
        assert got == value or (isinstance(value, float) and math.isclose(got, value, rel_tol=1e-12)), name


@settings(max_examples=60, deadline=None)
@given(field_value())
def test_every_field_survives_the_json_round_trip(values):
    cfg = validate(RunConfig(**values))
    assert config_from_json(config_to_json(cfg)) == cfg


@pytest.mark.parametrize("name,raw,expected", [
    ("steps", "1e9", RunConfig().steps),        # not an int: default
    ("steps", "99999999999", LIMITS["steps"][1]),  # huge: clamped
    ("steps", "-5", LIMITS["steps"][0]),         # negative: clamped
    ("lr", "nan", RunConfig().lr),               # NaN: default
    ("lr", "inf", RunConfig().lr),
    ("lr", "abc", RunConfig().lr),               # wrong type: default
    ("loss_on_prompt", "maybe", False),
    ("device", "tpu", "auto"),                   # not a choice: default
    ("paradigm", "x" * 10_000, "autoregressive"),
])
def test_hostile_link_values_give_a_message_and_a_safe_value(name, raw, expected):
    cfg, warnings = config_from_query({name: raw})
    assert getattr(cfg, name) == expected
    assert len(warnings) == 1 and warnings[0].startswith(f"{name}:") and "\n" not in warnings[0]
    validate(cfg)  # whatever came in, what comes out is valid


def test_unknown_link_keys_are_ignored_and_server_paths_refused():
    cfg, warnings = config_from_query({"run": "abc", "utm_source": "mail", "text_path": "/etc/passwd",
                                       "data_dir": "/root"})
    assert cfg == RunConfig()
    assert [w.split(":")[0] for w in warnings] == ["text_path", "data_dir"]


def test_a_link_holds_only_what_differs_from_the_defaults():
    assert config_to_query(RunConfig()) == {}
    assert config_to_query(RunConfig(steps=10, loss_on_prompt=True)) == {"steps": "10", "loss_on_prompt": "true"}


@pytest.mark.parametrize("change,field", [
    ({"steps": 0}, "steps"), ({"lr": float("nan")}, "lr"), ({"batch_size": "64"}, "batch_size"),
    ({"device": "tpu"}, "device"), ({"seed": True}, "seed"), ({"mask_ratio": 1.0}, "mask_ratio"),
])
def test_validation_names_the_field_and_the_allowed_values(change, field):
    with pytest.raises(ConfigError) as e:
        validate(RunConfig(**change))
    assert str(e.value).startswith(f"{field}:")


def test_a_json_config_with_unknown_keys_or_bad_json_is_refused_in_one_line():
    with pytest.raises(ConfigError, match="^stepz: unknown setting"):
        config_from_dict({"stepz": 3})
    with pytest.raises(ConfigError, match="^config: not valid JSON"):
        config_from_json("{nope")
    with pytest.raises(ConfigError, match="^config: expected a JSON object"):
        config_from_json(json.dumps([1, 2]))
