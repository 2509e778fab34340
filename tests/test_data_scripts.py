"""The two command-line front ends, run in-process on generated data (no network)."""
import importlib.util
from pathlib import Path

import pytest

from rim_tf.data.synthetic import write_fake_bsds300

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def load(name):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_download_script_reports_missing_and_damaged_data(tmp_path, capsys):
    script = load("download_data")
    assert script.main(["--verify", "--data-dir", str(tmp_path), "--only", "bsds300"]) == 1
    assert "iids_test.txt" in capsys.readouterr().err
    write_fake_bsds300(tmp_path, n_train=2, n_test=2, size=(16, 12))  # not the official files
    assert script.main(["--verify", "--data-dir", str(tmp_path), "--only", "bsds300"]) == 1
    assert "BSDS300" in capsys.readouterr().err


@pytest.mark.slow
def test_benchmark_runs_on_synthetic_data(capsys):
    script = load("benchmark_data")
    rc = script.main(["--synthetic", "--batches", "5", "--warmup", "1", "--batch-size", "8",
                      "--pipelines", "denoise", "sr"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "denoise" in out and "sr " in out and "patches/s" in out and "degradations:" in out
