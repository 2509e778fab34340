"""Metrics pinned to hand-computed values, to scikit-image, to MATLAB's documented colour
conversions, and (on the real SelfExSR data) to the published bicubic PSNR of Table 3."""
import math

import numpy as np
import pytest
import tensorflow as tf
from skimage.metrics import structural_similarity

from rim_tf.metrics import psnr, rgb2gray, rgb2y, rgb2ycbcr, shave, sr_psnr, ssim

# --------------------------------------------------------------------------- PSNR


def test_psnr_hand_computed_unit_range():
    a = np.zeros((4, 4))
    b = np.full((4, 4), 0.1)  # MSE = 0.01 -> 10 log10(1 / 0.01) = 20 dB
    assert psnr(a, b, data_range=1.0) == pytest.approx(20.0, abs=1e-12)


def test_psnr_hand_computed_8bit():
    a = np.zeros((4, 4), np.uint8)
    b = a.copy()
    b[1, 2] = 16  # MSE = 16^2 / 16 = 16 -> 20 log10(255 / 4)
    assert psnr(a, b, data_range=255) == pytest.approx(20 * math.log10(255 / 4), abs=1e-12)
    ones = np.ones((3, 5, 3), np.uint8)  # MSE = 1 -> 20 log10(255) = 48.1308 dB
    assert psnr(ones, 0 * ones, data_range=255) == pytest.approx(48.130803608679, abs=1e-9)


def test_psnr_identical_is_infinite():
    a = np.random.default_rng(0).random((8, 8))
    assert psnr(a, a, data_range=1.0) == math.inf


def test_psnr_batched_matches_per_image(rng):
    a = rng.random((3, 6, 7, 3))
    b = np.clip(a + 0.05 * rng.standard_normal(a.shape), 0, 1)
    b[2] = a[2] + 0.0  # identical third image
    out = psnr(a, b, data_range=1.0, batch=True)
    assert out.shape == (3,)
    for i in range(2):
        assert out[i] == pytest.approx(psnr(a[i], b[i], data_range=1.0))
    assert out[2] == math.inf
    assert out[0] != pytest.approx(out[1])  # per image, not pooled


def test_psnr_accepts_tensorflow_tensors(rng):
    a = rng.random((5, 5)).astype(np.float32)
    b = np.clip(a + 0.1, 0, 1).astype(np.float32)
    expected = psnr(a, b, data_range=1.0)
    assert psnr(tf.constant(a), tf.constant(b), data_range=1.0) == pytest.approx(expected)
    # agrees with TensorFlow's own (float32) PSNR
    assert float(tf.image.psnr(a[..., None], b[..., None], max_val=1.0)) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    "a, b, kwargs, message",
    [
        (np.zeros((4, 4)), np.zeros((4, 5)), dict(data_range=1.0), "shape mismatch"),
        (np.zeros((4, 4), np.uint8), np.zeros((4, 4), np.uint8), dict(data_range=1.0), "data_range=255"),
        (np.full((4, 4), 200.0), np.zeros((4, 4)), dict(data_range=1.0), "outside"),
        (np.full((4, 4), np.nan), np.zeros((4, 4)), dict(data_range=1.0), "NaN"),
        (np.zeros((4, 4), bool), np.zeros((4, 4), bool), dict(data_range=1.0), "dtype"),
        (np.zeros((4, 4), np.int32), np.zeros((4, 4), np.int32), dict(data_range=255), "dtype"),
        (np.zeros((4, 4)), np.zeros((4, 4)), dict(data_range=0), "data_range"),
    ],
)
def test_psnr_rejects_bad_input(a, b, kwargs, message):
    with pytest.raises(ValueError, match=message):
        psnr(a, b, **kwargs)


def test_psnr_range_check_can_be_disabled_for_unclipped_noise():
    clean = np.full((4, 4), 0.5)
    noisy = clean + np.array([0.6, -0.6, 0.6, -0.6])  # leaves [0, 1]; MSE = 0.36
    assert psnr(noisy, clean, data_range=1.0, check_range=False) == pytest.approx(10 * math.log10(1 / 0.36))


# --------------------------------------------------------------------------- SSIM


def _skimage_ssim(a, b, data_range, channel_axis=None):
    return structural_similarity(
        a, b, data_range=data_range, gaussian_weights=True, sigma=1.5,
        use_sample_covariance=False, channel_axis=channel_axis,
    )


def test_ssim_matches_skimage_gray(rng):
    a = rng.random((33, 40))
    b = np.clip(a + 0.1 * rng.standard_normal(a.shape), 0, 1)
    assert ssim(a, b, data_range=1.0) == pytest.approx(_skimage_ssim(a, b, 1.0), abs=1e-12)


