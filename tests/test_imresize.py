"""MATLAB-compatible bicubic imresize: against an independent numpy reference and real data.

The reference (``rim_tf.physics.imresize_reference``) is a separate, loop-per-output-sample
float64 implementation written from MATLAB's documented algorithm; it shares no code
with ``rim_tf.physics.imresize``. A few closed-form checks below pin the reference itself.
"""
import math

import numpy as np
import pytest
import tensorflow as tf

from rim_tf.physics.imresize import (BandPass, ConvPass, DensePass, IdentityPass, _apply_pass,
                                     imresize, imresize_transpose, pass_plan, resize_geometry,
                                     resize_weights)
from rim_tf.physics.imresize_reference import cubic_kernel, imresize_reference, output_taps

FLOAT_CASES = [
    # (shape, kwargs) -- odd sizes, down and up, integer and non-integer scales
    ((17, 23, 3), {"scale": 1 / 2}),
    ((17, 23, 3), {"scale": 1 / 3}),
    ((19, 25, 1), {"scale": 1 / 4}),
    ((9, 13, 2), {"scale": 2}),
    ((9, 13, 2), {"scale": 3}),
    ((7, 5, 3), {"scale": 4}),
    ((21, 15, 3), {"scale": 0.7}),
    ((11, 12, 3), {"scale": 1.37}),
    ((15, 20, 3), {"scale": (1.5, 0.5)}),  # a scale per dimension: width pass first
    ((16, 12, 3), {"output_size": (7, 19)}),
    ((16, 12, 3), {"output_size": (None, 5)}),
    ((13, 17), {"scale": 1 / 3}),  # gray HW
]


# ---------------------------------------------------------------------------------------
# The reference itself, against facts derivable by hand.

def test_reference_kernel_values():
    # Keys' cubic, a = -0.5: 1 at 0, 0 at integers, 0.5625 at 1/2, -0.0625 at 3/2.
    assert cubic_kernel(0.0) == 1.0
    assert cubic_kernel(1.0) == 0.0 and cubic_kernel(2.0) == 0.0 and cubic_kernel(2.5) == 0.0
    assert cubic_kernel(0.5) == pytest.approx(0.5625)
    assert cubic_kernel(-1.5) == pytest.approx(-0.0625)


def test_reference_halving_weights_in_the_interior():
    # Shrinking by 2: taps at distances +-0.5, +-1.5, +-2.5, +-3.5 of the widened kernel
    # h(t) = cubic(t / 2) / 2, already summing to one.
    expected = [0.5 * cubic_kernel(d / 2) for d in (3.5, 2.5, 1.5, 0.5, 0.5, 1.5, 2.5, 3.5)]
    assert sum(expected) == pytest.approx(1.0)
    indices, weights = output_taps(10, 40, 0.5)
    nonzero = [(j, w) for j, w in zip(indices, weights) if w != 0.0]
    # Output sample 10 (1-based) sits at u = 19.5: inputs 16..23 (1-based) = 15..22.
    assert [j for j, _ in nonzero] == list(range(15, 23))
    np.testing.assert_allclose([w for _, w in nonzero], expected, rtol=0, atol=1e-15)


def test_reference_keeps_constants_and_uint8_semantics():
    const = np.full((9, 7, 2), 0.3)
    np.testing.assert_allclose(imresize_reference(const, 0.37), 0.3, atol=1e-14)
    img = np.array([[0, 255, 255, 0]] * 4, dtype=np.uint8)
    out = imresize_reference(img, 2)
    assert out.dtype == np.uint8 and out.shape == (8, 8)
    assert out.max() == 255 and out.min() == 0  # overshoot saturated, undershoot clipped


# ---------------------------------------------------------------------------------------
# TF imresize against the reference.

@pytest.mark.parametrize("shape,kwargs", FLOAT_CASES)
@pytest.mark.parametrize("border", ["replicate", "symmetric"])
def test_float_matches_reference(rng, shape, kwargs, border):
    x = rng.random(shape)
    ours = imresize(x.astype(np.float32), border=border, **kwargs).numpy()
    ref = imresize_reference(x, border=border, **kwargs)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-5)


