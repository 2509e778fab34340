"""rim-denoise, rim-superres and scripts/figure_steps.py with tiny saved models."""
import os
import subprocess
import sys

import imageio.v3 as iio
import numpy as np
import pytest

from rim_tf import imageio_utils as iou
from rim_tf.cli import denoise as denoise_cli
from rim_tf.cli import superres as superres_cli
from rim_tf.inference import denoise_image, superres_image
from rim_tf.shipped import load_weights
from tests.test_inference import save_model, smooth_image, tiny_model

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    """Saved tiny models: gray and RGB denoisers (strided), a gray SR model (a-trous)."""
    root = tmp_path_factory.mktemp("weights")
    return {
        "gray": save_model(tiny_model("rim", 1, seed=0), root / "gray", "denoise"),
        "rgb": save_model(tiny_model("rim", 3, seed=2), root / "rgb", "color"),
        "sr": save_model(tiny_model("atrous", 1, seed=1), root / "sr", "superres"),
    }


@pytest.fixture(scope="module")
def models(weights):
    return {k: load_weights(v)[0] for k, v in weights.items()}


def noisy_uint(shape, channels, depth, sigma=20, seed=0):
    rng = np.random.default_rng(seed)
    x = smooth_image(*shape, channels=channels, seed=seed) + rng.normal(0, sigma / 255, shape + (channels,))
    top = 255 if depth == 8 else 65535
    return np.clip(np.floor(x * top + 0.5), 0, top).astype(np.uint8 if depth == 8 else np.uint16)


def write(path, pixels):
    if pixels.dtype == np.uint16 and path.suffix == ".png":
        import tensorflow as tf
        path.write_bytes(tf.io.encode_png(pixels if pixels.ndim == 3 else pixels[..., None]).numpy())
    else:
        iio.imwrite(path, pixels[..., 0] if pixels.ndim == 3 and pixels.shape[-1] == 1 else pixels)
    return path


def expected_denoised(model, pixels, sigma, depth, **kwargs):
    x = pixels.astype(np.float32) / (255 if depth == 8 else 65535)
    return iou.from_unit_range(denoise_image(model, x, sigma, **kwargs), depth)


# ---------------------------------------------------------------------------- rim-denoise
def test_denoise_gray_png(tmp_path, weights, models, capsys):
    pixels = noisy_uint((37, 45), 1, 8)
    src = write(tmp_path / "in.png", pixels)
    rc = denoise_cli.main([str(src), "--sigma", "20", "-o", str(tmp_path / "out.png"),
                           "--weights", str(weights["gray"])])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "wrote" in captured.out and "REDUCED BUDGET" in captured.err
    out = iio.imread(tmp_path / "out.png")
    assert out.dtype == np.uint8 and out.shape == (37, 45)
    np.testing.assert_array_equal(out, expected_denoised(models["gray"], pixels, 20, 8)[..., 0])
    assert np.abs(out.astype(int) - pixels[..., 0]).max() > 2, "the model changed the image"


def test_denoise_rgb_jpeg_to_tiff(tmp_path, weights, models):
    pixels = noisy_uint((30, 41), 3, 8, seed=1)
    src = tmp_path / "in.jpg"
    iio.imwrite(src, pixels, quality=98)
    decoded = iio.imread(src)
    rc = denoise_cli.main([str(src), "--sigma", "15", "-o", str(tmp_path / "out.tif"),
                           "--weights", str(weights["rgb"]), "--steps", "2", "-q"])
    assert rc == 0
    out = iio.imread(tmp_path / "out.tif")
    assert out.dtype == np.uint8 and out.shape == (30, 41, 3)
    np.testing.assert_array_equal(out, expected_denoised(models["rgb"], decoded, 15, 8, steps=2))


