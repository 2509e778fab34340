"""Inference on whole images: tiling, denoising, super-resolution, noise estimation, image I/O.

Tiny models (4/8 features) with a random output convolution (a fresh RIM's output conv
is zero, which would make it return its input and every comparison trivial).
"""
import json
import math

import numpy as np
import pytest
import tensorflow as tf

import rim_tf
from rim_tf import imageio_utils as iou
from rim_tf.inference import (SR_SCALES, bicubic_upscale, denoise_image, estimate_noise_sigma,
                              plan_spans, plan_tiles, rgb_to_ycbcr, superres_image, superres_y,
                              ycbcr_to_rgb)
from rim_tf.metrics import rgb2ycbcr
from rim_tf.physics import BicubicDownsample

# ---------------------------------------------------------------------------- helpers (also used by test_cli)


def tiny_model(kind: str = "rim", channels: int = 1, seed: int = 0, std: float = 0.1):
    """A tiny RIM whose output convolution has random weights (so it is not the identity)."""
    tf.keras.utils.set_random_seed(seed)
    if kind == "atrous":
        model = rim_tf.build_atrous_rim(channels, hidden_features=4, gru_features=8, steps=3)
    else:
        model = rim_tf.build_rim(channels, hidden_features=4, gru_features=8, steps=3)
    kernel = model.cell.out.kernel
    kernel.assign(np.random.default_rng(seed).normal(0.0, std, kernel.shape).astype(np.float32))
    return model


def save_model(model, folder, experiment: str = "denoise"):
    """``folder/model.keras`` + sidecar ``model.json`` as the trainer writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.keras"
    model.save(path)
    sidecar = {"experiment": experiment, "preset": "smoke", "reduced_budget": True, "label": "test",
               "iterations": 0, "patches_seen": 0, "val_psnr": None,
               "config": {"sigma_range": [5 / 255, 60 / 255], "steps": model.steps}}
    (folder / "model.json").write_text(json.dumps(sidecar))
    return path


def smooth_image(h, w, channels=1, seed=0):
    """A smooth test image with some texture, in [0.1, 0.9]."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    planes = [0.5 + 0.25 * np.sin(xx / (5 + 2 * c)) * np.cos(yy / (7 + c)) + 0.1 * rng.random((h, w)) - 0.05
              for c in range(channels)]
    return np.clip(np.stack(planes, -1), 0.1, 0.9).astype(np.float32)


@pytest.fixture(scope="module")
def gray_rim():
    return tiny_model("rim", 1)


@pytest.fixture(scope="module")
def atrous_rim():
    return tiny_model("atrous", 1, seed=1)


# ---------------------------------------------------------------------------- tile plans
@pytest.mark.parametrize("n,tile,overlap,unit", [
    (75, 32, 8, 1), (76, 32, 8, 1), (300, 64, 16, 1), (257, 48, 20, 1), (301, 64, 33, 1),
    (99, 30, 6, 3), (96, 32, 8, 2), (124, 40, 12, 4), (33, 16, 4, 3), (64, 64, 8, 1)])
def test_plan_spans_cover_align_and_keep_context(n, tile, overlap, unit):
    spans = plan_spans(n, tile, overlap, unit=unit, align=2)
    step = 2 * unit // math.gcd(2, unit)
    keep = np.zeros(n, int)
    for k, s in enumerate(spans):
        assert 0 <= s.start < s.stop <= n and s.stop - s.start <= max(tile, 0) or len(spans) == 1
        if len(spans) > 1:
            assert s.start % step == 0, "tiles start on multiples of lcm(2, unit)"
            assert (s.stop - s.start) % unit == 0 and (s.stop - s.start) % 2 == n % 2
        assert s.start <= s.keep_start < s.keep_stop <= s.stop
        keep[s.keep_start:s.keep_stop] += 1
        # every kept pixel has >= overlap // 2 pixels of context before a cut edge
        if s.start > 0:
            assert s.keep_start - s.start >= overlap // 2
        if s.stop < n:
            assert s.stop - s.keep_stop >= overlap // 2
        if k:
            assert spans[k - 1].stop - s.start >= overlap
    assert np.all(keep == 1), "keep ranges partition the axis"
    if n > tile:
        assert len(spans) > 1