def test_ssim_matches_skimage_colour_uint8(rng):
    a = rng.integers(0, 256, (30, 27, 3), dtype=np.uint8)
    b = np.clip(a + rng.normal(0, 20, a.shape), 0, 255).astype(np.uint8)
    expected = _skimage_ssim(a, b, 255, channel_axis=-1)
    assert ssim(a, b, data_range=255) == pytest.approx(expected, abs=1e-12)
    assert 0.0 < expected < 1.0


def test_ssim_batched_and_identical(rng):
    a = rng.random((2, 16, 16))
    b = np.clip(a + 0.2 * rng.standard_normal(a.shape), 0, 1)
    out = ssim(a, b, data_range=1.0, batch=True)
    assert out.shape == (2,)
    assert out[1] == pytest.approx(_skimage_ssim(a[1], b[1], 1.0), abs=1e-12)
    assert ssim(a[0], a[0], data_range=1.0) == pytest.approx(1.0)


def test_ssim_rejects_small_images_and_wrong_rank():
    with pytest.raises(ValueError, match="smaller than"):
        ssim(np.zeros((8, 8)), np.zeros((8, 8)), data_range=1.0)
    with pytest.raises(ValueError, match="expected"):
        ssim(np.zeros((16,)), np.zeros((16,)), data_range=1.0)


# --------------------------------------------------------------------------- colour

PURE = np.array([[[255, 255, 255], [0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]]], np.uint8)


def test_rgb2ycbcr_pure_colours_uint8():
    # MATLAB: Y = 16 + 65.481 R + 128.553 G + 24.966 B (R, G, B in [0, 1]), rounded.
    ycbcr = rgb2ycbcr(PURE)
    assert ycbcr.dtype == np.uint8
    np.testing.assert_array_equal(ycbcr[0, :, 0], [235, 16, 81, 145, 41])
    np.testing.assert_array_equal(ycbcr[0, :2, 1:], [[128, 128], [128, 128]])  # neutral chroma
    np.testing.assert_array_equal(ycbcr[0, 2, 1:], [90, 240])  # red: 128 - 37.797, 128 + 112
    np.testing.assert_array_equal(ycbcr[0, 4, 1:], [240, 110])  # blue: 128 + 112, 128 - 18.214


def test_rgb2ycbcr_rounds_instead_of_truncating():
    # Y of (1, 1, 1) = 16 + 219 / 255 = 16.86: MATLAB's uint8 conversion gives 17.
    assert rgb2y(np.ones((1, 1, 3), np.uint8))[0, 0] == 17


def test_rgb2ycbcr_float_follows_matlab_scale():
    white = np.ones((1, 1, 3), np.float32)
    black = np.zeros((1, 1, 3), np.float64)
    assert rgb2y(white).dtype == np.float32
    assert rgb2y(white)[0, 0] == pytest.approx(235 / 255, abs=1e-6)
    assert rgb2y(black)[0, 0] == pytest.approx(16 / 255, abs=1e-12)


def test_rgb2gray_matlab_weights():
    gray = rgb2gray(PURE)
    assert gray.dtype == np.uint8
    # 255 * (0.298936021, 0.587043074, 0.114020904) = 76.23, 149.70, 29.08
    np.testing.assert_array_equal(gray[0], [255, 0, 76, 150, 29])
    assert rgb2gray(np.array([[[0.5, 0.5, 0.5]]]))[0, 0] == pytest.approx(0.5, abs=1e-9)


@pytest.mark.parametrize(
    "image, message",
    [
        (np.zeros((4, 4)), "RGB"),
        (np.zeros((4, 4, 4)), "RGB"),
        (np.full((2, 2, 3), 2.0), r"\[0, 1\]"),
        (np.full((2, 2, 3), np.nan), "NaN"),
    ],
)
def test_colour_conversions_reject_bad_input(image, message):
    with pytest.raises(ValueError, match=message):
        rgb2ycbcr(image)
    with pytest.raises(ValueError, match=message):
        rgb2gray(image)


# --------------------------------------------------------------------------- protocol


def test_shave_removes_every_border():
    img = np.arange(6 * 7 * 2).reshape(6, 7, 2)
    out = shave(img, 2)
    assert out.shape == (2, 3, 2)
    np.testing.assert_array_equal(out, img[2:4, 2:5])
    np.testing.assert_array_equal(shave(img[..., 0], 0), img[..., 0])
    assert shave(np.zeros((3, 6, 7, 1)), 1, batch=True).shape == (3, 4, 5, 1)
    with pytest.raises(ValueError, match="cannot shave"):
        shave(img, 3)
    with pytest.raises(ValueError, match="non-negative"):
        shave(img, -1)


