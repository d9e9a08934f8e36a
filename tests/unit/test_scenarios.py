"""Fill scenarios: validation that names the bad part, a deterministic split, and per-field stages."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symage_pipeline.app.intake import validate_config
from symage_pipeline.catalog import load_catalog
from symage_pipeline.coherence.scenarios import ScenarioAssigner, parse_fill_scenarios, resolve, scenario_counts
from symage_pipeline.errors import SymageError

PAYER_INTAKE = [
    {
        "name": "payer-intake",
        "weight": 3,
        "default_stage": "blank",
        "prefilled": ["concept:healthcare.patient.*", "concept:insurance.*", "concept:healthcare.diagnosis.*"],
        "values": {"box11c_plan_name": "AETNA PPO"},
    },
    {"name": "completed", "weight": 1, "prefilled": ["concept:healthcare.patient.*", "concept:insurance.*"]},
]


def _error(raw: object) -> SymageError:
    with pytest.raises(SymageError) as err:
        parse_fill_scenarios(raw)
    assert err.value.status == 422 and err.value.code == "invalid_fill_scenarios"
    return err.value


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ([], "non-empty list"),
        ({"name": "a"}, "non-empty list"),
        (["a"], "fill_scenarios[0] must be an object"),
        ([{"weight": 1}], "fill_scenarios[0].name"),
        ([{"name": "Bad Name"}], "fill_scenarios[0].name"),
        ([{"name": "a"}, {"name": "a"}], "'a' is used twice"),
        ([{"name": "a", "weight": 0}], "('a').weight must be a positive number"),
        ([{"name": "a", "weight": True}], "weight must be a positive number"),
        ([{"name": "a", "default_stage": "prefilled"}], "default_stage must be 'completed' or 'blank'"),
        ([{"name": "a", "prefilled": "box1"}], "prefilled must be a list"),
        ([{"name": "a", "blank": ["concept:"]}], "blank[0] 'concept:'"),
        ([{"name": "a", "blank": ["Box 1"]}], "blank[0] 'Box 1' is neither a field id"),
        ([{"name": "a", "prefilled": ["ssn"], "blank": ["ssn"]}], "ssn listed in both prefilled and blank"),
        ([{"name": "a", "values": {"ssn": None}}], "values.ssn must be a string, number or boolean"),
        ([{"name": "a", "values": {"ssn": "1"}, "blank": ["ssn"]}], "ssn is pinned in values and listed in blank"),
        ([{"name": "a", "prefiled": []}], "unknown keys: prefiled"),
    ],
)
def test_malformed_policies_name_the_bad_part(raw: object, names: str) -> None:
    assert names in _error(raw).message


def test_request_validation_rejects_shuffled_and_normalises() -> None:
    with pytest.raises(SymageError) as err:
        validate_config({"coherence_mode": "shuffled", "fill_scenarios": PAYER_INTAKE}, 10)
    assert err.value.status == 422 and err.value.code == "invalid_fill_scenarios"
    config = validate_config({"fill_scenarios": [{"name": "a"}]}, 10)
    assert config["fill_scenarios"] == [
        {"name": "a", "weight": 1.0, "default_stage": "completed", "prefilled": [], "blank": [], "values": {}}
    ]


@settings(max_examples=200, deadline=None, database=None)
@given(
    weights=st.lists(st.floats(min_value=0.01, max_value=100), min_size=1, max_size=8),
    quantity=st.integers(min_value=1, max_value=5000),
    seed=st.integers(min_value=0, max_value=2**40),
)
def test_the_split_is_proportional_and_exact(weights: list[float], quantity: int, seed: int) -> None:
    counts = scenario_counts(weights, quantity, seed)
    assert sum(counts) == quantity
    total = sum(weights)
    assert all(abs(c - quantity * w / total) < 1 for c, w in zip(counts, weights, strict=True))
    assert counts == scenario_counts(weights, quantity, seed)


def test_items_are_dealt_by_seed_and_exactly_by_weight() -> None:
    scenarios = parse_fill_scenarios(PAYER_INTAKE)
    assigner = ScenarioAssigner(scenarios, 1000, seed=42)
    names = [assigner.scenario_of(i).name for i in range(1000)]
    assert Counter(names) == {"payer-intake": 750, "completed": 250}
    assert names == [ScenarioAssigner(scenarios, 1000, seed=42).scenario_of(i).name for i in range(1000)]
    assert names != [ScenarioAssigner(scenarios, 1000, seed=43).scenario_of(i).name for i in range(1000)]


def test_stages_follow_selectors_with_documented_precedence() -> None:
    cms = load_catalog().get("cms_1500_standard_02_12")
    intake, completed = parse_fill_scenarios(PAYER_INTAKE)
    stages, pinned = resolve(intake, cms)
    assert stages["box2_patient_name"] == "prefilled"  # concept:healthcare.patient.*
    assert stages["box1a_insured_id"] == "prefilled"  # concept:insurance.*
    assert stages["box21_a"] == "prefilled"  # concept:healthcare.diagnosis.*
    assert stages["box28_total"] == "blank"  # default_stage
    assert stages["box11c_plan_name"] == "prefilled" and pinned == {"box11c_plan_name": "AETNA PPO"}
    stages, _ = resolve(completed, cms)
    assert stages["box28_total"] == "completed" and stages["box2_patient_name"] == "prefilled"
    (mixed,) = parse_fill_scenarios(
        [{"name": "m", "prefilled": ["concept:healthcare.patient.*", "box5_patient_zip"],
          "blank": ["concept:healthcare.patient.address.*"]}]
    )  # fmt: skip
    stages, _ = resolve(mixed, cms)
    assert stages["box5_patient_city"] == "blank"  # a blank glob beats a prefilled glob
    assert stages["box5_patient_zip"] == "prefilled"  # an exact id beats any glob
    assert stages["box2_patient_name"] == "prefilled"


def test_apply_blanks_pins_and_records_the_policy() -> None:
    cms = load_catalog().get("cms_1500_standard_02_12")
    scenarios = parse_fill_scenarios(PAYER_INTAKE)
    assigner = ScenarioAssigner(scenarios, 4, seed=1)
    values = {f.id: "v" for f in cms.fields}
    out, stages, fill = assigner.apply(scenarios[0], cms, values)
    assert out["box28_total"] == "" and out["box2_patient_name"] == "v" and out["box11c_plan_name"] == "AETNA PPO"
    assert fill == {"scenario": "payer-intake", "stages": stages, "pinned": ["box11c_plan_name"]}
    assert set(stages) == {f.id for f in cms.fields} and set(stages.values()) <= {"prefilled", "completed", "blank"}