def test_plan_refuses_impossible_tiles():
    with pytest.raises(ValueError, match="too small for overlap"):
        plan_spans(100, 32, 31)
    with pytest.raises(ValueError, match="at least 16"):
        plan_spans(100, 8, 0)
    with pytest.raises(ValueError, match=">= 0"):
        plan_spans(100, 32, -1)
    assert plan_spans(100, 0, 32) == plan_spans(100, None, 32) == plan_spans(100, 128, 32)
    assert len(plan_tiles(100, 70, 32, 8)) == 4 * 3


# ---------------------------------------------------------------------------- denoising
def test_denoise_whole_image_is_the_model_output(gray_rim):
    x = smooth_image(21, 34)
    noisy = np.clip(x + np.random.default_rng(1).normal(0, 0.1, x.shape), 0, 1).astype(np.float32)
    out = denoise_image(gray_rim, noisy, 25.5, tile=0)
    direct = gray_rim(noisy[None], sigma=0.1, steps=3)[-1, 0].numpy()
    np.testing.assert_allclose(out, direct, atol=1e-6)
    assert out.shape == (21, 34, 1) and out.dtype == np.float32
    assert 0 < out.min() and out.max() < 1
    assert np.abs(out - noisy).max() > 1e-2, "the tiny model must change the image"
    steps = denoise_image(gray_rim, noisy, 25.5, steps=5, tile=0, all_steps=True)
    assert steps.shape == (5, 21, 34, 1)
    np.testing.assert_allclose(steps[2], out, atol=1e-6)


def test_denoise_accepts_uint8_uint16_and_2d(gray_rim):
    x8 = (smooth_image(16, 18)[..., 0] * 255).round().astype(np.uint8)
    a = denoise_image(gray_rim, x8, 10, tile=0)
    b = denoise_image(gray_rim, x8.astype(np.float32) / 255, 10, tile=0)
    c = denoise_image(gray_rim, x8.astype(np.uint16) * 257, 10, tile=0)
    np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(a, c, atol=1e-6)


@pytest.mark.parametrize("shape", [(75, 61), (64, 90), (77, 77)])
def test_tiled_denoising_matches_the_whole_image(gray_rim, shape):
    # 3 steps of the strided cell reach about 16 pixels: overlap 32 (16 px of context
    # each side) reproduces the whole image to float rounding, odd and even sizes alike.
    x = smooth_image(*shape)
    whole = denoise_image(gray_rim, x, 25, tile=0)
    assert len(plan_tiles(*shape, 48, 32)) >= 4
    tiled = denoise_image(gray_rim, x, 25, tile=48, overlap=32)
    assert np.abs(tiled - whole).max() < 1e-4
    # with too little overlap the cut edges show: the comparison above can fail
    seams = denoise_image(gray_rim, x, 25, tile=16, overlap=0)
    assert np.abs(seams - whole).max() > 1e-4


def test_denoise_rgb_with_gray_and_color_models(gray_rim):
    x = smooth_image(20, 26, channels=3)
    out = denoise_image(gray_rim, x, 20, tile=0)
    assert out.shape == x.shape
    for c in range(3):  # a gray model denoises each channel on its own
        np.testing.assert_allclose(out[..., c:c + 1], denoise_image(gray_rim, x[..., c], 20, tile=0), atol=1e-6)
    color = tiny_model("rim", 3, seed=2)
    out3 = denoise_image(color, x, 20, tile=0)
    assert out3.shape == x.shape and np.abs(out3 - x).max() > 1e-2
    with pytest.raises(ValueError, match="3-channel images, but the image has 1"):
        denoise_image(color, x[..., 0], 20)


@pytest.mark.parametrize("bad,match", [(0, "must be > 0"), (-3, "must be > 0"), (float("nan"), "must be > 0"),
                                       ("x", "0..255 scale")])
def test_denoise_refuses_bad_sigma(gray_rim, bad, match):
    with pytest.raises(ValueError, match=match):
        denoise_image(gray_rim, smooth_image(8, 8), bad)


def test_denoise_refuses_bad_images(gray_rim):
    with pytest.raises(ValueError, match=r"\[0, 1\] units"):
        denoise_image(gray_rim, smooth_image(8, 8) * 255, 25)
    with pytest.raises(ValueError, match="gray"):
        denoise_image(gray_rim, np.zeros((8, 8, 2), np.float32), 25)
    with pytest.raises(ValueError, match="steps"):
        denoise_image(gray_rim, smooth_image(8, 8), 25, steps=0)


