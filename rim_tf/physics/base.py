"""The interfaces every forward model of the paper implements: the operator and its task.

The RIM only learns about its task through the likelihood gradient of eq. 9,
``A^T (y - A x) / (sigma^2 + eps)``; so a forward model is just a pair of linear maps,
``forward`` (``A``) and ``adjoint`` (``A^T``), on batched NHWC images
(:class:`LinearOperator`). Training it needs observations too: a :class:`Degradation`
turns a clean batch into ``(x, y, sigma)`` and the operator that made ``y``.
"""
from __future__ import annotations

from typing import Dict, Tuple

import tensorflow as tf


class LinearOperator:
    """A linear forward model ``y = A x`` acting on a batch of NHWC images.

    Subclasses implement :meth:`forward` and :meth:`adjoint`; both are
    differentiable TensorFlow functions, and must be constructible inside a
    ``tf.function`` from tensors (no eager-only state).
    """

    def forward(self, x: tf.Tensor) -> tf.Tensor:
        """``A x``: images ``[B, H, W, C]`` to measurements."""
        raise NotImplementedError

    def adjoint(self, y: tf.Tensor) -> tf.Tensor:
        """``A^T y``: measurements back to images ``[B, H, W, C]`` (real)."""
        raise NotImplementedError

    def initial_estimate(self, y: tf.Tensor) -> tf.Tensor:
        """A first guess of ``x`` from ``y`` that the RIM starts from (eta_0).

        The adjoint by default; operators with a better cheap inverse
        (bicubic up-sampling for super-resolution) override it.
        """
        return self.adjoint(y)


class Identity(LinearOperator):
    """``A = I``: the forward model of denoising."""

    def forward(self, x):
        return tf.convert_to_tensor(x)

    def adjoint(self, y):
        return tf.convert_to_tensor(y)


# --------------------------------------------------------------------------- training tasks
def check_batch(x) -> tf.Tensor:
    """A clean batch ``[B, H, W, C]`` as float32, else ``ValueError``."""
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    if x.shape.rank != 4:
        raise ValueError(f"a degradation expects a clean batch [B, H, W, C], got shape {x.shape}")
    return x


def static_image_shape(x: tf.Tensor) -> Tuple[int, int, int]:
    """``(H, W, C)`` of a batch, which a task needs to know when its graph is built."""
    shape = tuple(x.shape[1:])
    if any(s is None for s in shape):
        raise ValueError(f"this degradation needs static H, W, C; got {x.shape}")
    return shape


def fill_sigma(x: tf.Tensor, sigma: float) -> tf.Tensor:
    """One ``sigma`` per sample of the batch ``x``: ``[B]`` float32."""
    return tf.fill([tf.shape(x)[0]], tf.constant(sigma, tf.float32))


def sample_sigma(x: tf.Tensor, sigma_range: Tuple[float, float], seed) -> tf.Tensor:
    """One ``sigma`` per sample of ``x``, uniform in ``sigma_range = (lo, hi)``: ``[B]`` float32.

    ``lo == hi`` is a fixed level (no random numbers are drawn, ``seed`` is unused), so a
    task with a fixed noise level makes the same observations as before ranges existed."""
    lo, hi = sigma_range
    if lo == hi:
        return fill_sigma(x, lo)
    return tf.random.stateless_uniform([tf.shape(x)[0]], seed, minval=lo, maxval=hi)


class Degradation:
    """A training task: a forward model plus how its observations are made.

    The protocol (every task of :mod:`rim_tf.physics.tasks`):

    * ``task(x, seed) -> dict`` takes a clean batch ``[B, H, W, C]`` float32 in ``[0, 1]``
      and a ``[2]`` integer seed and returns ``{"x": target, "y": observation,
      "sigma": [B] float32 (the likelihood's noise std, eq. 9), "task_id": int32 scalar}``
      plus the tensors the forward model needs (``"matrix"``, ``"rows"``, ``"mask"``). It is
      pure TensorFlow with stateless randomness, so it runs inside ``tf.data.Dataset.map``
      and is a deterministic function of ``(x, seed)``.
    * ``task.operator(example) -> LinearOperator`` rebuilds the forward model from such a
      dict (also inside ``tf.function``).
    * ``task.describe() -> dict`` is a plain, JSON-ready description whose keys besides
      ``name`` and ``task_id`` are the constructor's arguments (:meth:`from_description`).

    ``variant`` tells apart the settings of one registered task that train side by side
    (the projection ensembles, the super-resolution scales); :attr:`task_id` is derived from
    it by the registry's one rule (:func:`rim_tf.physics.tasks.task_id`).
    """

    name: str = "degradation"
    variant: int = 0

    @property
    def task_id(self) -> int:
        from rim_tf.physics.tasks import task_id  # the registry imports the tasks

        return task_id(self)

    @property
    def label(self) -> str:
        """A short name for tables and plots (e.g. ``"gaussian m=512"``)."""
        return self.name

    def __call__(self, x, seed) -> Dict[str, tf.Tensor]:
        raise NotImplementedError

    def operator(self, example: Dict[str, tf.Tensor]) -> LinearOperator:
        raise NotImplementedError

    def describe(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_description(cls, description: dict) -> "Degradation":
        """The task :meth:`describe` described."""
        params = {k: v for k, v in description.items() if k not in ("name", "task_id")}
        try:
            return cls(**params)
        except TypeError as err:
            raise ValueError(f"cannot rebuild a {cls.__name__} from {description!r}: {err}") from None

    def _example(self, x, y, sigma, **extra) -> Dict[str, tf.Tensor]:
        example = {"x": x, "y": y, "sigma": sigma,
                   "task_id": tf.constant(self.task_id, tf.int32)}
        example.update(extra)
        return example