def test_denoise_16_bit_png_stays_16_bit(tmp_path, weights, models, capsys):
    pixels = noisy_uint((33, 28), 3, 16, seed=2)
    src = write(tmp_path / "in16.png", pixels)
    # a gray model on an RGB image: each channel on its own; sigma estimated
    rc = denoise_cli.main([str(src), "-o", str(tmp_path / "out16.png"), "--weights", str(weights["gray"])])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "estimated noise sigma" in err and "each colour channel" in err
    out = iou.read_user_image(tmp_path / "out16.png")
    assert out.bit_depth == 16
    raw = iou.from_unit_range(out.color, 16)
    assert raw.dtype == np.uint16 and raw.shape == (33, 28, 3)
    assert np.any(raw % 257 != 0), "real 16-bit values, not 8-bit ones scaled up"
    sigma = float(err.split("estimated noise sigma: ")[1].split()[0])
    assert 15 < sigma < 26  # the image has 20 (on the 0..255 scale) plus a little texture
    np.testing.assert_allclose(raw.astype(int), expected_denoised(models["gray"], pixels, sigma, 16), atol=2)


def test_denoise_keeps_alpha_and_odd_sizes(tmp_path, weights, models):
    color = noisy_uint((19, 23), 3, 8, seed=3)
    alpha = np.random.default_rng(3).integers(0, 256, (19, 23, 1)).astype(np.uint8)
    src = write(tmp_path / "rgba.png", np.concatenate([color, alpha], -1))
    rc = denoise_cli.main([str(src), "--sigma", "25", "-o", str(tmp_path / "o.png"), "--weights",
                           str(weights["rgb"]), "-q"])
    assert rc == 0
    out = iio.imread(tmp_path / "o.png")
    assert out.shape == (19, 23, 4)
    np.testing.assert_array_equal(out[..., 3:], alpha)
    np.testing.assert_array_equal(out[..., :3], expected_denoised(models["rgb"], color, 25, 8))


def test_denoise_tiled_large_image_has_no_seams(tmp_path, weights, models):
    pixels = noisy_uint((150, 133), 1, 16, seed=4)
    src = write(tmp_path / "big.png", pixels)
    args = [str(src), "--sigma", "20", "--weights", str(weights["gray"]), "-q"]
    assert denoise_cli.main(args + ["-o", str(tmp_path / "tiled.png"), "--tile", "64", "--overlap", "32"]) == 0
    assert denoise_cli.main(args + ["-o", str(tmp_path / "whole.png"), "--tile", "0"]) == 0
    tiled = iio.imread(tmp_path / "tiled.png").astype(np.int64)
    whole = iio.imread(tmp_path / "whole.png").astype(np.int64)
    # the float results agree within 1e-4 (test_inference); in 16-bit counts that is <= 7
    assert np.abs(tiled - whole).max() <= 7
    assert np.abs(tiled - pixels[..., 0]).max() > 100


# ---------------------------------------------------------------------------- rim-superres
def test_superres_rgb_and_gray(tmp_path, weights, models):
    rgb = noisy_uint((17, 22), 3, 8, sigma=2, seed=5)
    src = write(tmp_path / "small.png", rgb)
    rc = superres_cli.main([str(src), "--scale", "3", "-o", str(tmp_path / "big.png"), "--weights",
                            str(weights["sr"]), "-q"])
    assert rc == 0
    out = iio.imread(tmp_path / "big.png")
    assert out.shape == (51, 66, 3) and out.dtype == np.uint8
    expected = iou.from_unit_range(superres_image(models["sr"], rgb / 255.0, 3), 8)
    np.testing.assert_array_equal(out, expected)
    gray = write(tmp_path / "g16.tif", noisy_uint((15, 14), 1, 16, sigma=2, seed=6))
    assert superres_cli.main([str(gray), "--scale", "2", "-o", str(tmp_path / "g.tif"), "--weights",
                              str(weights["sr"]), "-q", "--steps", "2"]) == 0
    g = iio.imread(tmp_path / "g.tif")
    assert g.shape == (30, 28) and g.dtype == np.uint16


# ---------------------------------------------------------------------------- errors
def _run_error(main, argv, capsys):
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc != 0
    return rc, err