def test_float64_matches_reference_to_double_precision(rng):
    x = rng.random((23, 18, 3))
    ours = imresize(x, 1 / 3).numpy()
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, imresize_reference(x, 1 / 3), rtol=0, atol=1e-12)


@pytest.mark.parametrize("scale", [1 / 2, 1 / 3, 1 / 4, 2, 3, 0.6])
def test_uint8_matches_reference_exactly(rng, scale):
    x = rng.integers(0, 256, size=(25, 31, 3), dtype=np.uint8)
    ours = imresize(x, scale).numpy()
    assert ours.dtype == np.uint8
    np.testing.assert_array_equal(ours, imresize_reference(x, scale))


def test_uint8_rounds_and_saturates_between_passes(rng):
    # A random black-and-white pattern: the first pass overshoots past 0 and 255 at the
    # edges; MATLAB's uint8 pass saturates (and rounds) before the second pass, which
    # changes the final values compared with converting only at the end.
    x = (rng.random((16, 16)) < 0.5).astype(np.uint8) * 255
    ours = imresize(x, 0.5).numpy()
    np.testing.assert_array_equal(ours, imresize_reference(x, 0.5))
    assert np.any(ours != imresize_reference(x, 0.5, intermediate="float"))
    assert np.any(ours != imresize_reference(x, 0.5, intermediate="round"))


def test_ranks_and_batches(rng):
    x = rng.random((2, 10, 14, 3)).astype(np.float32)
    batch = imresize(x, 0.5).numpy()
    assert batch.shape == (2, 5, 7, 3)
    np.testing.assert_allclose(imresize(x[1], 0.5).numpy(), batch[1], atol=1e-6)
    gray = imresize(x[0, :, :, 0], 0.5).numpy()
    assert gray.shape == (5, 7)
    np.testing.assert_allclose(gray, batch[0, :, :, 0], atol=1e-6)


def test_geometry_follows_matlab():
    assert resize_geometry((321, 481), scale=1 / 2) == ((161, 241), (0.5, 0.5))
    assert resize_geometry((321, 480), scale=1 / 3)[0] == (107, 160)
    assert resize_geometry((10, 20), output_size=(None, 5)) == ((3, 5), (0.25, 0.25))
    # Same pass order as MATLAB's stable sort: smaller scale first, height on a tie.
    x = np.random.default_rng(1).integers(0, 256, (12, 16), dtype=np.uint8)
    for size in [(6, 8), (9, 4), (4, 9)]:
        np.testing.assert_array_equal(imresize(x, output_size=size).numpy(),
                                      imresize_reference(x, output_size=size))


def test_weight_rows_sum_to_one_and_are_cached():
    w = resize_weights(37, 13, 1 / 3)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-12)
    assert resize_weights(37, 13, 1 / 3) is w
    assert not w.flags.writeable


# ---------------------------------------------------------------------------------------
# The fast schemes (strided convolution, banded blocks) against the dense matrices.

FAST_CASES = [
    # integer shrinking (ConvPass), odd sizes not divisible by the factor
    ((17, 23, 3), {"scale": 1 / 2}),
    ((17, 23, 3), {"scale": 1 / 3}),
    ((19, 25, 1), {"scale": 1 / 4}),
    ((45, 38, 2), {"scale": 1 / 3}),
    ((61, 47, 3), {"scale": 1 / 4}),
    # integer and non-integer enlarging (BandPass)
    ((9, 13, 2), {"scale": 2}),
    ((9, 13, 2), {"scale": 3}),
    ((7, 5, 3), {"scale": 4}),
    ((21, 31, 3), {"scale": 4}),
    ((41, 61, 3), {"output_size": (81, 121)}),  # "back up" like the benchmark: 1.98 x 1.98
    ((27, 41, 3), {"output_size": (81, 121)}),  # 3 x 2.95
    # non-integer shrinking, mixed, one dimension unchanged
    ((40, 52, 3), {"scale": 0.7}),
    ((23, 18, 3), {"scale": (1.5, 0.5)}),
    ((16, 12, 3), {"output_size": (16, 19)}),
    ((13, 17), {"scale": 1 / 3}),
]


