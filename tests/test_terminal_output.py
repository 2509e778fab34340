"""What the headline commands print: the paper's table in the terminal, and no TensorFlow noise."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rim_tf import build_rim
from rim_tf.data import BSD68_IDS
from rim_tf.data.synthetic import write_fake_bsds300
from rim_tf.quiet import is_startup_noise
from rim_tf.report import ResultRow, RunInfo, format_terminal

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A self-made BSDS300 (tiny images) whose test ids are BSD68's, and smoke weights."""
    root = tmp_path_factory.mktemp("tiny")
    write_fake_bsds300(root / "data", n_train=2, n_test=68, size=(32, 48), seed=1,
                       test_ids=list(BSD68_IDS))
    model = build_rim(1, hidden_features=4, gru_features=8, steps=2)
    weights = root / "denoise.keras"
    model.save(weights)
    weights.with_suffix(".json").write_text(json.dumps({
        "experiment": "denoise", "preset": "smoke", "reduced_budget": True, "patches_seen": 24,
        "iterations": 6, "val_psnr": 20.0, "config": {"steps": 2}}))
    return root, weights


def test_reproduce_table2_prints_the_table_without_tensorflow_logs(tiny, tmp_path):
    root, weights = tiny
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    cmd = [sys.executable, str(REPO / "scripts" / "reproduce_table2.py"), "--weights-denoise",
           str(weights), "--weights-3task", "none", "--sigma", "25", "--limit", "2",
           "--data-dir", str(root / "data"), "--out", str(tmp_path)]
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    lines = out.splitlines()
    # the table: our row, the paper's value under it, the difference, published baselines
    ours = next(line for line in lines if line.startswith("RIM-denoise (ours)"))
    paper = lines[lines.index(ours) + 1]
    assert paper.split()[:2] == ["paper", "28.91"] and paper.split()[2] == "28.76"
    assert lines[lines.index(ours) + 2].lstrip().startswith("ours - paper")
    assert any(line.startswith("BM3D (paper)") and "28.56" in line for line in lines)
    assert "REDUCED BUDGET" in lines[1] and "LIMITED to 2 of 68 images" in out
    table = lines[:next(i for i, line in enumerate(lines) if line.startswith("Weights:"))]
    assert max(len(line) for line in table) <= 100
    # no TensorFlow start-up lines, on either stream
    for line in (run.stdout + run.stderr).splitlines():
        assert not is_startup_noise(line), line
        assert "cuda" not in line.lower() and "absl" not in line, line


def test_user_log_level_wins(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="0")
    code = "from rim_tf.quiet import quiet_tensorflow; quiet_tensorflow(); import os; print(os.environ['TF_CPP_MIN_LOG_LEVEL'])"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert run.stdout.strip() == "0"


def test_noise_filter_keeps_real_messages():
    assert is_startup_noise("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR")
    assert is_startup_noise("I0000 00:00:1796158080.975737    4659 cudart_stub.cc:31] Could not find cuda drivers")
    assert is_startup_noise("E0000 00:00:1796155856.200148    2222 cuda_platform.cc:52] failed call to cuInit: x")
    assert not is_startup_noise("error: weights file not found: x.keras")
    assert not is_startup_noise("Traceback (most recent call last):")


def test_terminal_table_layout():
    run = RunInfo(preset="paper", patches_seen=10)
    rows = [ResultRow("SRCNN", 31.11, None, setting="x2"), ResultRow("SRCNN", 28.20, None, setting="x3"),
            ResultRow("RIM", None, 31.5, setting="x2"), ResultRow("RIM", None, 28.1, setting="x3")]
    text = format_terminal(rows, lambda r: ("scale", r.setting), title="table3", run=run)
    lines = text.splitlines()
    assert lines[0] == "table3"  # paper preset: no REDUCED BUDGET mark
    assert lines[2].split() == ["scale", "x2", "x3"]
    assert lines[4].split() == ["SRCNN", "(paper)", "31.11", "28.20"]
    assert lines[5].split() == ["RIM", "(ours)", "31.50", "28.10"]
    assert len(lines) == 6  # no paper value for the RIM: no paper / difference lines
    reduced = format_terminal(rows, lambda r: ("scale", r.setting), title="t",
                              run=RunInfo(preset="cpu"))
    assert "REDUCED BUDGET" in reduced.splitlines()[0]
