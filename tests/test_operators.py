"""Forward models: dot-product (adjoint) tests, ensembles, masks, noise, bad input."""
import numpy as np
import pytest
import tensorflow as tf

from rim_tf.physics.checks import inner_product
from rim_tf.physics.imresize import imresize
from rim_tf.physics import (BicubicDownsample, FourierProjection, GaussianBlur, Identity, Inpainting,
                            MatrixProjection, adjointness_test, add_gaussian_noise, gaussian_noise,
                            quantization_noise_std, quantize_8bit, random_pixel_mask,
                            sample_fourier_rows, sample_matrix, split_seed)

SEED = tf.constant([3, 14], tf.int32)
SHAPE = (6, 5, 2)  # tiny H, W, C: n = 60


def _images(rng, batch=3, shape=SHAPE):
    return tf.constant(rng.standard_normal((batch,) + shape).astype(np.float32))


# ---------------------------------------------------------------------------------------
# Every operator of the project, in one list: dot-product (<A x, y> == <x, A^T y>), shape,
# dtype and tf.function checks, by the public helper users run on their own operators.

OPERATORS = [
    ("identity", lambda: Identity(), (3,) + SHAPE),
    ("gaussian projection", lambda: MatrixProjection(sample_matrix("gaussian", 3, 17, SHAPE, SEED), SHAPE),
     (3,) + SHAPE),
    ("binary projection", lambda: MatrixProjection(sample_matrix("binary", 3, 17, SHAPE, SEED), SHAPE),
     (3,) + SHAPE),
    ("fourier projection", lambda: FourierProjection(sample_fourier_rows(3, 23, SHAPE, SEED), SHAPE),
     (3,) + SHAPE),
    ("fourier projection, square", lambda: FourierProjection(sample_fourier_rows(3, 23, (8, 8, 1), SEED),
                                                             (8, 8, 1)), (3, 8, 8, 1)),
    ("inpainting", lambda: Inpainting(random_pixel_mask(3, 6, 5, 0.4, SEED)), (3,) + SHAPE),
] + [(f"bicubic x{scale} {hr}", lambda s=scale, h=hr: BicubicDownsample(s, hr_size=h), (3,) + hr + (3,))
     for scale, hr in [(2, (12, 10)), (3, (12, 9)), (4, (16, 12)), (2.5, (11, 9)), (3, (13, 10))]] + [
    ("gaussian blur", lambda: GaussianBlur(1.2), (3,) + SHAPE),
    ("gaussian blur, wide", lambda: GaussianBlur(2.0, radius=4), (2, 9, 7, 1)),
]


@pytest.mark.parametrize("name,make,x_shape", OPERATORS, ids=[o[0] for o in OPERATORS])
def test_every_operator_is_adjoint_and_works_in_graphs(name, make, x_shape):
    assert adjointness_test(make(), x_shape, seed=1) <= 1e-5


def test_adjointness_test_catches_a_wrong_adjoint():
    class Scaled(Identity):
        def adjoint(self, y):
            return 2.0 * tf.convert_to_tensor(y)  # should be 1 x y

    with pytest.raises(AssertionError, match="the adjoint is not the transpose of forward"):
        adjointness_test(Scaled(), (2, 4, 4, 1))

    class Cropping(Identity):
        def adjoint(self, y):
            return tf.convert_to_tensor(y)[:, 1:]

    with pytest.raises(AssertionError, match="adjoint returns shape"):
        adjointness_test(Cropping(), (2, 4, 4, 1))


# ---------------------------------------------------------------------------------------
# Ensembles.

def test_gaussian_ensemble_statistics():
    m = sample_matrix("gaussian", 4, 50, (16, 16, 1), SEED).numpy()
    assert m.shape == (4, 50, 256)
    assert abs(m.mean()) < 0.02 and abs(m.std() - 1.0) < 0.02


def test_binary_ensemble_is_plus_minus_one():
    m = sample_matrix("binary", 4, 50, (16, 16, 1), SEED).numpy()
    assert set(np.unique(m)) == {-1.0, 1.0}
    assert abs((m > 0).mean() - 0.5) < 0.02


def test_fresh_matrix_per_sample_and_deterministic_per_seed():
    a = sample_matrix("gaussian", 2, 5, SHAPE, SEED).numpy()
    b = sample_matrix("gaussian", 2, 5, SHAPE, SEED).numpy()
    c = sample_matrix("gaussian", 2, 5, SHAPE, tf.constant([3, 15])).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a[0], a[1]) and not np.allclose(a, c)


def test_fourier_rows_are_distinct_and_fresh():
    rows = sample_fourier_rows(4, 30, SHAPE, SEED).numpy()
    assert rows.shape == (4, 30) and rows.min() >= 0 and rows.max() < 60
    for r in rows:
        assert len(set(r)) == 30
    assert any(set(rows[0]) != set(r) for r in rows[1:])