@pytest.mark.parametrize("shape,kwargs", FAST_CASES)
@pytest.mark.parametrize("border", ["replicate", "symmetric"])
def test_fast_matches_dense(rng, shape, kwargs, border):
    x = rng.random(shape).astype(np.float32)
    fast = imresize(x, border=border, **kwargs).numpy()
    dense = imresize(x, border=border, method="dense", **kwargs).numpy()
    assert fast.shape == dense.shape
    np.testing.assert_allclose(fast, dense, rtol=0, atol=1e-6)


@pytest.mark.parametrize("in_length,out_length,scale", [
    (321, 161, 1 / 2), (321, 107, 1 / 3), (481, 121, 1 / 4), (17, 9, 1 / 2), (10, 4, 1 / 3),
    (161, 321, 321 / 161), (81, 321, 321 / 81), (9, 27, 3.0), (52, 37, 37 / 52),
    (5, 2, 1 / 3), (12, 12, 1.0)])
@pytest.mark.parametrize("border", ["replicate", "symmetric"])
def test_pass_plans_apply_the_dense_matrix(in_length, out_length, scale, border):
    # Apply each plan with its TF ops (float64) to the identity: that must give back the
    # dense matrix of resize_weights, border rows included.
    plan = pass_plan(in_length, out_length, scale, True, border)
    eye = tf.constant(np.eye(in_length)[None])  # [1, in, N = in]
    applied = _apply_pass(plan, eye).numpy()[0]
    np.testing.assert_allclose(applied, resize_weights(in_length, out_length, scale, True,
                                                       border), rtol=0, atol=1e-14)


def test_pass_plan_kinds():
    # Integer shrinking is a strided convolution of ~4s taps; enlarging and other scales
    # are banded blocks; scale 1 is skipped; tiny sizes fall back to the dense matrix.
    for n, s in [(321, 2), (321, 3), (481, 4)]:
        plan = pass_plan(n, math.ceil(n / s), 1 / s)
        assert isinstance(plan, ConvPass) and plan.stride == s
        assert plan.kernel.size in (4 * s - 1, 4 * s)
        np.testing.assert_allclose(plan.kernel.sum(), 1.0, atol=1e-12)
    for n_in, n_out in [(161, 321), (81, 321), (121, 481), (321, 200)]:
        plan = pass_plan(n_in, n_out, n_out / n_in)
        assert isinstance(plan, BandPass)
        n_blocks, rows, width = plan.blocks.shape
        assert n_blocks * rows >= n_out and width < n_in
    assert isinstance(pass_plan(12, 12, 1.0), IdentityPass)
    assert isinstance(pass_plan(3, 9, 3.0), DensePass)


@pytest.mark.parametrize("scale", [1 / 2, 1 / 3, 1 / 4, 2, 3, 0.6, (0.5, 1.7)])
def test_fast_uint8_equals_dense_exactly(rng, scale):
    x = rng.integers(0, 256, size=(2, 37, 45, 3), dtype=np.uint8)
    fast = imresize(x, scale).numpy()
    assert fast.dtype == np.uint8
    np.testing.assert_array_equal(fast, imresize(x, scale, method="dense").numpy())


@pytest.mark.parametrize("scale", [1 / 4, 2.5])
def test_fast_float64_matches_reference_to_double_precision(rng, scale):
    x = rng.random((29, 22, 2))
    np.testing.assert_allclose(imresize(x, scale).numpy(), imresize_reference(x, scale),
                               rtol=0, atol=1e-12)