def test_bad_inputs_give_clear_errors(tmp_path, weights, capsys):
    w = ["--weights", str(weights["gray"])]
    out = ["-o", str(tmp_path / "out.png")]
    rc, err = _run_error(denoise_cli.main, [str(tmp_path / "missing.png"), "--sigma", "25"] + out + w, capsys)
    assert rc == 2 and "input image not found" in err and "missing.png" in err
    (tmp_path / "notes.png").write_text("this is text, not a picture")
    rc, err = _run_error(denoise_cli.main, [str(tmp_path / "notes.png")] + out + w, capsys)
    assert rc == 2 and "cannot read" in err and "notes.png" in err
    src = write(tmp_path / "in.png", noisy_uint((20, 20), 1, 8))
    rc, err = _run_error(superres_cli.main, [str(src), "--scale", "5"] + out + w, capsys)
    assert rc == 2 and "invalid choice: 5" in err
    rc, err = _run_error(denoise_cli.main, [str(src), "--sigma", "-1"] + out + w, capsys)
    assert rc == 2 and "--sigma" in err
    rc, err = _run_error(denoise_cli.main, [str(src), "--sigma", "25", "-o", str(tmp_path / "o.bmp")] + w, capsys)
    assert rc == 2 and "output format" in err
    rc, err = _run_error(denoise_cli.main, [str(src), "--sigma", "25", "-o", str(src)] + w, capsys)
    assert rc == 2 and "overwrite the input" in err
    rc, err = _run_error(denoise_cli.main, [str(src), "--sigma", "25"] + out +
                         ["--weights", str(tmp_path / "nothing.keras")], capsys)
    assert rc == 2 and "weights file not found" in err
    rc, err = _run_error(denoise_cli.main, [str(src), "--sigma", "25"] + out + ["--tile", "40", "--overlap", "40"]
                         + w, capsys)
    assert rc == 2 and "too small for overlap" in err
    rc, err = _run_error(superres_cli.main, [str(src), "--scale", "2"] + out + ["--weights", str(weights["rgb"])],
                         capsys)
    assert rc == 2 and "trained for color" in err and "--allow-other-task" in err
    rc, err = _run_error(superres_cli.main, [str(src), "--scale", "2"] + out + ["--weights", str(weights["rgb"]),
                                                                                 "--allow-other-task"], capsys)
    assert rc == 2 and "1-channel model" in err
    src16 = write(tmp_path / "in16.png", noisy_uint((20, 20), 1, 16))
    rc, err = _run_error(denoise_cli.main, [str(src16), "--sigma", "25", "-o", str(tmp_path / "o.jpg")] + w, capsys)
    assert rc == 2 and "JPEG cannot hold 16-bit" in err
    import tifffile
    tifffile.imwrite(tmp_path / "five.tif", np.zeros((8, 8, 5), np.uint8), photometric="minisblack",
                     planarconfig="contig")
    rc, err = _run_error(denoise_cli.main, [str(tmp_path / "five.tif"), "--sigma", "25"] + out + w, capsys)
    assert rc == 2 and "channels" in err
    assert not (tmp_path / "out.png").exists()


def test_help_exits_zero_and_defaults_agree(capsys):
    import rim_tf.cli
    import rim_tf.inference
    for name in ("DEFAULT_TILE", "DEFAULT_OVERLAP", "DEFAULT_SR_OVERLAP"):
        assert getattr(rim_tf.cli, name) == getattr(rim_tf.inference, name)
    assert denoise_cli.main(["--help"]) == 0
    assert "0..255 scale" in capsys.readouterr().out
    assert superres_cli.main(["--help"]) == 0


# ---------------------------------------------------------------------------- real photograph, as a user runs it
def _python_m(module, args):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-m", module] + args, capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=300)


