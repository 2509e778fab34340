"""Run folders that cannot be mixed up or lost: the lock, damaged checkpoints, outputs checked first."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rim_tf.training import preset_config
from rim_tf.training.lock import LOCK_FILE, RunFolderInUse, run_lock
from rim_tf.training.trainer import Trainer

REPO = Path(__file__).resolve().parents[1]
TRAIN = [sys.executable, str(REPO / "scripts" / "train_denoise.py")]


def smoke(**overrides):
    return preset_config("denoise", "smoke", **overrides)


def _run(cmd, **kwargs):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, **kwargs)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# ------------------------------------------------------------------ the lock
def test_a_second_training_process_into_a_folder_in_use_refuses(fake_data, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    with run_lock(out):  # this test process is the first training
        result = _run(TRAIN + ["--preset", "smoke", "--out", str(out), "--data-dir", str(fake_data),
                               "--no-progress"])
        assert result.returncode == 2, result.stderr[-2000:]
        assert "is in use by another training process" in result.stderr
        assert f"pid {os.getpid()}" in result.stderr
        # the second process wrote nothing into the folder
        assert sorted(p.name for p in out.iterdir()) == [LOCK_FILE]
    assert not (out / LOCK_FILE).exists()  # released


def test_a_stale_lock_is_removed_with_a_word(tmp_path, capsys):
    import socket

    (tmp_path / LOCK_FILE).write_text(json.dumps({"pid": _dead_pid(), "host": socket.gethostname(),
                                                  "started": "yesterday"}))
    with run_lock(tmp_path) as path:
        assert json.loads(path.read_text())["pid"] == os.getpid()
    assert "removing the stale lock" in capsys.readouterr().err
    assert not (tmp_path / LOCK_FILE).exists()


def test_a_lock_of_another_host_is_respected(tmp_path):
    (tmp_path / LOCK_FILE).write_text(json.dumps({"pid": 1, "host": "elsewhere", "started": "now"}))
    with pytest.raises(RunFolderInUse, match="remove .*lock"):
        with run_lock(tmp_path):
            pass
    assert (tmp_path / LOCK_FILE).exists()


def test_the_trainer_holds_the_lock_while_it_trains(fake_data, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    with run_lock(out):
        with pytest.raises(RunFolderInUse):
            Trainer(smoke(max_iterations=2), out, data_dir=fake_data, progress=False).train()
    Trainer(smoke(max_iterations=2), out, data_dir=fake_data, progress=False).train()
    assert not (out / LOCK_FILE).exists()


# ------------------------------------------------------------------ damaged checkpoints
def test_resume_falls_back_to_the_newest_checkpoint_that_loads(fake_data, tmp_path, capsys):
    out = tmp_path / "run"
    config = dict(stride=8, checkpoint_every=2, val_every=2, keep_checkpoints=3)
    Trainer(smoke(max_iterations=6, **config), out, data_dir=fake_data, progress=False).train()
    ckpts = out / "checkpoints"
    data = next(ckpts.glob("ckpt-6.data-*"))
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 3])  # truncated: a damaged disk
    capsys.readouterr()
    resumed = Trainer(smoke(max_iterations=8, **config), out, data_dir=fake_data, progress=False)
    resumed.train(resume=True)
    err = capsys.readouterr().err
    assert "ckpt-6 cannot be restored" in err and "fell back to ckpt-4" in err
    assert int(resumed.iteration.numpy()) == 8
    rows = [json.loads(line)["iteration"] for line in (out / "history.jsonl").read_text().splitlines()]
    assert rows == [0, 2, 4, 6, 8]  # the row of the lost iteration 6 was written anew, once


def test_an_unreadable_checkpoint_index_loses_no_checkpoint(fake_data, tmp_path, capsys):
    out = tmp_path / "run"
    Trainer(smoke(max_iterations=4, stride=8, checkpoint_every=2), out, data_dir=fake_data,
            progress=False).train()
    (out / "checkpoints" / "checkpoint").write_text("model_checkpoint_path: {{{ not a proto")
    resumed = Trainer(smoke(max_iterations=6, stride=8, checkpoint_every=2), out, data_dir=fake_data,
                      progress=False)
    resumed.train(resume=True)
    err = capsys.readouterr().err
    assert "is missing or unreadable; using the checkpoint files" in err and "fell back" not in err
    assert int(resumed.iteration.numpy()) == 6


def test_all_checkpoints_damaged_is_one_clear_error(fake_data, tmp_path):
    out = tmp_path / "run"
    Trainer(smoke(max_iterations=2, stride=8, checkpoint_every=2), out, data_dir=fake_data,
            progress=False).train()
    for data in (out / "checkpoints").glob("ckpt-*.data-*"):
        data.write_bytes(b"\0" * 10)
    with pytest.raises(ValueError, match="none of the 1 checkpoint"):
        Trainer(smoke(max_iterations=4, stride=8), out, data_dir=fake_data, progress=False).train(resume=True)


# ------------------------------------------------------------------ outputs checked before the work
@pytest.mark.parametrize("script,extra", [
    ("reproduce_table3.py", []),
    ("reproduce_table2.py", ["--weights-3task", "none"]),
    ("train_denoise.py", ["--preset", "smoke"]),
])
def test_an_output_folder_that_is_a_file_is_refused_first(script, extra, tmp_path):
    target = tmp_path / "a_file"
    target.write_text("keep me")
    result = _run([sys.executable, str(REPO / "scripts" / script), "--out", str(target),
                   "--data-dir", str(tmp_path / "no-data")] + extra)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "is a file" in result.stderr and "Traceback" not in result.stderr
    assert target.read_text() == "keep me"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_an_unwritable_image_output_is_refused_before_denoising(tmp_path):
    import numpy as np
    import imageio.v3 as iio

    iio.imwrite(tmp_path / "in.png", (np.random.default_rng(0).uniform(size=(24, 24)) * 255).astype(np.uint8))
    result = _run([sys.executable, "-m", "rim_tf.cli.denoise", str(tmp_path / "in.png"), "--sigma", "25",
                   "-o", "/proc/x.png"])
    assert result.returncode == 2 and "cannot write" in result.stderr
    assert "denoising with" not in result.stderr  # refused before the work


# ------------------------------------------------------------------ a clean stop on request
def test_sigterm_stops_a_run_cleanly_with_its_model(fake_data, tmp_path):
    import signal
    import time

    out = tmp_path / "run"
    proc = subprocess.Popen(TRAIN + ["--preset", "smoke", "--out", str(out), "--data-dir", str(fake_data),
                                     "--max-iterations", "100000", "--checkpoint-every", "5", "--stride", "8",
                                     "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    deadline = time.time() + 240
    while time.time() < deadline and not list((out / "checkpoints").glob("ckpt-*.index")):
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=240)
    assert proc.returncode == 0, stderr[-2000:]
    assert "SIGTERM: stopping after this iteration" in stderr and "stopped by SIGTERM" in stdout
    sidecar = json.loads((out / "model.json").read_text())
    assert sidecar["complete"] is False and sidecar["iterations"] >= 5
    assert not (out / LOCK_FILE).exists()


def test_resume_on_an_empty_folder_says_it_starts_from_zero(fake_data, tmp_path, capsys):
    trainer = Trainer(smoke(max_iterations=2, stride=8), tmp_path / "new", data_dir=fake_data, progress=False)
    trainer.train(resume=True)
    assert "holds no checkpoint yet; starting from iteration 0" in capsys.readouterr().out
    assert int(trainer.iteration.numpy()) == 2


def test_a_negative_thread_count_is_one_line(capsys, tmp_path):
    from rim_tf.training.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main("denoise", ["--preset", "smoke", "--threads", "-1", "--out", str(tmp_path / "r")])
    assert exit_info.value.code == 2 and "--threads must be >= 1, got -1" in capsys.readouterr().err


def test_a_partial_last_history_line_is_skipped(tmp_path, capsys):
    from rim_tf.training.campaign import read_history

    (tmp_path / "history.jsonl").write_text('{"iteration": 0, "val_psnr": 19.3}\n{"iteration": 72')
    assert read_history(tmp_path) == [{"iteration": 0, "val_psnr": 19.3}]
    assert "partial last line 2" in capsys.readouterr().err
    (tmp_path / "history.jsonl").write_text('{"iteration": 0\n{"iteration": 1, "val_psnr": 20}\n')
    with pytest.raises(ValueError, match="line 1, is not a JSON row"):
        read_history(tmp_path)