def test_fast_in_graph_mode_dynamic_batch_and_channels(rng):
    # Inside a tf.function the ops join the caller's graph; the batch may be dynamic (and
    # empty); an unknown channel count falls back to the dense products.
    x = rng.random((3, 14, 19, 2)).astype(np.float32)

    @tf.function(input_signature=[tf.TensorSpec([None, 14, 19, 2], tf.float32)])
    def dynamic_batch(batch):
        return imresize(batch, 1 / 3), imresize(batch, output_size=(30, 41))

    @tf.function(input_signature=[tf.TensorSpec([None, 14, 19, None], tf.float32)])
    def dynamic_channels(batch):
        return imresize(batch, 1 / 3)

    down, up = dynamic_batch(x)
    np.testing.assert_allclose(down.numpy(), imresize(x, 1 / 3).numpy(), atol=1e-6)
    np.testing.assert_allclose(up.numpy(), imresize(x, output_size=(30, 41)).numpy(),
                               atol=1e-6)
    np.testing.assert_allclose(dynamic_channels(x).numpy(), imresize(x, 1 / 3).numpy(),
                               atol=1e-6)
    empty_down, empty_up = dynamic_batch(np.zeros((0, 14, 19, 2), np.float32))
    assert empty_down.shape == (0, 5, 7, 2) and empty_up.shape == (0, 30, 41, 2)
    assert imresize(np.zeros((0, 14, 19, 2), np.float32), 2.5).shape == (0, 35, 48, 2)


def test_bad_method():
    with pytest.raises(ValueError, match="method"):
        imresize(np.zeros((8, 8, 1), np.float32), 0.5, method="sparse")


# ---------------------------------------------------------------------------------------
# Adjoint, gradients, graph mode.

@pytest.mark.parametrize("in_size,kwargs", [
    ((12, 18), {"scale": 1 / 2}),
    ((13, 17), {"scale": 1 / 3}),
    ((16, 20), {"scale": 1 / 4}),
    ((7, 9), {"scale": 2.5}),
    ((15, 11), {"output_size": (6, 13)}),
])
def test_transpose_is_exact_adjoint(rng, in_size, kwargs):
    x = rng.standard_normal((2,) + in_size + (3,)).astype(np.float32)
    ax = imresize(x, **kwargs)
    y = rng.standard_normal(ax.shape).astype(np.float32)
    aty = imresize_transpose(y, in_size, **kwargs)
    assert aty.shape == x.shape
    lhs = float(tf.reduce_sum(ax * y))
    rhs = float(tf.reduce_sum(x * aty))
    assert lhs == pytest.approx(rhs, rel=1e-5, abs=1e-4)


def test_transpose_equals_reference_matrix_transpose(rng):
    # Build the dense matrix of the reference's 1-D pass column by column, then compare.
    n_in, scale = 11, 1 / 3
    n_out = math.ceil(n_in * scale)
    ref = np.stack([imresize_reference(np.eye(n_in)[:, j:j + 1], (scale, 1.0))[:, 0]
                    for j in range(n_in)], axis=1)  # [n_out, n_in]
    y = rng.standard_normal((1, n_out, 1, 1))
    ours = imresize_transpose(y, (n_in, 1), scale=(scale, 1.0)).numpy()[0, :, 0, 0]
    np.testing.assert_allclose(ours, ref.T @ y[0, :, 0, 0], atol=1e-12)


