"""Time-bounded runs and campaign folders that resume on a fresh clone (smoke preset)."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rim_tf.training import preset_config
from rim_tf.training.campaign import COMMITTED, campaign_files, summarize
from rim_tf.training.campaign import read_history
from rim_tf.training.trainer import Trainer

REPO = Path(__file__).resolve().parents[1]


def smoke(**overrides):
    return preset_config("denoise", "smoke", **{"stride": 8, **overrides})


def _train_cli(out, data, *flags):
    cmd = [sys.executable, str(REPO / "scripts" / "train_denoise.py"), "--out", str(out),
           "--data-dir", str(data), "--no-progress", *flags]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def test_max_minutes_stops_cleanly_and_resume_continues(fake_data, tmp_path):
    # a budget of 0.6 s: far fewer than the 100000 iterations asked for
    config = smoke(max_iterations=100000, max_minutes=0.01, val_every=100000, checkpoint_every=100000)
    sidecar = Trainer(config, tmp_path, data_dir=fake_data, progress=False, plot_curve=False).train()
    done = sidecar["iterations"]
    assert 1 <= done < 100000 and sidecar["complete"] is False
    assert (tmp_path / "model.keras").exists()
    # the time-bounded stop wrote a checkpoint at the iteration it stopped, and a validation row
    trainer = Trainer(config, tmp_path, data_dir=fake_data, progress=False, plot_curve=False)
    assert trainer.manager.latest_checkpoint.endswith(f"ckpt-{done}")
    assert read_history(tmp_path)[-1]["iteration"] == done
    resumed = Trainer(smoke(max_iterations=done + 3, val_every=100000), tmp_path,
                      data_dir=fake_data, progress=False, plot_curve=False).train(resume=True)
    assert resumed["iterations"] == done + 3 and resumed["complete"] is True


def test_checkpoint_minutes_bounds_what_a_kill_loses(fake_data, tmp_path):
    # checkpoint_every is never reached; the wall-time interval (here ~0) writes them
    config = smoke(max_iterations=5, checkpoint_every=100000, checkpoint_minutes=1e-6,
                   keep_checkpoints=10)
    Trainer(config, tmp_path, data_dir=fake_data, progress=False, plot_curve=False).train()
    numbers = sorted(int(p.stem.split("-")[1]) for p in (tmp_path / "checkpoints").glob("ckpt-*.index"))
    assert numbers == [1, 2, 3, 4, 5]


def test_committed_campaign_folder_resumes_on_a_fresh_clone(fake_data, tmp_path):
    """Only the files a commit holds travel; iteration, weights and optimiser state continue."""
    flags = ["--preset", "smoke", "--stride", "8", "--deterministic", "true",
             "--keep-checkpoints", "1", "--checkpoint-every", "3", "--val-every", "3"]
    straight = tmp_path / "straight"
    assert _train_cli(straight, fake_data, *flags, "--max-iterations", "6").returncode == 0
    first = tmp_path / "machine-a" / "campaigns" / "denoise"
    run = _train_cli(first, fake_data, *flags, "--max-iterations", "3")
    assert run.returncode == 0, run.stderr
    # what `git add campaigns/denoise` commits: everything but the ignored TensorBoard logs
    clone = tmp_path / "machine-b" / "campaigns" / "denoise"
    for rel in campaign_files(first):
        (clone / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(first / rel, clone / rel)
    assert not (clone / "tensorboard").exists() and (clone / "curve.png").exists()
    shutil.rmtree(tmp_path / "machine-a")
    # one line resumes it: the settings come from its config.json
    run = _train_cli(clone, fake_data, "--resume", "--max-iterations", "6")
    assert run.returncode == 0, run.stderr
    assert "resumed from ckpt-3: iteration 3" in run.stdout
    assert [r["iteration"] for r in read_history(clone)] == [0, 3, 6]
    a = Trainer(smoke(max_iterations=6, deterministic=True), straight, data_dir=fake_data,
                progress=False)
    b = Trainer(smoke(max_iterations=6, deterministic=True), clone, data_dir=fake_data,
                progress=False)
    for t in (a, b):
        t.checkpoint.restore(t.manager.latest_checkpoint).assert_existing_objects_matched()
    assert int(b.iteration.numpy()) == 6 and int(b.optimizer.iterations.numpy()) == 6
    for u, v in zip(a.model.weights, b.model.weights):
        np.testing.assert_array_equal(u.numpy(), v.numpy())
    for u, v in zip(a.optimizer.variables, b.optimizer.variables):
        np.testing.assert_array_equal(u.numpy(), v.numpy())


def test_resume_refuses_changed_settings_but_takes_new_length(fake_data, tmp_path):
    assert _train_cli(tmp_path, fake_data, "--preset", "smoke", "--max-iterations", "2").returncode == 0
    run = _train_cli(tmp_path, fake_data, "--resume", "--gru-features", "6")
    assert run.returncode == 2 and "gru_features: 8 -> 6" in run.stderr
    run = _train_cli(tmp_path, fake_data, "--resume", "--max-iterations", "4", "--max-minutes", "5")
    assert run.returncode == 0, run.stderr
    assert json.loads((tmp_path / "model.json").read_text())["iterations"] == 4
    assert "evaluate it with:" in run.stdout and "reproduce_table2.py" in run.stdout


def test_resume_drops_history_rows_of_a_lost_interval(fake_data, tmp_path):
    config = smoke(max_iterations=2, checkpoint_every=2, val_every=1)
    Trainer(config, tmp_path, data_dir=fake_data, progress=False, plot_curve=False).train()
    # as if the run had validated iterations 3 and 4 and was killed before its next checkpoint
    with (tmp_path / "history.jsonl").open("a") as f:
        for it in (3, 4):
            f.write(json.dumps({"iteration": it, "patches_seen": 4 * it, "val_psnr": 99.0}) + "\n")
    Trainer(smoke(max_iterations=3, checkpoint_every=2, val_every=1), tmp_path,
            data_dir=fake_data, progress=False, plot_curve=False).train(resume=True)
    rows = read_history(tmp_path)
    assert [r["iteration"] for r in rows] == [0, 1, 2, 3] and rows[-1]["val_psnr"] != 99.0


def test_summary_says_where_a_campaign_stands(tmp_path):
    rows = [{"iteration": i * 100, "patches_seen": i * 1600, "wall_time_s": i * 60.0,
             "val_psnr": 20 + 3 * (1 - np.exp(-i / 3))} for i in range(11)]
    (tmp_path / "history.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "config.json").write_text(json.dumps(smoke().to_dict()))
    s = summarize(tmp_path)
    assert s["iteration"] == 1000 and s["patches_seen"] == 16000
    assert s["best_val_psnr"] == pytest.approx(rows[-1]["val_psnr"])
    # the last fifth of the run (iterations 800..1000) gains 3*(e^-8/3 - e^-10/3) ~ 0.05 dB
    assert s["last_fifth_gain_db"] == pytest.approx(3 * (np.exp(-8 / 3) - np.exp(-10 / 3)), abs=1e-6)
    assert s["flat"] is False
    rows += [dict(rows[-1], iteration=1000 + 100 * k, patches_seen=16000 + 1600 * k) for k in range(1, 40)]
    (tmp_path / "history.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert summarize(tmp_path)["flat"] is True
    assert set(COMMITTED) >= {"config.json", "history.jsonl", "checkpoints"}


def test_moving_average_is_validated_exported_and_resumed(fake_data, tmp_path):
    import keras

    config = smoke(max_iterations=4, ema=0.9, deterministic=True, learning_rate=1e-2)
    trainer = Trainer(config, tmp_path, data_dir=fake_data, progress=False, plot_curve=False)
    sidecar = trainer.train()
    assert sidecar["weights"].startswith("moving average")
    raw = [v.numpy() for v in trainer.model.trainable_variables]
    averages = [v.numpy() for v in trainer.ema_variables]
    assert any(not np.allclose(a, b) for a, b in zip(raw, averages))  # they differ ...
    saved = keras.models.load_model(tmp_path / "model.keras")
    for a, b in zip(saved.trainable_variables, averages):  # ... and the average is exported
        np.testing.assert_array_equal(a.numpy(), b)
    for a, b in zip(trainer.model.trainable_variables, raw):  # training keeps its raw weights
        np.testing.assert_array_equal(a.numpy(), b)
    resumed = Trainer(smoke(max_iterations=4, ema=0.9, deterministic=True, learning_rate=1e-2),
                      tmp_path, data_dir=fake_data, progress=False, plot_curve=False)
    resumed.checkpoint.restore(resumed.manager.latest_checkpoint).assert_existing_objects_matched()
    for a, b in zip(resumed.ema_variables, averages):
        np.testing.assert_array_equal(a.numpy(), b)