# ---------------------------------------------------------------------------- super-resolution
def test_ycbcr_is_matlab_and_inverts():
    rgb = np.random.default_rng(0).random((5, 6, 3))
    np.testing.assert_allclose(rgb_to_ycbcr(rgb), rgb2ycbcr(rgb), atol=1e-6)
    np.testing.assert_allclose(ycbcr_to_rgb(rgb_to_ycbcr(rgb)), rgb, atol=1e-5)
    white = rgb_to_ycbcr(np.ones((1, 1, 3)))[0, 0] * 255
    np.testing.assert_allclose(white, [235, 128, 128], atol=1e-3)


def test_superres_y_is_the_rim_with_bicubic_operator(atrous_rim):
    lr = smooth_image(13, 17)
    out = superres_y(atrous_rim, lr, 3, tile=0)
    assert out.shape == (39, 51, 1)
    op = BicubicDownsample(3, hr_size=(39, 51))
    direct = atrous_rim(lr[None], operator=op, sigma=1 / (255 * math.sqrt(12)), steps=3)[-1, 0].numpy()
    np.testing.assert_allclose(out, direct, atol=1e-6)
    assert np.abs(out - bicubic_upscale(lr, 3)).max() > 1e-2


@pytest.mark.parametrize("scale,lr_shape", [(3, (33, 37)), (2, (50, 53)), (4, (25, 27))])
def test_tiled_superres_matches_the_whole_image(atrous_rim, scale, lr_shape):
    # The likelihood gradient A^T (y - A x) reaches +-4 scale HR pixels per step on top of
    # the cell's own reach, so SR needs more overlap than denoising: 64 for 3 steps.
    lr = smooth_image(*lr_shape, seed=scale)
    whole = superres_y(atrous_rim, lr, scale, tile=0)
    h, w = whole.shape[:2]
    assert len(plan_tiles(h, w, 88, 64, unit=scale)) >= 4
    tiled = superres_y(atrous_rim, lr, scale, tile=88, overlap=64)
    assert np.abs(tiled - whole).max() < 1e-4
    seams = superres_y(atrous_rim, lr, scale, tile=48, overlap=8)
    assert np.abs(seams - whole).max() > 1e-4


def test_tiled_superres_with_a_strided_model(gray_rim):
    # the strided cell needs even tile offsets on the HR grid: lcm(2, 3) = 6 for x3
    lr = smooth_image(33, 31, seed=5)
    whole = superres_y(gray_rim, lr, 3, tile=0)
    assert len(plan_tiles(99, 93, 88, 64, unit=3)) >= 4
    tiled = superres_y(gray_rim, lr, 3, tile=88, overlap=64)
    assert np.abs(tiled - whole).max() < 1e-4


def test_superres_rgb_runs_rim_on_y_and_bicubic_on_chroma(atrous_rim):
    lr = 0.3 + 0.4 * smooth_image(10, 12, channels=3, seed=3)  # mid-range: no clipping
    out = superres_image(atrous_rim, lr, 2, tile=0)
    assert out.shape == (20, 24, 3)
    ycbcr = rgb_to_ycbcr(out)
    lr_ycbcr = rgb_to_ycbcr(lr)
    np.testing.assert_allclose(ycbcr[..., :1], superres_y(atrous_rim, lr_ycbcr[..., :1], 2, tile=0), atol=1e-5)
    np.testing.assert_allclose(ycbcr[..., 1:], bicubic_upscale(lr_ycbcr[..., 1:], 2), atol=1e-5)
    gray = superres_image(atrous_rim, lr[..., :1], 2, tile=0)
    assert gray.shape == (20, 24, 1)


@pytest.mark.parametrize("scale", [5, 1, 2.5, True, "3"])
def test_superres_refuses_other_scales(atrous_rim, scale):
    with pytest.raises(ValueError, match="scale must be one of 2, 3, 4"):
        superres_image(atrous_rim, smooth_image(8, 8), scale)
    assert SR_SCALES == (2, 3, 4)


def test_superres_needs_a_one_channel_model():
    with pytest.raises(ValueError, match="1-channel model"):
        superres_image(tiny_model("rim", 3), smooth_image(8, 8, 3), 2)


# ---------------------------------------------------------------------------- noise level
@pytest.mark.parametrize("sigma", [5, 15, 25, 50])
def test_noise_estimate_within_ten_percent(sigma):
    rng = np.random.default_rng(sigma)
    yy, xx = np.mgrid[0:128, 0:160]
    clean = 0.5 + 0.3 * np.sin(xx / 9.0) * np.cos(yy / 13.0)
    noisy = clean + rng.normal(0, sigma / 255, clean.shape)
    for image in (np.clip(noisy, 0, 1),
                  np.clip(np.floor(noisy * 255 + 0.5), 0, 255).astype(np.uint8),
                  np.clip(np.floor(noisy * 65535 + 0.5), 0, 65535).astype(np.uint16)):
        est = estimate_noise_sigma(image)
        assert abs(est / sigma - 1) < 0.10, (sigma, est, image.dtype)


