"""Core model tests: shapes, serialisation, the likelihood gradient, the ablations, learning."""
import numpy as np
import pytest
import tensorflow as tf
import keras

from rim_tf.physics.likelihood import GaussianLikelihood
from rim_tf.losses import per_step_mse, rim_loss
from rim_tf.models import (RIM, AtrousRIMCell, ConvGRU, RIMCell, build_atrous_rim, build_ffn,
                           build_gdn, build_rim)
from rim_tf.physics.base import LinearOperator

TINY = dict(hidden_features=4, gru_features=6)


def randomized(model):
    """The output conv starts at zero (the untrained RIM is the identity iteration); give
    it random weights so that tests of what flows through the cell can see a difference."""
    out = model.cell.out
    out.kernel.assign(tf.random.normal(out.kernel.shape, stddev=0.3, seed=123))
    return model


BUILDERS = {
    "rim": lambda c, **kw: randomized(build_rim(c, **TINY, **kw)),
    "gdn": lambda c, **kw: randomized(build_gdn(c, **TINY, **kw)),
    "ffn": lambda c, **kw: randomized(build_ffn(c, **TINY, **kw)),
    "atrous": lambda c, **kw: randomized(build_atrous_rim(c, **TINY, **kw)),
}


class DenseOperator(LinearOperator):
    """A dense matrix acting on flattened images: y = M vec(x), per sample."""

    def __init__(self, matrix, image_shape):
        self.matrix = tf.convert_to_tensor(matrix, tf.float32)  # [B, m, n]
        self.image_shape = image_shape

    def forward(self, x):
        flat = tf.reshape(x, [tf.shape(x)[0], -1, 1])
        return tf.squeeze(self.matrix @ flat, -1)

    def adjoint(self, y):
        return tf.reshape(tf.linalg.matvec(self.matrix, y, transpose_a=True), [-1, *self.image_shape])


@pytest.mark.parametrize("kind", list(BUILDERS))
@pytest.mark.parametrize("channels,height,width", [(1, 16, 16), (3, 12, 20), (1, 15, 9), (3, 7, 13)])
def test_output_shapes(kind, channels, height, width):
    model = BUILDERS[kind](channels)
    y = tf.random.uniform([2, height, width, channels], seed=1)
    out = model(y, sigma=0.1, steps=3)
    assert out.shape == (3, 2, height, width, channels)
    assert np.all((out.numpy() > 0) & (out.numpy() < 1))


def test_paper_sizes():
    cell = build_rim(1).cell
    assert isinstance(cell, RIMCell)
    assert (cell.hidden_features, cell.gru_features, cell.kernel_size) == (64, 256, 3)
    assert cell.down.strides == (2, 2) and cell.up.strides == (2, 2)
    assert not cell.down.use_bias and not cell.up.use_bias
    # conv 3x3x2x64 + GRU(64->256) gates and candidate + deconv 3x3x256x64 + out 3x3x64x1 + bias
    gru = 9 * (64 + 256) * 512 + 512 + 9 * (64 + 256) * 256 + 256
    assert cell.count_params() == 9 * 2 * 64 + gru + 9 * 256 * 64 + 9 * 64 + 1


def test_untrained_rim_keeps_its_initial_estimate():
    model = build_rim(1, **TINY)
    y = tf.random.uniform([1, 9, 9, 1], 0.1, 0.9, seed=0)
    out = model(y, sigma=0.1, steps=5).numpy()
    np.testing.assert_allclose(out, np.broadcast_to(y.numpy(), out.shape), atol=1e-5)


def test_initial_estimate_is_the_operators_clipped_into_the_link():
    from rim_tf.physics import BicubicDownsample

    model = build_rim(1, **TINY)
    y = tf.constant([[[[0.0], [0.5]], [[1.0], [1.7]]]])
    np.testing.assert_allclose(model.initial_estimate(y).numpy()[0, ..., 0],
                               [[model.link_eps, 0.5], [1 - model.link_eps, 1 - model.link_eps]], rtol=1e-6)
    lr = tf.random.uniform([1, 6, 5, 1], 0.2, 0.8, seed=1)
    op = BicubicDownsample(2, hr_size=(12, 10))
    x0 = model.initial_estimate(lr, op)
    np.testing.assert_allclose(x0.numpy(), np.clip(op.initial_estimate(lr).numpy(), model.link_eps,
                                                   1 - model.link_eps), rtol=1e-6)
    # it is where the untrained iteration stays (see the test above)
    np.testing.assert_allclose(model(lr, operator=op, sigma=0.1, steps=2)[-1].numpy(), x0.numpy(), atol=1e-4)


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_keras_round_trip(kind, tmp_path):
    model = BUILDERS[kind](3)
    # move eps off its initial value so that the round trip has to restore it
    model.likelihood.phi_eps.assign(-3.0)
    y = tf.random.uniform([2, 11, 10, 3], seed=2)
    before = model(y, sigma=0.2, steps=4).numpy()
    path = tmp_path / f"{kind}.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.cell) is type(model.cell)
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded(y, sigma=0.2, steps=4).numpy(), before)