def test_fourier_forward_is_the_unnormalised_dft(rng):
    x = _images(rng, batch=2)
    rows = sample_fourier_rows(2, 11, SHAPE, SEED)
    ours = FourierProjection(rows, SHAPE).forward(x).numpy()
    spectrum = np.fft.fft2(x.numpy(), axes=(1, 2)).reshape(2, -1)  # [H, W, C] order
    expected = np.take_along_axis(spectrum, rows.numpy(), axis=1)
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-4)


def test_all_rows_of_fourier_preserve_energy_like_the_other_ensembles(rng):
    # Unit-modulus entries: with every row taken, ||A x||^2 = (H W) ||x||^2 (Parseval);
    # the same mean energy per measurement as a standard-normal matrix has.
    x = _images(rng, batch=1, shape=(8, 8, 1))
    rows = tf.range(64)[None]
    ax = FourierProjection(rows, (8, 8, 1)).forward(x)
    np.testing.assert_allclose(inner_product(ax, ax) / 64, inner_product(x, x), rtol=1e-5)


def test_operators_build_inside_tf_function(rng):
    x = _images(rng)

    @tf.function
    def grads(x, matrix, rows, mask):
        ops = [MatrixProjection(matrix, SHAPE), FourierProjection(rows, SHAPE),
               Inpainting(mask), BicubicDownsample(2, hr_size=(6, 4))]
        return [op.adjoint(op.forward(x if i < 3 else x[:, :, :4])) for i, op in enumerate(ops)]

    out = grads(x, sample_matrix("binary", 3, 7, SHAPE, SEED),
                sample_fourier_rows(3, 7, SHAPE, SEED), random_pixel_mask(3, 6, 5, 0.5, SEED))
    assert [o.shape for o in out] == [x.shape] * 3 + [(3, 6, 4, 2)]


# ---------------------------------------------------------------------------------------
# Inpainting and bicubic details.

def test_random_pixel_mask_removes_the_fraction():
    mask = random_pixel_mask(5, 8, 10, 0.3, SEED).numpy()
    assert mask.shape == (5, 8, 10, 1) and set(np.unique(mask)) <= {0.0, 1.0}
    np.testing.assert_array_equal((mask == 0).reshape(5, -1).sum(1), 24)
    assert not np.array_equal(mask[0], mask[1])
    assert random_pixel_mask(2, 4, 4, 0.0, SEED).numpy().min() == 1.0


def test_bicubic_forward_and_initial_estimate(rng):
    x = tf.constant(rng.random((2, 12, 18, 3)).astype(np.float32))
    op = BicubicDownsample(3)
    y = op.forward(x)
    np.testing.assert_allclose(y.numpy(), imresize(x, 1 / 3).numpy())
    x0 = op.initial_estimate(y)
    assert x0.shape == x.shape
    np.testing.assert_allclose(x0.numpy(), imresize(y, 3).numpy())
    # HR not divisible by the scale: initial estimate goes back to the given HR size.
    odd = BicubicDownsample(3, hr_size=(11, 17))
    assert odd.initial_estimate(odd.forward(x[:, :11, :17])).shape == (2, 11, 17, 3)


# ---------------------------------------------------------------------------------------
# Noise and quantisation.

def test_gaussian_noise_per_sample_sigma():
    like = tf.zeros((3, 64, 64, 1))
    sigma = tf.constant([0.0, 0.1, 0.5])
    n = gaussian_noise(like, sigma, SEED).numpy()
    assert n[0].std() == 0.0
    np.testing.assert_allclose(n[1:].reshape(2, -1).std(1), [0.1, 0.5], rtol=0.05)
    np.testing.assert_array_equal(add_gaussian_noise(like, sigma, SEED).numpy(), n)


def test_complex_noise_has_sigma_on_each_part():
    n = gaussian_noise(tf.zeros((2, 5000), tf.complex64), 2.0, SEED).numpy()
    assert abs(n.real.std() - 2.0) < 0.05 and abs(n.imag.std() - 2.0) < 0.05
    assert abs(np.corrcoef(n.real.ravel(), n.imag.ravel())[0, 1]) < 0.03


def test_quantize_8bit():
    y = tf.constant([-0.3, 0.0, 0.5 / 255, 0.49 / 255, 100.5 / 255, 0.999, 1.7])
    q = quantize_8bit(y).numpy() * 255
    np.testing.assert_allclose(q, [0, 0, 1, 0, 101, 255, 255], atol=1e-4)
    assert quantization_noise_std() == pytest.approx(1 / (255 * np.sqrt(12)))


# ---------------------------------------------------------------------------------------
# Bad input.

