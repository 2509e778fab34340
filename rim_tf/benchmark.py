"""Throughput measurement of RIM training, and a plain-TensorFlow twin to compare against.

Used by ``scripts/benchmark.py``. The question it answers: how many training patches per
second does the RIM process, how close is that to the machine's float32 matmul rate
(model-FLOP utilisation), and does the Keras structure cost anything compared with the
same network written as bare ``tf.Variable`` s and ``tf.nn`` ops.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from rim_tf.losses import rim_loss
from rim_tf.models.cells import RIMCell
from rim_tf.models.rim import RIM
from rim_tf.precision import resolve_precision


def matmul_gflops(n: int = 2048, repeats: int = 10, dtype: str = "float32") -> float:
    """Measured matmul rate of this machine in GFLOP/s (``n x n`` products in ``dtype``)."""
    a = tf.cast(tf.random.normal([n, n]), dtype)
    b = tf.cast(tf.random.normal([n, n]), dtype)
    mm = tf.function(lambda a, b: tf.reduce_sum(tf.cast(a @ b, tf.float32)))
    mm(a, b).numpy()  # warm up
    start = time.perf_counter()
    for _ in range(repeats):
        mm(a, b).numpy()
    seconds = time.perf_counter() - start
    return 2.0 * n**3 * repeats / seconds / 1e9


def _conv_macs(layer, out_hw, in_hw) -> int:
    kernel = int(np.prod(layer.kernel.shape))
    if isinstance(layer, keras.layers.Conv2DTranspose):
        return kernel * int(np.prod(in_hw))  # each input pixel scatters the whole kernel
    return kernel * int(np.prod(out_hw))


def rim_cell_flops(cell: RIMCell, height: int, width: int) -> float:
    """Forward FLOPs (2 per multiply-add) of one step of a :class:`RIMCell` on one image."""
    half = ((height + 1) // 2, (width + 1) // 2)
    full = (height, width)
    macs = _conv_macs(cell.down, half, full)
    if cell.recurrent:
        for gru in cell.grus:
            macs += _conv_macs(gru.gates, half, half) + _conv_macs(gru.candidate, half, half)
    else:
        macs += sum(_conv_macs(layer, half, half) for layer in cell.hidden)
    macs += _conv_macs(cell.up, (2 * half[0], 2 * half[1]), half)
    macs += _conv_macs(cell.out, full, full)
    return 2.0 * macs


def training_flops_per_patch(cell: RIMCell, size: int, steps: int) -> float:
    """Model FLOPs of one training patch: forward + backward ~ 3x the forward pass."""
    return 3.0 * steps * rim_cell_flops(cell, size, size)


@dataclass
class Throughput:
    patches_per_s: float
    seconds_per_iteration: float
    compile_seconds: float
    loss: float


def _time_train_step(step, iterations: int, batch_size: int) -> Throughput:
    start = time.perf_counter()
    loss = float(step())
    compile_seconds = time.perf_counter() - start
    step()  # one more warm iteration
    start = time.perf_counter()
    for _ in range(iterations):
        loss = step()
    float(loss)
    seconds = (time.perf_counter() - start) / iterations
    return Throughput(batch_size / seconds, seconds, compile_seconds, float(loss))


def _denoising_batch(batch_size: int, size: int, channels: int, sigma: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.1, 0.9, size=(batch_size, size, size, channels)).astype(np.float32)
    y = x + sigma * rng.normal(size=x.shape).astype(np.float32)
    return tf.constant(x), tf.constant(y)


def _train_throughput(forward, variables, channels, batch_size, size, sigma, iterations,
                      jit_compile) -> Throughput:
    """Patches/s of Adam (global-norm clipping) on the eq. 8 loss of ``forward(y)``."""
    x, y = _denoising_batch(batch_size, size, channels, sigma)
    optimizer = keras.optimizers.Adam(1e-4, global_clipnorm=5.0)

    @tf.function(jit_compile=jit_compile)
    def step():
        with tf.GradientTape() as tape:
            loss = rim_loss(forward(y), x)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    return _time_train_step(step, iterations, batch_size)


def keras_rim_throughput(model: RIM, batch_size=32, size=32, steps=20, sigma=0.1,
                         iterations=3, jit_compile=False) -> Throughput:
    """Training patches/s of a :class:`RIM`."""
    return _train_throughput(lambda y: model(y, sigma=sigma, steps=steps), model.trainable_variables,
                             model.channels, batch_size, size, sigma, iterations, jit_compile)


class PlainRIM(tf.Module):
    """The same network as a one-GRU :class:`RIMCell` RIM, in bare TensorFlow.

    Built from a Keras model's weights, so both compute the same function on even-sized
    images (it leaves out the odd-size padding); it exists only so that the benchmark can
    show what the Keras structure costs (nothing, we hope).
    """

    def __init__(self, model: RIM):
        super().__init__()
        cell = model.cell
        if not isinstance(cell, RIMCell) or not cell.recurrent or cell.num_gru != 1:
            raise ValueError("PlainRIM mirrors a RIMCell with one ConvGRU")
        gru = cell.grus[0]
        copy = lambda v: tf.Variable(tf.identity(v))  # noqa: E731
        self.w_down = copy(cell.down.kernel)
        self.w_gates, self.b_gates = copy(gru.gates.kernel), copy(gru.gates.bias)
        self.w_cand, self.b_cand = copy(gru.candidate.kernel), copy(gru.candidate.bias)
        self.w_up = copy(cell.up.kernel)
        self.w_out, self.b_out = copy(cell.out.kernel), copy(cell.out.bias)
        self.phi_eps = copy(model.likelihood.phi_eps)
        self.features = gru.filters
        self.hidden = cell.hidden_features
        self.link_eps = model.link_eps

    def __call__(self, y, sigma, steps):
        conv = lambda x, w: tf.nn.conv2d(x, w, 1, "SAME")  # noqa: E731
        b, h, w = tf.shape(y)[0], tf.shape(y)[1], tf.shape(y)[2]
        x0 = tf.clip_by_value(y, self.link_eps, 1 - self.link_eps)
        eta = tf.math.log(x0) - tf.math.log1p(-x0)
        state = tf.zeros([b, (h + 1) // 2, (w + 1) // 2, self.features])
        var = sigma**2 + tf.nn.softplus(self.phi_eps)
        out = []
        for _ in range(steps):
            x = tf.sigmoid(eta)
            xs = tf.stop_gradient(x)
            grad = xs * (1 - xs) * (y - xs) / var
            a = tf.tanh(tf.nn.conv2d(tf.concat([x, grad], -1), self.w_down, 2, "SAME"))
            r, u = tf.split(tf.sigmoid(conv(tf.concat([a, state], -1), self.w_gates) + self.b_gates), 2, -1)
            c = tf.tanh(conv(tf.concat([a, r * state], -1), self.w_cand) + self.b_cand)
            state = u * state + (1 - u) * c
            s = tf.shape(state)
            up = tf.nn.conv2d_transpose(state, self.w_up, [b, 2 * s[1], 2 * s[2], self.hidden], 2, "SAME")
            up = tf.tanh(up[:, :h, :w, :])
            eta = eta + conv(up, self.w_out) + self.b_out
            out.append(tf.sigmoid(eta))
        return tf.stack(out)


def plain_rim_throughput(model: RIM, batch_size=32, size=32, steps=20, sigma=0.1,
                         iterations=3, jit_compile=False) -> Throughput:
    """Training patches/s of :class:`PlainRIM` with the same optimiser and loss."""
    plain = PlainRIM(model)
    return _train_throughput(lambda y: plain(y, sigma, steps), plain.trainable_variables,
                             model.channels, batch_size, size, sigma, iterations, jit_compile)


def _with_policy(precision: str, build):
    """``build()`` under a Keras dtype policy (restored afterwards)."""
    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy(precision)
    try:
        return build()
    finally:
        keras.mixed_precision.set_dtype_policy(previous)


def step_vs_trainer(config, data_dir=None, step_iterations: int = 20, trainer_iterations: int = 600,
                    workdir=None) -> dict:
    """The bare training step against the real :class:`Trainer` loop, at one config.

    The bare step is :func:`keras_rim_throughput` on one fixed batch (the model built as the
    config describes, in its precision). The trainer figure is a real run of
    ``trainer_iterations`` iterations on BSDS300 with the config's validation and checkpoint
    intervals: data, logging, validation and checkpoints amortised, the first (tracing)
    iteration left out. The bare step is timed before and after the run and the two averaged,
    so that a drift of the machine's speed during the run (seen: +-5% between minutes on this
    project's 2-core machines) does not pass for the trainer's overhead. Returns both rates
    (patches/s) and their ratio, and ``in_run_ratio``: the trainer's rate over the rate of its
    own step calls in the same run (``Trainer.session_throughput["step_share"]``), which no
    drift distorts.
    """
    import tempfile

    from rim_tf.training.experiments import build_model
    from rim_tf.training.trainer import Trainer

    precision = resolve_precision(config.precision)
    model = _with_policy(precision, lambda: build_model(config))
    def bare() -> float:
        return keras_rim_throughput(model, batch_size=config.batch_size, size=config.patch_size,
                                    steps=config.steps, iterations=step_iterations).patches_per_s

    before = bare()
    run_config = dataclasses.replace(config, max_iterations=trainer_iterations, max_minutes=None)
    with tempfile.TemporaryDirectory(dir=workdir) as out:
        trainer = Trainer(run_config, out, data_dir=data_dir, progress=False, plot_curve=False)
        trainer.train()
        loop = trainer.session_throughput
    after = bare()
    step = (before + after) / 2
    return {"precision": precision, "step_patches_per_s": round(step, 2),
            "step_before_after": [round(before, 2), round(after, 2)],
            "trainer_patches_per_s": loop["patches_per_s"],
            "ratio": round(loop["patches_per_s"] / step, 3),
            # the same ratio measured inside the run: trainer rate / rate of its own step calls
            "in_run_step_patches_per_s": loop.get("step_patches_per_s"),
            "in_run_ratio": loop.get("step_share"),
            "trainer_iterations": trainer_iterations, "val_every": config.val_every,
            "val_patches": config.val_patches, "checkpoint_every": config.checkpoint_every}