def test_layers_serialise_on_their_own():
    for layer in [ConvGRU(5, dilation_rate=2), RIMCell(1, **TINY, num_gru=2),
                  AtrousRIMCell(3, **TINY), GaussianLikelihood(initial_eps=0.01)]:
        clone = layer.__class__.from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()


def test_conv_gru_update_convention():
    """h' = u*h + (1-u)*c: with gates forced to u=1 the state is kept unchanged."""
    gru = ConvGRU(4)
    gru.build((None, None, None, 3))
    gru.gates.bias.assign(np.full(8, 50.0, np.float32))  # r = u = 1
    x = tf.random.normal([1, 5, 5, 3])
    h = tf.random.uniform([1, 5, 5, 4], -1, 1)
    np.testing.assert_allclose(gru(x, h).numpy(), h.numpy(), atol=1e-6)
    gru.gates.bias.assign(np.full(8, -50.0, np.float32))  # u = 0: h' = c, the candidate
    out = gru(x, h).numpy()
    assert np.all(np.abs(out) < 1) and not np.allclose(out, h.numpy())


def _log_lik_np(eta, y, matrix, sigma2):
    x = 1.0 / (1.0 + np.exp(-eta))
    r = y - matrix @ x.ravel()
    return -0.5 * np.sum(r**2) / sigma2


