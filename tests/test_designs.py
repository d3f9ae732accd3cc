"""The design page's networks, measurements and schedules."""

import json
import math

import pytest

import cnnlesson
from cnnlesson import lab
from cnnlesson.__main__ import main
from cnnlesson.analysis import forward_flops_per_image
from cnnlesson.designs import DESIGN_STEPS, MODELS, build_design_step, design_builder
from cnnlesson.profiles import PROFILES

TUTORIAL_PARAMETERS = 4_210_090


@pytest.fixture(scope="module")
def steps():
    return {step: build_design_step(step, compile=False) for step in DESIGN_STEPS}


def _kinds(model):
    return [type(layer).__name__ for layer in model.layers]


def test_each_step_changes_one_thing(steps):
    a, b, c, d, e, f = (steps[s] for s in "abcdef")
    assert a.count_params() == TUTORIAL_PARAMETERS
    # (b): Flatten + Dense(512) + Dropout gone, global average pooling instead.
    assert "Flatten" in _kinds(a) and "Flatten" not in _kinds(b)
    assert "GlobalAveragePooling2D" in _kinds(b)
    assert _kinds(b).count("Dense") == 1
    # (c): two more convolutions of twice the channels, one more pooling.
    assert [layer.filters for layer in c.layers if type(layer).__name__ == "Conv2D"] == [
        32, 32, 64, 64]
    assert _kinds(c).count("MaxPooling2D") == 2
    # (d): the same layers with Conv → BN → ReLU; (e): augmentation in front; (f): softmax.
    assert _kinds(d).count("BatchNormalization") == 4 and "BatchNormalization" not in _kinds(c)
    assert _kinds(e)[:2] == ["RandomFlip", "RandomTranslation"] and _kinds(e)[2:] == _kinds(d)
    assert _kinds(f) == _kinds(e)
    assert [m.layers[-1].activation.__name__ for m in (e, f)] == ["sigmoid", "softmax"]


def test_steps_start_from_the_same_weights():
    # The augmentation has seeds of its own, so adding it leaves the initial weights alone.
    d, e = build_design_step("d", compile=False), build_design_step("e", compile=False)
    for layer_d, layer_e in zip([x for x in d.layers if x.weights],
                                [x for x in e.layers if x.weights and "random" not in x.name],
                                strict=True):
        for w_d, w_e in zip(layer_d.get_weights(), layer_e.get_weights(), strict=True):
            assert (w_d == w_e).all(), layer_d.name


def test_unknown_step_is_refused():
    with pytest.raises(ValueError, match="step must be one of"):
        build_design_step("g")


def test_final_design_meets_the_page_limits():
    model = cnnlesson.build_design_model()
    assert model.count_params() <= TUTORIAL_PARAMETERS // 10
    assert lab.last_conv_receptive_field(model) >= 32
    assert model.layers[-1].activation.__name__ == "softmax"
    assert not [layer for layer in model.layers if type(layer).__name__ == "Dropout"]


def test_final_design_schedule_spans_the_run():
    model = design_builder(epochs=3, batch_size=100, subset=1_000)(seed=0)
    schedule = model.optimizer.get_config()["learning_rate"]
    assert schedule["class_name"] == "CosineDecay"
    config = schedule["config"]
    assert config["warmup_steps"] + config["decay_steps"] == 3 * 10


def test_design_builder_refuses_a_bad_schedule():
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        design_builder(epochs=0, batch_size=32)


def test_layer_costs_add_up_to_the_analysis_totals(steps):
    lesson = steps["a"]
    assert sum(c.forward_flops for c in lab.layer_costs(lesson)) == \
        forward_flops_per_image(lesson)
    costs = lab.layer_costs(steps["f"])
    assert sum(c.parameters for c in costs) == steps["f"].count_params()
    assert all(c.forward_flops == 0 for c in costs
               if c.kind in ("BatchNormalization", "RandomFlip", "RandomTranslation"))
    convs = [c for c in costs if c.kind == "Conv2D"]
    assert convs[0].forward_flops == 2 * 32 * 32 * 3 * 3 * 3 * 32