@pytest.mark.parametrize("scale", [1 / 3, 2.5, 0.7])  # conv, band (up), band (down)
def test_gradient_is_the_transpose(rng, scale):
    x = tf.constant(rng.random((1, 12, 15, 2)), tf.float32)
    out = resize_geometry((12, 15), scale)[0]
    g = tf.constant(rng.standard_normal((1,) + out + (2,)), tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(imresize(x, scale) * g)
    grad = tape.gradient(loss, x)
    np.testing.assert_allclose(grad.numpy(), imresize_transpose(g, (12, 15), scale).numpy(),
                               atol=1e-5)


def test_runs_inside_tf_function(rng):
    x = rng.random((2, 12, 12, 1)).astype(np.float32)

    @tf.function
    def down_up(batch):
        return imresize(imresize(batch, 1 / 2), 2)

    np.testing.assert_allclose(down_up(x).numpy(), imresize(imresize(x, 0.5), 2).numpy(),
                               atol=1e-6)


def test_differs_from_tf_image_resize_only_at_the_border(rng):
    # Same kernel and sample positions as tf.image.resize(antialias=True), which instead
    # drops out-of-image taps and renormalises: equal in the interior, not at the border.
    x = rng.random((1, 40, 48, 1)).astype(np.float32)
    ours = imresize(x, 0.5).numpy()[0, :, :, 0]
    tf_img = tf.image.resize(x, (20, 24), "bicubic", antialias=True).numpy()[0, :, :, 0]
    np.testing.assert_allclose(ours[2:-2, 2:-2], tf_img[2:-2, 2:-2], atol=1e-5)
    assert np.abs(ours[0] - tf_img[0]).max() > 1e-3


# ---------------------------------------------------------------------------------------
# Bad input.

@pytest.mark.parametrize("kwargs,match", [
    ({"scale": 0}, "positive"),
    ({"scale": -0.5}, "positive"),
    ({"scale": (0.5, 0.0)}, "positive"),
    ({"output_size": (0, 4)}, "positive integers"),
    ({"output_size": (None, None)}, "at least one"),
    ({"scale": 0.5, "output_size": (4, 4)}, "exactly one"),
    ({}, "exactly one"),
    ({"scale": 0.5, "border": "wrap"}, "border"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        imresize(np.zeros((8, 8, 1), np.float32), **kwargs)


def test_bad_images():
    with pytest.raises(ValueError, match="rank"):
        imresize(np.zeros((1, 2, 8, 8, 1), np.float32), 0.5)
    with pytest.raises(ValueError, match="rank"):
        imresize(np.zeros((8,), np.float32), 0.5)
    with pytest.raises(ValueError, match="dtype"):
        imresize(np.zeros((8, 8), np.int32), 0.5)

    @tf.function(input_signature=[tf.TensorSpec([1, None, None, 1], tf.float32)])
    def dynamic(x):
        return imresize(x, 0.5)

    with pytest.raises(ValueError, match="static height and width"):
        dynamic.get_concrete_function()
    with pytest.raises(ValueError, match="spatial size"):
        imresize_transpose(np.zeros((1, 5, 5, 1), np.float32), (12, 12), 0.5)


# ---------------------------------------------------------------------------------------
# The authors' SelfExSR BSD100 LR files.

def _lr_agreement(data_dir, scale, every=1):
    import imageio.v3 as iio

    folder = data_dir / "SelfExSR" / "BSD100" / f"image_SRF_{scale}"
    hr_files = sorted(folder.glob(f"img_*_SRF_{scale}_HR.png"))[::every]
    if not hr_files:
        pytest.skip(f"no SelfExSR files in {folder}")
    equal = total = worst = 0
    for hr_file in hr_files:
        hr = iio.imread(hr_file)
        lr = iio.imread(hr_file.with_name(hr_file.name.replace("_HR", "_LR")))
        ours = imresize(hr, 1 / scale).numpy()
        assert ours.shape == lr.shape, hr_file.name
        diff = np.abs(ours.astype(np.int16) - lr.astype(np.int16))
        equal += int((diff == 0).sum())
        total += diff.size
        worst = max(worst, int(diff.max()))
    return equal / total, worst, len(hr_files)


# Measured on all 300 files (scripts/benchmark_imresize.py --data): every pixel equal
# (largest difference 0) at each of x2, x3, x4, so the tests ask for bit-exact output.


@pytest.mark.data
@pytest.mark.parametrize("scale", [2, 3, 4])
def test_reproduces_selfexsr_lr_files_subset(data_dir, scale):
    exact, worst, files = _lr_agreement(data_dir, scale, every=10)
    assert files == 10
    assert exact == 1.0 and worst == 0, (exact, worst)


@pytest.mark.data
@pytest.mark.slow
@pytest.mark.parametrize("scale", [2, 3, 4])
def test_reproduces_all_selfexsr_lr_files(data_dir, scale):
    exact, worst, files = _lr_agreement(data_dir, scale)
    assert files == 100
    assert exact == 1.0 and worst == 0, (exact, worst)