def test_noise_estimate_rgb_clean_and_small():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:64, 0:80]
    clean = np.stack([0.5 + 0.2 * np.sin(xx / (8.0 + c)) for c in range(3)], -1)
    assert estimate_noise_sigma(clean) < 0.5
    est = estimate_noise_sigma(clean + rng.normal(0, 20 / 255, clean.shape))
    assert abs(est / 20 - 1) < 0.10
    with pytest.raises(ValueError, match="too small"):
        estimate_noise_sigma(np.zeros((3, 40)))


# ---------------------------------------------------------------------------- image files
@pytest.mark.parametrize("ext", [".png", ".tif"])
@pytest.mark.parametrize("depth", [8, 16])
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_image_round_trip_is_exact(tmp_path, ext, depth, channels):
    top = 255 if depth == 8 else 65535
    rng = np.random.default_rng(channels)
    pixels = rng.integers(0, top + 1, (7, 9, channels)).astype(np.uint8 if depth == 8 else np.uint16)
    image = iou._to_image(pixels, None)
    assert image.channels == (1 if channels < 3 else 3) and (image.alpha is not None) == (channels in (2, 4))
    path = iou.write_image(tmp_path / f"x{ext}", image.color, bit_depth=depth, alpha=image.alpha)
    back = iou.read_user_image(path)
    assert back.bit_depth == depth and back.color.shape == image.color.shape
    planes = [back.color] + ([back.alpha] if back.alpha is not None else [])
    np.testing.assert_array_equal(iou.from_unit_range(np.concatenate(planes, -1), depth), pixels)


def test_16_bit_rgb_png_keeps_its_low_byte(tmp_path):
    # Pillow reads 16-bit colour PNGs as 8-bit; our reader must not
    pixels = np.array([[[1, 258, 65535], [40000, 7, 513]]], np.uint16)
    path = tmp_path / "rgb16.png"
    path.write_bytes(tf.io.encode_png(pixels).numpy())
    image = iou.read_user_image(path)
    assert image.bit_depth == 16
    np.testing.assert_array_equal(iou.from_unit_range(image.color, 16), pixels)


def test_jpeg_and_bilevel_images(tmp_path):
    from PIL import Image as PILImage
    rgb = (smooth_image(12, 14, 3) * 255).astype(np.uint8)
    path = iou.write_image(tmp_path / "x.jpg", rgb / 255.0)
    back = iou.read_user_image(path)
    assert back.bit_depth == 8 and back.color.shape == (12, 14, 3)
    assert np.abs(back.color - rgb / 255.0).max() < 0.1
    PILImage.fromarray(np.eye(6, dtype=bool)).save(tmp_path / "bw.png")
    bw = iou.read_user_image(tmp_path / "bw.png")
    assert bw.bit_depth == 8 and bw.color.shape == (6, 6, 1)
    np.testing.assert_array_equal(bw.color[..., 0], np.eye(6))


def test_image_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        iou.read_user_image(tmp_path / "missing.png")
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(iou.ImageReadError, match="cannot read"):
        iou.read_user_image(tmp_path / "text.png")
    import tifffile
    tifffile.imwrite(tmp_path / "float.tif", np.zeros((4, 5), np.float32))
    with pytest.raises(iou.ImageReadError, match="float32"):
        iou.read_user_image(tmp_path / "float.tif")
    tifffile.imwrite(tmp_path / "five.tif", np.zeros((4, 5, 5), np.uint8), photometric="minisblack",
                     planarconfig="contig")
    with pytest.raises(iou.ImageReadError, match="channels"):
        iou.read_user_image(tmp_path / "five.tif")
    with pytest.raises(ValueError, match="16-bit"):
        iou.check_output_path(tmp_path / "o.jpg", bit_depth=16)
    with pytest.raises(ValueError, match="alpha"):
        iou.check_output_path(tmp_path / "o.jpeg", bit_depth=8, has_alpha=True)
    with pytest.raises(ValueError, match="output format"):
        iou.check_output_path(tmp_path / "o.bmp", bit_depth=8)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        iou.check_output_path(tmp_path / "nowhere" / "o.png", bit_depth=8)