def test_receptive_fields_grow_with_the_second_block(steps):
    fields = [lab.last_conv_receptive_field(steps[s]) for s in "abc"]
    # two 3×3: 5; + pool (2), two 3×3 at stride 2: 6 + 2·2·2 = 14
    assert fields == [5, 5, 14]


def test_accuracy_change():
    change = lab.accuracy_change(0.70, 0.72, 10_000)
    assert change.difference == pytest.approx(0.02)
    assert change.standard_error == pytest.approx(math.hypot(
        math.sqrt(0.7 * 0.3 / 1e4), math.sqrt(0.72 * 0.28 / 1e4)))
    assert change.conclusive
    assert not lab.accuracy_change(0.70, 0.71, 1_000).conclusive
    assert lab.accuracy_change(0.72, 0.70, 10_000).conclusive
    assert not lab.accuracy_change(0.72, 0.70, 10_000, decisive=False).conclusive
    with pytest.raises(ValueError, match="accuracy must lie"):
        lab.accuracy_change(1.5, 0.5, 100)


def test_equal_time_epochs():
    assert lab.equal_time_epochs(1200.0, 100.0) == 12
    assert lab.equal_time_epochs(1200.0, 101.0) == 11
    assert lab.equal_time_epochs(10.0, 100.0) == 1
    assert lab.equal_time_epochs(1200.0, 10.0, max_epochs=60) == 60
    assert lab.equal_time_epochs(1200.0, 100.0, overhead_seconds=1.0) == 11
    with pytest.raises(ValueError, match="must be positive"):
        lab.equal_time_epochs(0.0, 10.0)
    assert lab.steady_epoch_seconds({"epoch_seconds": [30.0, 10.0, 12.0]}) == 11.0


@pytest.mark.parametrize("profile", list(PROFILES.values()), ids=list(PROFILES))
def test_every_profile_has_the_design_schedules(profile):
    design = profile.design
    assert set(design) == {"steps", "calibration", "headline", "final"}
    assert set(design["steps"]) == set(design["final"]) == {"epochs", "batch_size", "subset"}
    assert set(design["calibration"]) == {"epochs", "subset"}
    assert design["headline"]["max_epochs"] >= 1
    if profile.name == "quick":
        assert design["headline"]["subset"] is not None and design["headline"]["max_epochs"] <= 3


def test_command_line_knows_the_models(capsys):
    assert set(MODELS) == {"lesson", "design"}
    with pytest.raises(SystemExit) as stop:
        main(["train", "--model", "resnet"])
    assert stop.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_command_line_trains_the_design_and_names_it(tiny_cifar10, capsys):
    assert main(["train", "--model", "design", "--epochs", "1", "--batch-size", "16",
                 "--subset", "32"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["model"] == "design" and summary["recipe"]["model"] == "design_cnn"
    assert summary["epochs"] == 1 and summary["batch_size"] == 16
    # The same run again comes from the cache, under the same key.
    assert main(["train", "--model", "design", "--epochs", "1", "--batch-size", "16",
                 "--subset", "32"]) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert again["from_cache"] and again["cache_key"] == summary["cache_key"]


def test_equal_time_runs_plan_the_design_and_give_the_same_model_again(tiny_cifar10):
    tiny = PROFILES["quick"]._replace(
        name="tiny", lesson={"epochs": 2, "batch_size": 16, "subset": 32},
        design={"steps": {}, "calibration": {"epochs": 2, "subset": 32},
                "headline": {"batch_size": 16, "subset": 32, "max_epochs": 2}})
    runs = lab.equal_time_runs(tiny)
    assert runs.lesson.recipe["epochs"] == 2 and runs.lesson.recipe["model"] == "lesson_cnn"
    assert runs.design.recipe["model"] == "design_cnn"
    assert 1 <= runs.plan.epochs == runs.design.recipe["epochs"] <= 2
    assert runs.plan.epoch_ratio > 0 and runs.plan.graph_seconds >= 0
    # A second page asking for the headline gets the same model from the cache.
    again = lab.equal_time_runs(tiny)
    assert again.plan == runs.plan and again.design.from_cache and again.lesson.from_cache
    assert again.design.cache_key == runs.design.cache_key