def test_sr_psnr_ignores_the_shaved_border_and_uses_luma(rng):
    hr = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)
    sr = hr.copy()
    sr[:3, :] = 0  # inside the shaved border at scale 3
    assert sr_psnr(sr, hr, 3) == math.inf
    sr = hr.copy()
    sr[10, 10] = [255, 255, 255] if hr[10, 10].sum() < 300 else [0, 0, 0]
    y_sr, y_hr = rgb2y(sr).astype(float)[3:-3, 3:-3], rgb2y(hr).astype(float)[3:-3, 3:-3]
    mse = np.mean((y_sr - y_hr) ** 2)  # one pixel of 14 x 18 differs
    assert mse > 0
    assert sr_psnr(sr, hr, 3) == pytest.approx(10 * math.log10(255**2 / mse), abs=1e-12)


def test_sr_psnr_rejects_bad_input(rng):
    hr = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="uint8"):
        sr_psnr(hr / 255.0, hr, 2)
    with pytest.raises(ValueError, match="shape mismatch"):
        sr_psnr(hr[:-1], hr, 2)
    with pytest.raises(ValueError, match="scale"):
        sr_psnr(hr, hr, 0)


# --------------------------------------------------------------------------- real data

SELFEXSR_BICUBIC_MEAN = {2: 29.55, 3: 27.20, 4: 25.96}  # FACTS.md, Table 3 (Huang et al.)


def _bicubic_sr_psnr(data_dir, scale, numbers, keep_images=False):
    """Protocol PSNR of MATLAB-bicubic up-sampling of the SelfExSR BSD100 LR images."""
    import imageio.v3 as iio

    from rim_tf.physics.imresize import imresize

    folder = data_dir / "SelfExSR" / "BSD100" / f"image_SRF_{scale}"
    values, pairs = [], []
    for n in numbers:
        hr = iio.imread(folder / f"img_{n:03d}_SRF_{scale}_HR.png")
        lr = iio.imread(folder / f"img_{n:03d}_SRF_{scale}_LR.png")
        sr = np.asarray(imresize(lr, scale=scale))
        assert sr.shape == hr.shape and sr.dtype == np.uint8
        values.append(sr_psnr(sr, hr, scale))
        if keep_images:
            pairs.append((sr, hr))
    return np.array(values), pairs


@pytest.mark.data
@pytest.mark.parametrize("scale", [2, 3, 4])
def test_sr_protocol_on_first_images_matches_independent_skimage_path(data_dir, scale):
    """The protocol on 5 real images equals the same protocol built from scikit-image parts."""
    from skimage.color import rgb2ycbcr as sk_rgb2ycbcr
    from skimage.metrics import peak_signal_noise_ratio

    values, pairs = _bicubic_sr_psnr(data_dir, scale, range(1, 6), keep_images=True)
    for value, (sr, hr) in zip(values, pairs):
        y_sr, y_hr = (np.rint(sk_rgb2ycbcr(im)[..., 0]) for im in (sr, hr))  # Y on [16, 235]
        s = scale
        expected = peak_signal_noise_ratio(y_hr[s:-s, s:-s], y_sr[s:-s, s:-s], data_range=255)
        assert value == pytest.approx(expected, abs=1e-3)
    # bicubic at these scales lies well inside this band on natural images
    assert np.all((values > 20) & (values < 40))


@pytest.mark.data
@pytest.mark.slow
@pytest.mark.parametrize("scale", [2, 3, 4])
def test_sr_protocol_reproduces_published_bicubic_means(data_dir, scale):
    """Bicubic on all 100 SelfExSR BSD100 images gives Huang et al.'s 29.55 / 27.20 / 25.96 dB.

    The published means are rounded to 0.01 dB, so the exact mean lies within 0.005 dB of
    them; we allow 0.006. That is tight enough to catch protocol slips (measured): not
    rounding Y to uint8 gives 29.561 at x2, not shaving the border gives 25.976 at x4.
    """
    values, _ = _bicubic_sr_psnr(data_dir, scale, range(1, 101))
    print(f"bicubic x{scale}: mean PSNR {values.mean():.3f} dB over {len(values)} images")
    assert values.mean() == pytest.approx(SELFEXSR_BICUBIC_MEAN[scale], abs=0.006)