@pytest.mark.parametrize("use_matrix", [False, True])
def test_likelihood_gradient_matches_finite_differences(use_matrix):
    """gradient_eta equals the numerical gradient of log N(y; A sigmoid(eta), sigma^2+eps)."""
    rng = np.random.default_rng(3)
    shape = (4, 5, 1)
    n = int(np.prod(shape))
    matrix = rng.normal(size=(7, n)) / np.sqrt(n) if use_matrix else np.eye(n)
    eta = rng.normal(size=shape)
    y = rng.normal(size=matrix.shape[0])
    sigma = 0.3
    lik = GaussianLikelihood(initial_eps=0.05)
    sigma2 = sigma**2 + float(lik.eps.numpy())
    op = DenseOperator(matrix[None], shape) if use_matrix else None
    y_in = y[None] if use_matrix else y.reshape(1, *shape)
    grad = lik.gradient_eta(tf.constant(eta[None], tf.float32), tf.constant(y_in, tf.float32),
                            op, sigma).numpy()[0]
    numeric = np.zeros(n)
    h = 1e-6
    for i in range(n):
        e = np.zeros(n)
        e[i] = h
        numeric[i] = (_log_lik_np(eta + e.reshape(shape), y, matrix, sigma2)
                      - _log_lik_np(eta - e.reshape(shape), y, matrix, sigma2)) / (2 * h)
    np.testing.assert_allclose(grad.ravel(), numeric, rtol=1e-4, atol=1e-5)
    # and it is the gradient of the layer's own log_likelihood
    eta_t = tf.constant(eta[None], tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(eta_t)
        ll = lik.log_likelihood(tf.sigmoid(eta_t), tf.constant(y_in, tf.float32), op, sigma)
    np.testing.assert_allclose(tape.gradient(ll, eta_t).numpy()[0], grad, rtol=1e-4, atol=1e-6)


def test_eps_is_trainable_and_non_negative():
    model = BUILDERS["rim"](1)
    model.likelihood.phi_eps.assign(-40.0)
    assert 0.0 <= float(model.likelihood.eps) < 1e-12
    x = tf.random.uniform([2, 8, 8, 1], 0.2, 0.8, seed=4)
    y = x + 0.05 * tf.random.normal([2, 8, 8, 1], seed=5)
    model.likelihood.phi_eps.assign(-3.0)
    with tf.GradientTape() as tape:
        loss = rim_loss(model(y, sigma=0.05, steps=3), x)
    g = tape.gradient(loss, model.likelihood.phi_eps)
    assert g is not None and float(tf.abs(g)) > 0  # stop-gradient must not cut eps off


def test_stop_likelihood_gradient_flag_changes_backprop():
    x = tf.random.uniform([2, 8, 8, 1], 0.2, 0.8, seed=6)
    y = x + 0.1 * tf.random.normal([2, 8, 8, 1], seed=7)
    grads = {}
    for stop in (True, False):
        keras.utils.set_random_seed(0)
        model = BUILDERS["rim"](1, stop_likelihood_gradient=stop)
        with tf.GradientTape() as tape:
            loss = rim_loss(model(y, sigma=0.1, steps=3), x)
        grads[stop] = tape.gradient(loss, model.cell.trainable_variables)
    diff = max(float(tf.reduce_max(tf.abs(a - b))) for a, b in zip(grads[True], grads[False]))
    assert diff > 1e-6


def _first_update(model, level):
    """delta_0 = eta_1 - eta_0 for an observation equal to its own estimate (gradient 0)."""
    y = tf.fill([1, 8, 8, 1], level)
    x1 = model(y, sigma=0.1, steps=1)[0]
    logit = lambda p: np.log(p) - np.log1p(-p)
    return logit(x1.numpy().astype(np.float64)) - logit(np.float64(level))


def test_gdn_does_not_see_the_estimate():
    """Two observations with the same (zero) gradient but different estimates: the GDN
    must make the same first update, the RIM (which sees the estimate) must not."""
    keras.utils.set_random_seed(1)
    gdn = BUILDERS["gdn"](1)
    assert gdn.cell.input_channels == 1
    np.testing.assert_allclose(_first_update(gdn, 0.2), _first_update(gdn, 0.7), atol=1e-4)
    keras.utils.set_random_seed(1)
    rim = BUILDERS["rim"](1)
    assert np.abs(_first_update(rim, 0.2) - _first_update(rim, 0.7)).max() > 1e-3


def _stateless_gap(model):
    """|x_2 from two steps - x_2 from one step restarted at x_1|: 0 iff no state is carried."""
    y = tf.random.uniform([1, 10, 10, 1], 0.2, 0.8, seed=8)
    two = model(y, sigma=0.1, steps=2).numpy()
    restarted = model(y, sigma=0.1, x_init=two[0], steps=1).numpy()
    return np.abs(two[1] - restarted[0]).max()


def test_ffn_has_no_state():
    keras.utils.set_random_seed(2)
    ffn = BUILDERS["ffn"](1)
    assert ffn.cell.initial_state(tf.zeros([1, 8, 8, 1])) == []
    assert _stateless_gap(ffn) < 1e-4
    keras.utils.set_random_seed(2)
    assert _stateless_gap(BUILDERS["rim"](1)) > 1e-3  # the RIM does carry state


def _smooth_images(n, size, seed):
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0.15, 0.85, size=(n, 4, 4, 1)).astype(np.float32)
    return tf.image.resize(coarse, [size, size], method="bicubic").numpy().clip(0.05, 0.95)


def test_tiny_rim_overfits_a_denoising_batch():
    keras.utils.set_random_seed(3)
    x = tf.constant(_smooth_images(8, 16, 0))
    sigma = 0.1
    y = x + sigma * tf.random.normal(x.shape, seed=9)
    noisy_mse = float(tf.reduce_mean(tf.square(y - x)))
    model = build_rim(1, hidden_features=8, gru_features=16)
    opt = keras.optimizers.Adam(1e-2, global_clipnorm=5.0)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = rim_loss(model(y, sigma=sigma, steps=20), x)
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    for _ in range(150):
        step()
    final = float(per_step_mse(model(y, sigma=sigma, steps=20), x)[-1])
    assert final < 0.25 * noisy_mse, (final, noisy_mse)


def test_loss_is_mean_over_steps():
    est = tf.random.uniform([4, 2, 3, 3, 1], seed=10)
    x = tf.random.uniform([2, 3, 3, 1], seed=11)
    per = [np.mean((est.numpy()[t] - x.numpy()) ** 2) for t in range(4)]
    np.testing.assert_allclose(rim_loss(est, x).numpy(), np.mean(per), rtol=1e-6)
    np.testing.assert_allclose(rim_loss(est, x, weights=[0, 0, 0, 1]).numpy(), per[-1], rtol=1e-6)
    with pytest.raises(ValueError, match="T, B, H, W, C"):
        rim_loss(est[0], x)


