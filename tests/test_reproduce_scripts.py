"""The reproduction scripts end to end on --limit 2 with tiny "smoke" weights (real data needed)."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rim_tf import build_atrous_rim, build_ffn, build_gdn, build_rim

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.data


def _script(name):
    spec = importlib.util.spec_from_file_location(f"_script_{name}", REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    """Tiny untrained models saved as <name>.keras + <name>.json (preset "smoke")."""
    folder = tmp_path_factory.mktemp("weights")
    small = dict(hidden_features=4, gru_features=8, steps=2)
    models = {"denoise": build_rim(1, **small), "3task": build_rim(1, **small), "gdn": build_gdn(1, **small),
              "ffn": build_ffn(1, **small), "color": build_rim(3, **small),
              "superres": build_atrous_rim(1, hidden_features=4, gru_features=4, steps=2)}
    paths = {}
    for name, model in models.items():
        path = folder / name / "model.keras"
        path.parent.mkdir()
        model.save(path)
        path.with_suffix(".json").write_text(json.dumps({
            "experiment": "3task" if name in ("gdn", "ffn") else name, "preset": "smoke", "reduced_budget": True, "patches_seen": 24,
            "iterations": 6, "val_psnr": 20.0, "config": {"steps": 2, "measurement_ratios": [0.25],
                                                          **({"projection_start": "min_norm"} if name == "3task" else {})}}))
        paths[name] = str(path)
    return paths


def _common(data_dir, out):
    return ["--data-dir", str(data_dir), "--out", str(out), "--limit", "2", "--quiet"]


def _check_outputs(out, table, min_rows):
    record = json.loads((out / f"{table}.json").read_text())
    markdown = (out / f"{table}.md").read_text()
    assert record["run"]["preset"] == "smoke" and record["run"]["reduced_budget"]
    assert "REDUCED BUDGET" in markdown and "24 patches seen" in markdown
    assert len(record["rows"]) >= min_rows
    return record


def test_table1(weights, data_dir, tmp_path):
    _script("reproduce_table1").main(["--weights", weights["color"], "--testset", "cbsd68", "bsds300-test",
                                      *_common(data_dir, tmp_path)])
    record = _check_outputs(tmp_path, "table1", 4)
    rim = [r for r in record["rows"] if r["method"] == "RIM"]
    assert [r["paper"] for r in rim] == [30.84, 30.67]
    assert all(r["n_images"] == 2 and r["ours"] is not None for r in rim)
    assert list(rim[0]["per_image"]) == ["101085", "101087"]  # the first two CBSD68 ids
    assert record["extra"]["results"][0]["mean_seconds"] > 0


def test_table2(weights, data_dir, tmp_path):
    _script("reproduce_table2").main(["--weights-3task", weights["3task"], "--weights-denoise",
                                      weights["denoise"], "--sigma", "25", *_common(data_dir, tmp_path)])
    record = _check_outputs(tmp_path, "table2", 4)
    rims = {(r["method"], r["setting"]): r for r in record["rows"] if r["method"].startswith("RIM")}
    assert set(rims) == {(m, s) for m in ("RIM-3task", "RIM-denoise")
                         for s in ("sigma=25, bsd68", "sigma=25, 8-bit, bsd68")}
    assert rims[("RIM-denoise", "sigma=25, bsd68")]["paper"] == 28.91
    published = {r["method"] for r in record["rows"] if r["note"] == "published"}
    assert {"BM3D", "EPLL", "MLP", "RTF-5"} <= published


def test_table2_default_is_a_labelled_quick_subset(weights, data_dir, tmp_path):
    script = _script("reproduce_table2")
    assert script.parse_args([]).subset == script.QUICK_SUBSET == 8  # no arguments: quick
    assert script.parse_args(["--full"]).subset is None and script.parse_args(["--full"]).limit is None
    assert script.parse_args(["--limit", "3"]).subset is None
    with pytest.raises(SystemExit):
        script.parse_args(["--full", "--limit", "3"])
    script.main(["--weights-3task", "none", "--weights-denoise", weights["denoise"], "--sigma", "50",
                 "--quantize", "plain", "--subset", "2", "--data-dir", str(data_dir), "--out", str(tmp_path),
                 "--quiet"])
    record = _check_outputs(tmp_path, "table2", 1)
    row = next(r for r in record["rows"] if r["method"] == "RIM-denoise")
    assert list(row["per_image"]) == ["101085", "351093"]  # first and last of the 68
    assert row["note"] == "LIMITED to 2 of 68 images, evenly spaced (--subset 2)"
    assert "evenly spaced (--subset 2)" in (tmp_path / "table2.md").read_text()


def _bm3d_record(keep: int) -> dict:
    """The committed full Table 2 run, cut to BM3D on the first ``keep`` BSD68 images."""
    record = json.loads((REPO / "reference_results/ours/table2-full/table2.json").read_text())
    results = []
    for entry in record["extra"]["results"]:
        if entry["method"] == "BM3D" and entry["setting"].endswith("bsd68"):
            ids = sorted(entry["psnr"])[:keep]
            results.append({**entry, **{key: {i: entry[key][i] for i in ids}
                                        for key in ("psnr", "seconds", "input_psnr")}})
    record["extra"]["results"] = results
    return record


def test_table2_reuses_earlier_bm3d_values_of_the_same_noisy_images(weights, data_dir, tmp_path):
    source = tmp_path / "earlier.json"
    source.write_text(json.dumps(_bm3d_record(2)))
    out = tmp_path / "out"
    _script("reproduce_table2").main(["--weights-3task", "none", "--weights-denoise", weights["denoise"],
                                      "--bm3d-from", str(source), *_common(data_dir, out)])
    record = json.loads((out / "table2.json").read_text())
    bm3d = {r["setting"]: r for r in record["rows"] if r["method"] == "BM3D" and r["ours"] is not None}
    assert set(bm3d) == {f"sigma={s}{q}, bsd68" for s in (15, 25, 50) for q in ("", ", 8-bit")}
    earlier = {e["setting"]: e["psnr"] for e in _bm3d_record(2)["extra"]["results"]}
    for setting, row in bm3d.items():
        assert row["per_image"] == earlier[setting] and len(row["per_image"]) == 2
        assert f"reused from {source}" in row["note"]
    assert "(in the run reused)" in record["run"]["notes"]


def test_table2_refuses_bm3d_values_of_other_images_or_other_noise(weights, data_dir, tmp_path):
    script = _script("reproduce_table2")
    args = ["--weights-3task", "none", "--weights-denoise", weights["denoise"], "--bm3d-from"]
    source = tmp_path / "earlier.json"
    source.write_text(json.dumps(_bm3d_record(2)))
    with pytest.raises(ValueError, match="cover 2 images, this run 3"):
        script.main([*args, str(source), "--data-dir", str(data_dir), "--out", str(tmp_path / "a"),
                     "--limit", "3", "--quiet"])
    tampered = _bm3d_record(2)
    entry = tampered["extra"]["results"][1]
    first = sorted(entry["input_psnr"])[0]
    entry["input_psnr"][first] += 0.01  # as if the noise had been drawn differently
    source.write_text(json.dumps(tampered))
    with pytest.raises(ValueError, match=f"not made from this run's noisy images \\(image {first}"):
        script.main([*args, str(source), *_common(data_dir, tmp_path / "b")])
    source.write_text(json.dumps({**tampered, "table": "table1"}))
    with pytest.raises(ValueError, match="not a table2 report"):
        script.main([*args, str(source), *_common(data_dir, tmp_path / "c")])
    source.write_text("{not json")
    with pytest.raises(ValueError, match="not a results JSON"):
        script.main([*args, str(source), *_common(data_dir, tmp_path / "d")])
    with pytest.raises(FileNotFoundError, match="no such results file"):
        script.main([*args, str(tmp_path / "missing.json"), *_common(data_dir, tmp_path / "e")])
    with pytest.raises(SystemExit):
        script.parse_args(["--bm3d", "--bm3d-from", str(source)])
    assert not any((tmp_path / d / "table2.json").exists() for d in "abcde")


def test_table2_refuses_an_rgb_model(weights, data_dir, tmp_path):
    with pytest.raises(ValueError, match="trained for color"):
        _script("reproduce_table2").main(["--weights-3task", "none", "--weights-denoise", weights["color"],
                                          *_common(data_dir, tmp_path)])
    with pytest.raises(ValueError, match="Table 2.*RGB"):
        _script("reproduce_table2").main(["--weights-3task", "none", "--weights-denoise", weights["color"],
                                          "--allow-other-task", *_common(data_dir, tmp_path)])
    assert not (tmp_path / "table2.json").exists()


def test_table3(weights, data_dir, tmp_path):
    _script("reproduce_table3").main(["--weights", weights["superres"], *_common(data_dir, tmp_path)])
    record = _check_outputs(tmp_path, "table3", 15)
    rows = {(r["method"], r["setting"]): r for r in record["rows"]}
    for scale in (2, 3, 4):
        rim, bicubic = rows[("RIM", f"x{scale}")], rows[("Bicubic", f"x{scale}")]
        assert rim["paper"] is None and "bar to beat: SRCNN" in rim["note"]
        assert rim["ours"] == pytest.approx(bicubic["ours"], abs=0.01)  # untrained RIM = bicubic
        assert bicubic["paper"] is not None and bicubic["n_images"] == 2


def test_table3_bicubic_only(data_dir, tmp_path):
    _script("reproduce_table3").main(["--weights", "none", "--scales", "3", *_common(data_dir, tmp_path)])
    record = json.loads((tmp_path / "table3.json").read_text())
    assert {r["method"] for r in record["rows"]} == {"Bicubic", "A+", "SRCNN", "SelfExSR"}


def test_figure3(weights, data_dir, tmp_path):
    _script("reproduce_figure3").main(["--weights", weights["3task"], "--gdn", weights["gdn"],
                                       "--ffn", weights["ffn"], *_common(data_dir, tmp_path)])
    record = _check_outputs(tmp_path, "figure3", 12)
    assert (tmp_path / "figure3.png").read_bytes()[:4] == b"\x89PNG"
    curves = record["extra"]["curves"]
    assert set(curves) == {"gaussian m/n=0.25", "binary m/n=0.25", "fourier m/n=0.25", "inpaint 50% removed"}
    assert len(curves["fourier m/n=0.25"]["RIM"]["step_psnr"]) == 2 * 2 + 1  # twice the trained steps
    # each model starts from its own config's start; the ablations' sidecars predate the option
    assert record["extra"]["projection_start"] == {"RIM": "min_norm", "GDN": "adjoint", "FFN": "adjoint"}
    # scored at the paper's measurement noise, not the range the 3task presets train over
    assert {d["sigma"] for d in record["extra"]["tasks"] if d["name"].startswith("projection")} == {1.0}
    for task in ("gaussian m/n=0.25", "binary m/n=0.25", "fourier m/n=0.25"):
        rim0, gdn0 = (curves[task][m]["step_psnr"][0] for m in ("RIM", "GDN"))
        assert abs(rim0 - gdn0) > 0.1, (task, rim0, gdn0)  # step 0 is each model's own start
    assert curves["inpaint 50% removed"]["RIM"]["step_psnr"][0] == curves["inpaint 50% removed"]["GDN"]["step_psnr"][0]


def test_figure4(weights, data_dir, tmp_path):
    _script("reproduce_figure4").main(["--weights", weights["3task"], "--gdn", weights["gdn"],
                                       "--ffn", weights["ffn"], "--denoise", weights["denoise"],
                                       "--crop", "64", "--mean-crops", "3", "--quiet",
                                       "--data-dir", str(data_dir), "--out", str(tmp_path)])
    record = _check_outputs(tmp_path, "figure4", 10)
    methods = ["Observed", "RIM", "GDN", "FFN", "RIM-denoise"]
    assert [r["method"] for r in record["rows"]] == methods * 2
    one, mean = record["rows"][:5], record["rows"][5:]
    assert all(r["setting"] == "mean of 3 central 64x64 crops, 50% removed" for r in mean)
    assert all(len(r["per_image"]) == 3 for r in mean)
    # crop 0 is the drawn crop, with the same mask: its value is the single-crop row's
    first = sorted(mean[0]["per_image"])[0]
    assert [r["per_image"][first] for r in mean] == pytest.approx([r["ours"] for r in one], abs=1e-4)
    assert (tmp_path / "figure4.png").read_bytes()[:4] == b"\x89PNG"


def test_missing_weights_file_is_a_clear_error(data_dir, tmp_path):
    missing = tmp_path / "run" / "model.keras"
    with pytest.raises(FileNotFoundError, match="weights file not found.*model.keras"):
        _script("reproduce_table1").main(["--weights", str(missing), *_common(data_dir, tmp_path)])


def test_cli_prints_one_line_error(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "reproduce_table3.py"), "--weights",
                           str(tmp_path / "nope.keras"), "--out", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2
    assert "error: weights file not found" in proc.stderr and "Traceback" not in proc.stderr