def test_python_m_on_a_real_photograph(tmp_path, data_dir, weights, models):
    photo = data_dir / "BSDS300" / "images" / "test" / "101085.jpg"
    rgb = iio.imread(photo)
    noisy = np.clip(np.floor(rgb + np.random.default_rng(0).normal(0, 15, rgb.shape) + 0.5), 0, 255).astype(np.uint8)
    src = write(tmp_path / "noisy.png", noisy)
    result = _python_m("rim_tf.cli.denoise", [str(src), "--sigma", "15", "-o", str(tmp_path / "d.png"),
                                              "--weights", str(weights["rgb"]), "--tile", "256"])
    assert result.returncode == 0, result.stderr
    assert "tile 256, overlap 64" in result.stderr  # 3 x 2 tiles of at most 256 x 256
    assert "absl" not in result.stderr and "cuda" not in result.stderr  # no TensorFlow start-up noise
    out = iio.imread(tmp_path / "d.png")
    assert out.shape == rgb.shape == (481, 321, 3)
    np.testing.assert_array_equal(out, expected_denoised(models["rgb"], noisy, 15, 8, tile=256, overlap=64))

    result = _python_m("rim_tf.cli.superres", [str(photo), "--scale", "2", "-o", str(tmp_path / "sr.png"),
                                               "--weights", str(weights["sr"]), "--steps", "1"])
    assert result.returncode == 0, result.stderr
    out = iio.imread(tmp_path / "sr.png")
    assert out.shape == (962, 642, 3)
    expected = iou.from_unit_range(superres_image(models["sr"], rgb / 255.0, 2, steps=1), 8)
    np.testing.assert_array_equal(out, expected)


# ---------------------------------------------------------------------------- scripts/figure_steps.py
def test_figure_steps_script(tmp_path, data_dir, weights):
    import importlib.util
    import json
    spec = importlib.util.spec_from_file_location("figure_steps", os.path.join(REPO, "scripts", "figure_steps.py"))
    figure_steps = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(figure_steps)
    record = figure_steps.main(["--task", "denoise", "--weights", str(weights["gray"]), "--image-id", "101085",
                                "--data-dir", str(data_dir), "--out", str(tmp_path / "d.png"), "--crop", "96"])
    assert (tmp_path / "d.png").stat().st_size > 1000
    assert record["steps"] == 3 and len(record["step_psnr"]) == 3 and record["shown_steps"] == [1, 2, 3]
    assert json.loads((tmp_path / "d.json").read_text())["step_psnr"] == record["step_psnr"]
    assert 15 < record["observation_psnr"] < 25  # sigma 25 on the 0..255 scale: about 20.2 dB
    record = figure_steps.main(["--task", "superres", "--weights", str(weights["sr"]), "--image-id", "img_001",
                                "--scale", "2", "--data-dir", str(data_dir), "--out", str(tmp_path / "s.png"),
                                "--steps", "2"])
    assert (tmp_path / "s.png").exists() and record["image"].startswith("101085")
    assert record["observation_psnr"] > 20 and len(record["step_psnr"]) == 2
    with pytest.raises(ValueError, match="show-steps"):
        figure_steps.main(["--weights", str(weights["gray"]), "--show-steps", "9", "--data-dir", str(data_dir),
                           "--out", str(tmp_path / "x.png")])


def test_denoise_uses_the_shipped_color_model_for_rgb_and_denoise_for_gray(tmp_path, capsys):
    import rim_tf

    for channels, name in ((3, "color"), (1, "denoise")):
        pixels = noisy_uint((21, 26), channels, 8, seed=5)
        src = write(tmp_path / f"in{channels}.png", pixels)
        rc = denoise_cli.main([str(src), "--sigma", "25", "-o", str(tmp_path / f"out{channels}.png"),
                               "--steps", "2"])
        err = capsys.readouterr().err
        assert rc == 0, err
        assert f"{name}.keras" in err and f"{channels} channel(s)" in err
        model, _ = rim_tf.pretrained(name)
        out = iio.imread(tmp_path / f"out{channels}.png").reshape(pixels.shape)
        np.testing.assert_array_equal(out, expected_denoised(model, pixels, 25, 8, steps=2))