def test_bad_arguments():
    with pytest.raises(ValueError, match="num_measurements"):
        sample_matrix("gaussian", 2, 61, SHAPE, SEED)
    with pytest.raises(ValueError, match="num_measurements"):
        sample_fourier_rows(2, 0, SHAPE, SEED)
    with pytest.raises(ValueError, match="ensemble"):
        sample_matrix("poisson", 2, 5, SHAPE, SEED)
    for fraction in (1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="fraction"):
            random_pixel_mask(2, 4, 4, fraction, SEED)
    with pytest.raises(ValueError, match="scale"):
        BicubicDownsample(0)
    with pytest.raises(ValueError, match="hr_size"):
        BicubicDownsample(2.5)
    with pytest.raises(ValueError, match="seed"):
        split_seed(tf.constant([1, 2, 3]), 2)
    with pytest.raises(ValueError, match="matrix"):
        MatrixProjection(tf.zeros((2, 3, 7)), SHAPE)


# ---------------------------------------------------------------------------------------
# The projections' start (x_0): A^T y, or the minimum-norm A^T y / n.

def test_fourier_min_norm_start_is_the_real_zero_filled_inverse_dft(rng):
    x = _images(rng, batch=2)  # two channels: a row is one channel's coefficient
    rows = sample_fourier_rows(2, 25, SHAPE, SEED)
    op = FourierProjection(rows, SHAPE, start="min_norm")
    spectrum = np.fft.fft2(x.numpy(), axes=(1, 2)).reshape(2, -1)
    kept = np.zeros_like(spectrum)
    np.put_along_axis(kept, rows.numpy(), np.take_along_axis(spectrum, rows.numpy(), axis=1), axis=1)
    zero_filled = np.fft.ifft2(kept.reshape((2,) + SHAPE), axes=(1, 2)).real
    np.testing.assert_allclose(op.initial_estimate(op.forward(x)).numpy(), zero_filled, atol=1e-5)


@pytest.mark.parametrize("ensemble", ["gaussian", "binary"])
def test_matrix_min_norm_start_is_near_the_pseudo_inverse_solution(rng, ensemble):
    shape = (16, 16, 1)
    x = _images(rng, batch=2, shape=shape)
    matrix = sample_matrix(ensemble, 2, 64, shape, SEED)
    op = MatrixProjection(matrix, shape, start="min_norm")
    ours = op.initial_estimate(op.forward(x)).numpy().reshape(2, -1)
    for b in range(2):
        a = matrix.numpy()[b].astype(np.float64)
        pinv = np.linalg.pinv(a) @ (a @ x.numpy()[b].reshape(-1))
        # A A^T = n I + O(sqrt(n)) off the diagonal: close, not equal
        assert np.linalg.norm(ours[b] - pinv) < 0.6 * np.linalg.norm(pinv)
    # the plain adjoint is ~n times larger; the default start is still it
    plain = MatrixProjection(matrix, shape)
    assert plain.start == "adjoint"
    np.testing.assert_allclose(plain.initial_estimate(op.forward(x)).numpy() / 256.0,
                               op.initial_estimate(op.forward(x)).numpy(), rtol=1e-5, atol=1e-6)


def test_unknown_start_is_refused():
    with pytest.raises(ValueError, match="unknown projection start 'pinv'"):
        FourierProjection(tf.zeros((1, 3), tf.int32), SHAPE, start="pinv")


@pytest.mark.parametrize("ensemble", ["gaussian", "binary", "fourier"])
def test_unbiased_start_averages_to_the_image(rng, ensemble):
    # E[A^T A] / m = I: over many draws of A the start averages to x (two channels for Fourier:
    # a row is one channel's coefficient)
    shape, batch, m = (4, 4, 2), 4000, 8
    x = tf.repeat(_images(rng, batch=1, shape=shape), batch, axis=0)
    if ensemble == "fourier":
        op = FourierProjection(sample_fourier_rows(batch, m, shape, SEED), shape, start="unbiased")
    else:
        op = MatrixProjection(sample_matrix(ensemble, batch, m, shape, SEED), shape, start="unbiased")
    mean = tf.reduce_mean(op.initial_estimate(op.forward(x)), axis=0).numpy()
    error = np.abs(mean - x.numpy()[0]).max()
    # sampling error ~0.1 of mean|x| at 4000 draws; a start shrunk by m/n = 1/4 would be off by ~0.75
    assert error < 0.3 * np.abs(x.numpy()[0]).mean(), error
    # min_norm is shrunk by m / n on the same draws
    op.start = "min_norm"
    shrunk = tf.reduce_mean(op.initial_estimate(op.forward(x)), axis=0).numpy()
    np.testing.assert_allclose(shrunk, mean * m / 32, rtol=1e-4, atol=1e-5)