def test_clear_errors():
    model = build_rim(1, **TINY)
    with pytest.raises(ValueError, match="1-channel images.*3 channels"):
        model(tf.zeros([1, 8, 8, 3]), sigma=0.1, steps=1)
    with pytest.raises(ValueError, match="rank 4"):
        model(tf.zeros([8, 8]), sigma=0.1, steps=1)
    with pytest.raises(ValueError, match="sigma"):
        model(tf.zeros([1, 8, 8, 1]), sigma=0.0, steps=1)
    with pytest.raises(ValueError, match="sigma"):
        model(tf.zeros([2, 8, 8, 1]), sigma=[0.1, -1.0], steps=1)
    with pytest.raises(ValueError, match="NaN"):
        model(tf.fill([1, 8, 8, 1], float("nan")), sigma=0.1, steps=1)
    with pytest.raises(ValueError, match="steps"):
        model(tf.zeros([1, 8, 8, 1]), sigma=0.1, steps=0)
    with pytest.raises(ValueError, match="feeds 2 channels"):
        RIM(RIMCell(1, input_channels=1, **TINY))
    with pytest.raises(ValueError, match="gru_features"):
        RIMCell(1, gru_features=0)


def test_errors_inside_a_graph():
    model = build_rim(1, **TINY)
    run = tf.function(lambda y, s: model(y, sigma=s, steps=1))
    with pytest.raises(tf.errors.InvalidArgumentError, match="NaN"):
        run(tf.fill([1, 8, 8, 1], float("nan")), tf.constant(0.1))
    with pytest.raises(tf.errors.InvalidArgumentError, match="sigma"):
        run(tf.zeros([1, 8, 8, 1]), tf.constant(-0.1))


def test_plain_tf_twin_computes_the_same_function():
    """The benchmark's plain-TF baseline must be the same network, or the timing is moot."""
    from rim_tf.benchmark import PlainRIM, rim_cell_flops

    model = BUILDERS["rim"](1)
    y = tf.random.uniform([2, 10, 12, 1], 0.1, 0.9, seed=12)  # even sizes: PlainRIM does not pad
    np.testing.assert_allclose(PlainRIM(model)(y, 0.1, 3).numpy(), model(y, sigma=0.1, steps=3).numpy(),
                               atol=1e-5)
    paper = build_rim(1).cell
    # conv + 2 GRU convs at 16x16, transposed conv scattering 16x16, output conv at 32x32
    macs = 9 * 2 * 64 * 256 + 9 * 320 * 768 * 256 + 9 * 256 * 64 * 256 + 9 * 64 * 1024
    assert rim_cell_flops(paper, 32, 32) == 2 * macs


@pytest.mark.parametrize("kind", ["rim", "atrous"])
def test_mixed_precision_keeps_state_and_likelihood_in_float32(kind):
    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
    try:
        model = BUILDERS[kind](1)
        y = tf.random.uniform([2, 9, 9, 1], seed=13)
        states = model.cell.initial_state(y)
        assert all(s.dtype == tf.float32 for s in states)
        assert model.likelihood.compute_dtype == "float32"
        assert model.cell.out.compute_dtype == "bfloat16"
        with tf.GradientTape() as tape:
            out = model(y, sigma=0.1, steps=2)
            loss = rim_loss(out, y)
        assert out.dtype == tf.float32
        grads = tape.gradient(loss, model.trainable_variables)
        assert all(g is not None and g.dtype == tf.float32 for g in grads)
    finally:
        keras.mixed_precision.set_dtype_policy(previous)


@pytest.mark.parametrize("kind", ["rim", "gdn", "ffn"])
def test_odd_sizes_keep_the_sampling_grid_of_even_training_patches(kind):
    """A strided RIM trained on even patches must see an odd image on the same stride-2
    grid: away from the bottom/right border, one step on a 23x23 image equals one step on
    the same image extended to 24x24 (a shifted grid makes them differ everywhere)."""
    model = BUILDERS[kind](1)
    big = tf.random.uniform([1, 24, 24, 1], 0.1, 0.9, seed=14)
    odd = big[:, :23, :23, :]
    a = model(odd, sigma=0.1, steps=1).numpy()[0, 0, :12, :12]
    b = model(big, sigma=0.1, steps=1).numpy()[0, 0, :12, :12]
    np.testing.assert_allclose(a, b, atol=1e-6)
