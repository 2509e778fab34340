"""What rim_tf guarantees against silent mistakes: wrong-task weights, 0..255 data, precision."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from rim_tf import build_rim
from rim_tf.atomic import atomic_path, atomic_write_text
from rim_tf.precision import with_precision
from rim_tf.shipped import check_task

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model():
    m = build_rim(1, hidden_features=4, gru_features=8, steps=2)
    rng = np.random.default_rng(1)
    m(tf.zeros([1, 8, 8, 1]), sigma=0.1)
    m.set_weights([w + 0.05 * rng.normal(size=w.shape).astype(w.dtype) for w in m.get_weights()])
    return m


def _image(seed=0, shape=(1, 16, 16, 1)):
    return np.random.default_rng(seed).uniform(0.05, 0.95, shape).astype(np.float32)


# ------------------------------------------------------------------ units of the model's call
@pytest.mark.parametrize("make,message", [
    (lambda x: x * 255, "divide the image by 255"),
    (lambda x: (x * 255).astype(np.uint8), "uint8 tensor"),
    (lambda x: (x * 100).astype(np.int8), "int8 tensor"),
])
def test_model_refuses_0_255_and_integer_images(model, make, message):
    with pytest.raises(ValueError, match=message):
        model(make(_image()), sigma=25 / 255)


def test_model_refuses_a_sigma_on_the_0_255_scale(model):
    with pytest.raises(ValueError, match="pass sigma / 255"):
        model(_image(), sigma=25.0)


def test_model_accepts_noisy_images_in_range(model):
    x = _image()
    noisy = x + (60 / 255) * np.random.default_rng(2).normal(size=x.shape).astype(np.float32)
    assert model(noisy, sigma=60 / 255).shape == (2, 1, 16, 16, 1)


def test_unit_check_inside_tf_function(model):
    f = tf.function(lambda y: model(y, sigma=0.1))
    f(tf.constant(_image()))  # fine
    with pytest.raises(tf.errors.InvalidArgumentError, match="scaled to \\[0, 1\\]"):
        f(tf.constant(_image() * 255))


# ------------------------------------------------------------------ weights that know their task
def test_check_task_refuses_other_experiments():
    check_task({"experiment": "denoise"}, "w.keras", "denoise")
    check_task({}, "w.keras", "denoise")  # no sidecar: nothing to check
    check_task({"experiment": "3task"}, "w.keras", "gdn")  # GDN weights belong to 3task
    with pytest.raises(ValueError, match="trained for superres .* needs denoise .*--allow-other-task"):
        check_task({"experiment": "superres"}, "w.keras", "denoise")
    check_task({"experiment": "superres"}, "w.keras", "denoise", allow_other_task=True)


@pytest.mark.data
def test_table_script_refuses_wrong_task_weights(tmp_path):
    cmd = [sys.executable, str(REPO / "scripts" / "reproduce_table2.py"), "--weights", "superres",
           "--weights-3task", "none", "--limit", "1", "--out", str(tmp_path / "out")]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and "trained for superres" in run.stderr
    assert not (tmp_path / "out").exists()


def test_cli_refuses_wrong_task_weights(tmp_path):
    image = tmp_path / "lr.png"
    import imageio.v3 as iio
    iio.imwrite(image, (255 * _image(shape=(24, 24))).astype(np.uint8))
    cmd = [sys.executable, "-m", "rim_tf.cli.superres", str(image), "--scale", "2", "--weights",
           "denoise", "-o", str(tmp_path / "out.png")]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and "trained for denoise" in run.stderr, run.stderr
    assert not (tmp_path / "out.png").exists()


# ------------------------------------------------------------------ precision
def test_with_precision_keeps_the_weights_and_the_result(model):
    x = _image(3)
    mixed = with_precision(model, "mixed_bfloat16")
    assert mixed.cell.dtype_policy.name == "mixed_bfloat16" and mixed.likelihood.dtype_policy.name == "float32"
    a, b = model(x, sigma=0.1).numpy(), mixed(x, sigma=0.1).numpy()
    assert b.dtype == np.float32 and np.abs(a - b).max() < 5e-3
    for u, v in zip(model.get_weights(), mixed.get_weights()):
        np.testing.assert_array_equal(u, v)
    assert with_precision(model, "float32") is model


# ------------------------------------------------------------------ atomic outputs
def test_a_failed_write_leaves_the_old_file_whole(tmp_path):
    target = tmp_path / "table.json"
    target.write_text("old, whole")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half of the new")
            raise RuntimeError("disk full")
    assert target.read_text() == "old, whole" and list(tmp_path.iterdir()) == [target]
    atomic_write_text(target, json.dumps({"new": 1}))
    assert json.loads(target.read_text()) == {"new": 1} and list(tmp_path.iterdir()) == [target]


def test_a_write_that_fails_half_way_leaves_the_old_image_whole(tmp_path, monkeypatch, capsys):
    """rim-denoise onto an existing output when the disk fills up half-way through the write."""
    import errno

    import imageio.v3 as iio

    from rim_tf.cli.denoise import main

    src = tmp_path / "in.png"
    iio.imwrite(src, (np.random.default_rng(0).uniform(size=(24, 24)) * 255).astype(np.uint8))
    out = tmp_path / "out.png"
    out.write_bytes(src.read_bytes())
    before = out.read_bytes()
    real = iio.imwrite

    def full_disk(path, data, **kwargs):
        real(path, data, **kwargs)
        Path(path).write_bytes(Path(path).read_bytes()[:40])  # half a file, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(iio, "imwrite", full_disk)
    code = main([str(src), "--sigma", "25", "-o", str(out), "--quiet"])
    assert code == 1 and "No space left on device" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.png", "out.png"]  # no temporary left


# ------------------------------------------------------------------ one clear line for odd input
def test_palette_transparency_becomes_alpha(tmp_path):
    from PIL import Image as PILImage

    from rim_tf.imageio_utils import read_user_image

    gray = (np.arange(64).reshape(8, 8) * 4).astype(np.uint8)
    PILImage.fromarray(gray).convert("P").save(tmp_path / "p.png", transparency=0)
    image = read_user_image(tmp_path / "p.png")
    assert image.alpha is not None and image.channels == 3
    assert image.alpha.min() == 0.0 and image.alpha.max() == 1.0


def test_a_huge_image_is_refused_from_its_header(tmp_path):
    import struct
    import zlib

    from rim_tf.imageio_utils import ImageReadError, read_user_image

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)  # 400 Mpixel, 8-bit gray
    (tmp_path / "huge.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                                        + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    with pytest.raises(ImageReadError, match="20000x20000 = 400 Mpixel.*split it"):
        read_user_image(tmp_path / "huge.png")


def test_a_damaged_keras_file_is_called_damaged(tmp_path):
    from rim_tf.shipped import load_weights

    good = REPO / "rim_tf" / "weights" / "denoise.keras"
    bad = tmp_path / "model.keras"
    bad.write_bytes(good.read_bytes()[:5000])  # a download cut short
    with pytest.raises(ValueError, match="is damaged: a .keras file is a zip archive and this one is not"):
        load_weights(bad)


def test_a_complex_observation_without_its_operator_is_refused(model):
    y = tf.complex(_image(), tf.zeros([1, 16, 16, 1]))
    with pytest.raises(ValueError, match="complex measurement needs the operator"):
        model(y, sigma=0.1)


def test_a_patch_larger_than_the_images_is_named(fake_data, tmp_path):
    from rim_tf.training import preset_config
    from rim_tf.training.trainer import Trainer

    with pytest.raises(ValueError, match="patch size 1000 is larger than the smallest image"):
        Trainer(preset_config("denoise", "smoke", patch_size=1000), tmp_path, data_dir=fake_data,
                progress=False)._data(0)


def test_a_negative_projection_noise_is_one_line(capsys):
    from rim_tf.training.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main("3task", ["--preset", "smoke", "--projection-sigma", "-1"])
    assert exit_info.value.code == 2
    assert "projection_sigma (the noise of the projection measurements) must be > 0" in capsys.readouterr().err


def test_a_reversed_projection_noise_range_is_one_line_and_a_good_one_is_read(capsys):
    from rim_tf.training.cli import build_parser, _overrides, main

    with pytest.raises(SystemExit) as exit_info:
        main("3task", ["--preset", "smoke", "--projection-sigma-range", "4", "0.5"])
    assert exit_info.value.code == 2
    assert "projection_sigma_range (the training noise of the projection measurements) must be (lo, hi)" \
        in capsys.readouterr().err
    args = build_parser("3task").parse_args(["--projection-sigma-range", "1", "2"])
    assert _overrides(args)["projection_sigma_range"] == (1.0, 2.0)


def test_tables_say_when_the_steps_differ_from_training():
    from rim_tf.shipped import run_info

    sidecar = {"preset": "cpu", "patches_seen": 10, "config": {"steps": 10}}
    assert "run with 20 RIM steps; the weights were trained with 10" in run_info(sidecar, steps=20).notes
    assert "RIM steps" not in run_info(sidecar, steps=10).notes
    assert "RIM steps" not in run_info(sidecar).notes


# ------------------------------------------------------------------ one sigma unit on the command lines
def _script(name):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"_script_{name}", REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SIGMA_FLAGS = [  # every user-facing image-noise sigma: (entry point, the flag and a value plainly on 0..1)
    ("reproduce_table1", ["--sigma", "0.1"]),
    ("reproduce_table2", ["--sigma", "15", "0.1"]),
    ("reproduce_table3", ["--sigma", "0.05"]),
    ("reproduce_figure3", ["--inpaint-sigma", "0.03"]),
    ("reproduce_figure4", ["--sigma", "0.03"]),
    ("figure_steps", ["--sigma", "0.2"]),
    ("benchmark_export", ["--sigma", "0.1"]),
    ("rim-denoise", ["in.png", "--sigma", "0.1"]),
    ("rim-superres", ["in.png", "--scale", "2", "--sigma", "0.01"]),
    ("train_denoise", ["--sigma-range", "0.02", "0.2"]),
]


def _main(entry):
    if entry in ("rim-denoise", "rim-superres"):
        from rim_tf.cli import denoise, superres
        return {"rim-denoise": denoise, "rim-superres": superres}[entry].build_parser().parse_args
    if entry == "train_denoise":
        from rim_tf.training.cli import main
        return lambda argv: main("denoise", argv)
    module = _script(entry)
    return getattr(module, "parse_args", None) or module.main


@pytest.mark.parametrize("entry,argv", SIGMA_FLAGS, ids=[e for e, _ in SIGMA_FLAGS])
def test_a_sigma_plainly_on_the_0_1_scale_is_refused_before_any_work(entry, argv, tmp_path, capsys,
                                                                       monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default output folders would be made here
    with pytest.raises(SystemExit) as exit_info:
        _main(entry)(argv + (["--out", str(tmp_path / "out")] if entry == "train_denoise" else []))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "on the 0..255 scale" in err and "looks like the 0..1 scale: give" in err, err
    assert list(tmp_path.iterdir()) == []  # nothing made, nothing computed


@pytest.mark.parametrize("entry,argv", SIGMA_FLAGS, ids=[e for e, _ in SIGMA_FLAGS])
def test_every_sigma_flag_says_its_unit_in_its_help(entry, argv, capsys):
    with pytest.raises(SystemExit):
        _main(entry)(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    flag = next(a for a in argv if a.startswith("--sigma") or a.startswith("--inpaint-sigma"))
    at = help_text.index(flag + " ", help_text.index("options:"))
    assert "0..255" in help_text[at:at + 400], help_text[at:at + 400]


def test_a_0_255_sigma_is_taken_as_given():
    from rim_tf.cli import sigma255
    from rim_tf.training.cli import sigma_range_from_255

    assert sigma255("25") == 25.0 and sigma255("0.29") == 0.29  # 8-bit rounding noise is a real setting
    assert sigma_range_from_255((5, 60)) == (5 / 255, 60 / 255)
    table3 = _script("reproduce_table3").parse_args(["--sigma", "0.29"])
    assert table3.sigma == 0.29
