"""Trainer tests with the smoke preset on a small self-made BSDS300 tree."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from rim_tf.training import preset_config
from rim_tf.training.cli import main as cli_main
from rim_tf.training.trainer import Trainer

REPO = Path(__file__).resolve().parents[1]


def smoke(**overrides):
    return preset_config("denoise", "smoke", **overrides)


def _weights(model):
    return [v.numpy() for v in model.weights]


def test_training_lowers_validation_loss(fake_data, tmp_path):
    config = smoke(max_iterations=40, stride=8, learning_rate=1e-2, val_every=40, steps=4,
                   hidden_features=8, gru_features=16)
    sidecar = Trainer(config, tmp_path, data_dir=fake_data, progress=False).train()
    history = [json.loads(line) for line in (tmp_path / "history.jsonl").read_text().splitlines()]
    assert history[0]["iteration"] == 0 and history[-1]["iteration"] == 40
    assert history[-1]["val_psnr"] > history[0]["val_psnr"] + 0.3, history
    assert sidecar["val_psnr"] == history[-1]["val_psnr"]
    assert sidecar["reduced_budget"] and sidecar["patches_seen"] == 40 * config.batch_size
    assert sidecar["config"]["max_iterations"] == 40 and "tensorflow" in sidecar["versions"]


def test_resume_gives_the_same_weights_as_an_uninterrupted_run(fake_data, tmp_path):
    config = dict(max_iterations=6, stride=8, deterministic=True, checkpoint_every=100)
    straight = Trainer(smoke(**config), tmp_path / "straight", data_dir=fake_data, progress=False)
    straight.train()
    # "killed" after 3 iterations: the run ends there with a checkpoint ...
    Trainer(smoke(**{**config, "max_iterations": 3}), tmp_path / "resumed", data_dir=fake_data,
            progress=False).train()
    # ... and a fresh process-like trainer continues it
    resumed = Trainer(smoke(**config), tmp_path / "resumed", data_dir=fake_data, progress=False)
    resumed.train(resume=True)
    assert int(resumed.iteration.numpy()) == 6
    for a, b in zip(_weights(straight.model), _weights(resumed.model)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(straight.optimizer.variables, resumed.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_saved_model_reloads_and_evaluates_identically(fake_data, tmp_path):
    trainer = Trainer(smoke(stride=8), tmp_path, data_dir=fake_data, progress=False)
    trainer.train()
    loaded = keras.models.load_model(tmp_path / "model.keras")
    batch = next(iter(trainer._data(0).validation))
    a = trainer.model(batch["y"], sigma=batch["sigma"], steps=5).numpy()
    b = loaded(batch["y"], sigma=batch["sigma"], steps=5).numpy()
    np.testing.assert_array_equal(a, b)
    sidecar = json.loads((tmp_path / "model.json").read_text())
    assert sidecar["iterations"] == 6 and sidecar["label"].startswith("REDUCED BUDGET")


def test_existing_run_needs_resume_and_same_settings(fake_data, tmp_path):
    Trainer(smoke(max_iterations=2), tmp_path, data_dir=fake_data, progress=False).train()
    with pytest.raises(ValueError, match="--resume"):
        Trainer(smoke(max_iterations=2), tmp_path, data_dir=fake_data, progress=False).train()
    with pytest.raises(ValueError, match="gru_features"):
        Trainer(smoke(max_iterations=4, gru_features=6), tmp_path, data_dir=fake_data,
                progress=False).train(resume=True)


def test_sigkill_never_leaves_a_bad_checkpoint(fake_data, tmp_path):
    """Kill a training process while it writes checkpoints every iteration; resume it."""
    out = tmp_path / "run"
    cmd = [sys.executable, str(REPO / "scripts" / "train_denoise.py"), "--preset", "smoke",
           "--out", str(out), "--data-dir", str(fake_data), "--max-iterations", "400",
           "--checkpoint-every", "1", "--val-every", "1000", "--stride", "8", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 240
        while time.time() < deadline:
            if len(list((out / "checkpoints").glob("ckpt-*.index"))) >= 3:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the training process wrote no checkpoints")
        time.sleep(np.random.default_rng().uniform(0.0, 0.5))  # any moment
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    trainer = Trainer(smoke(max_iterations=400, checkpoint_every=1, val_every=1000, stride=8),
                      out, data_dir=fake_data, progress=False)
    latest = trainer.manager.latest_checkpoint
    trainer.checkpoint.restore(latest).assert_existing_objects_matched()
    done = int(trainer.iteration.numpy())
    assert done >= 3 and latest.endswith(f"ckpt-{done}")
    # and it continues from there
    resumed = Trainer(smoke(max_iterations=done + 2, checkpoint_every=1, val_every=1000, stride=8),
                      out, data_dir=fake_data, progress=False)
    resumed.train(resume=True)
    assert int(resumed.iteration.numpy()) == done + 2


@pytest.mark.parametrize("argv,message", [
    (["--preset", "huge"], "invalid choice: 'huge'"),
    (["--steps", "-3"], "steps must be >= 1"),
    (["--max-iterations", "0"], "max_iterations must be >= 1"),
])
def test_bad_arguments(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main("denoise", argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_bad_scale(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main("superres", ["--preset", "smoke", "--scales", "2", "5"])
    assert exit_info.value.code == 2
    assert "scales must be among 2, 3, 4" in capsys.readouterr().err
    with pytest.raises(ValueError, match="ablation belongs to the 3task"):
        preset_config("denoise", "smoke", model="gdn")


def test_presets_are_named_and_overridable():
    paper = preset_config("denoise", "paper")
    assert (paper.hidden_features, paper.gru_features, paper.steps, paper.patch_size,
            paper.stride, paper.epochs, paper.clip_norm) == (64, 256, 20, 32, 4, 2, 5.0)
    assert not paper.reduced_budget and preset_config("denoise", "cpu").reduced_budget
    assert preset_config("superres", "paper").patch_size == 36
    assert preset_config("3task", "cpu", steps=7).steps == 7


@pytest.mark.parametrize("experiment,model", [("3task", "rim"), ("superres", "atrous")])
def test_mixed_task_experiments_train(experiment, model, fake_data, tmp_path):
    config = preset_config(experiment, "smoke", max_iterations=4, stride=8, val_patches=4)
    sidecar = Trainer(config, tmp_path, data_dir=fake_data, progress=False).train()
    assert sidecar["iterations"] == 4 and np.isfinite(sidecar["val_psnr"])
    assert len(sidecar["degradations"]) == (6 if experiment == "3task" else 3)
    if experiment == "3task":  # the start is recorded where evaluation reads it
        assert sidecar["config"]["projection_start"] == "min_norm"
        assert {d["start"] for d in sidecar["degradations"]} == {"min_norm"}


def test_projection_start_presets_and_old_configs():
    from rim_tf.physics import STARTS
    from rim_tf.training.config import PAPER_UNKNOWNS, PROJECTION_STARTS, TrainConfig
    from rim_tf.shipped import projection_start

    assert PROJECTION_STARTS == STARTS and "projection_start" in PAPER_UNKNOWNS
    for preset in ("paper", "cpu", "quick", "smoke"):
        assert preset_config("3task", preset).projection_start == "min_norm"
    # a config written before the option (the first 4,000-patch 3task models) meant A^T y
    old = {k: v for k, v in preset_config("3task", "cpu").to_dict().items() if k != "projection_start"}
    assert TrainConfig(**old).projection_start == "adjoint"
    assert projection_start({"config": old}) == "adjoint" and projection_start({}) == "adjoint"
    assert projection_start({"config": {"projection_start": "min_norm"}}) == "min_norm"
    with pytest.raises(ValueError, match="unknown projection_start 'pinv'"):
        preset_config("3task", "smoke", projection_start="pinv")


def test_3task_trains_over_a_noise_range_and_validates_at_the_papers_level(fake_data, tmp_path):
    from rim_tf.training.config import PAPER_UNKNOWNS, TrainConfig
    from rim_tf.training.experiments import build_degradations

    assert "projection_sigma_range" in PAPER_UNKNOWNS
    config = preset_config("3task", "smoke", max_iterations=2, stride=8, val_patches=4)
    assert config.projection_sigma_range == (0.5, 4.0) and config.projection_sigma == 1.0
    assert {tuple(d.describe()["sigma"]) for d in build_degradations(config)} == {(0.5, 4.0)}
    assert {d.describe()["sigma"] for d in build_degradations(config, validation=True)} == {1.0}
    trainer = Trainer(config, tmp_path, data_dir=fake_data, progress=False)
    val_sigmas = np.concatenate([b["sigma"].numpy() for b in trainer._data(0).validation])
    np.testing.assert_array_equal(val_sigmas, 1.0)
    sidecar = trainer.train()
    assert {tuple(d["sigma"]) for d in sidecar["degradations"]} == {(0.5, 4.0)}
    # a config written before the field (the sigma-1 campaign) trained at projection_sigma
    old = {k: v for k, v in config.to_dict().items() if k != "projection_sigma_range"}
    assert {d.describe()["sigma"] for d in build_degradations(TrainConfig(**old))} == {1.0}
    for bad in [(2.0, 1.0), (0.0, 1.0), (1.0,)]:
        with pytest.raises(ValueError, match="projection_sigma_range"):
            preset_config("3task", "smoke", projection_sigma_range=bad)


def test_mixed_precision_smoke(fake_data, tmp_path):
    config = smoke(max_iterations=2, precision="mixed_bfloat16")
    sidecar = Trainer(config, tmp_path, data_dir=fake_data, progress=False).train()
    assert np.isfinite(sidecar["val_psnr"])
    assert keras.mixed_precision.dtype_policy().name == "float32"  # restored for others


def test_mirrored_strategy_on_two_logical_cpus(fake_data, tmp_path):
    """Data-parallel training on two logical CPU devices equals one-device training."""
    script = REPO / "tests" / "mirrored_check.py"
    result = subprocess.run([sys.executable, str(script), str(fake_data), str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "replicas=2" in result.stdout and "max weight difference" in result.stdout


def test_a_new_forward_model_trains_without_a_new_experiment(fake_data, tmp_path):
    """The README's example: a registered task (the Gaussian blur) handed to the Trainer."""
    from rim_tf.physics.blur import Blur

    config = smoke(max_iterations=3)
    trainer = Trainer(config, tmp_path, data_dir=fake_data, progress=False,
                      degradations=[Blur(width=1.0, sigma=0.01)])
    sidecar = trainer.train()
    assert sidecar["iterations"] == 3 and np.isfinite(sidecar["val_psnr"])
    assert [d["name"] for d in sidecar["degradations"]] == ["blur"]
    with pytest.raises(ValueError, match="at least one"):
        Trainer(config, tmp_path / "b", data_dir=fake_data, progress=False, degradations=[])
