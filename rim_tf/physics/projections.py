"""Random projections of image patches (section 3.1): ``y = A x + n``, ``A`` is ``m x n``.

Three ensembles, each drawn afresh for every sample of a batch from a stateless seed:

* ``"gaussian"``: entries i.i.d. standard normal;
* ``"binary"``: entries i.i.d. Bernoulli(p = 0.5) on ``{-1, +1}`` (docs/paper.md, from the
  conference version);
* ``"fourier"``: ``m`` distinct rows of the 2-D discrete Fourier transform, chosen
  uniformly at random (the paper's "deconvolution" task). Measurements are complex; the
  adjoint maps back to real images, ``A^T y := Re(A^H y)``, which is the adjoint for the
  real inner product ``Re <u, v>`` on the measurements. No matrix is built: ``A x`` is
  ``tf.signal.fft2d`` followed by a gather of the chosen frequencies, ``A^T y`` a scatter
  followed by ``tf.signal.ifft2d``.

Scaling. Every ensemble has entries of unit second moment: Gaussian ``N(0, 1)``, binary
``+-1``, and Fourier ``exp(-2 pi i k.r / N)`` -- the *unnormalised* DFT, i.e.
``sqrt(H W)`` times the orthonormal one, which is exactly what ``tf.signal.fft2d``
computes. Each measurement ``a_i . x`` then has ``E|a_i . x|^2 = ||x||^2`` in all three
ensembles (for Fourier, on average over rows, by Parseval), so one noise level means
the same signal-to-noise ratio for every ensemble. With the conference version's
measurement noise ``sigma = 1`` and a 32x32 patch of mean intensity ~0.5
(``||x||^2 ~ 256``) a single measurement has SNR ~24 dB: noisy but informative. Scaling
rows to unit norm (or the orthonormal DFT) would make the same ``sigma = 1`` swamp the
signal (SNR ~ -6 dB), so that reading of the conference text is taken to be the unscaled one.

Start. The RIM starts from the operator's ``initial_estimate`` (eta_0, section 2). Three are
offered (:data:`STARTS`), chosen per task and recorded in a model's training config
(``projection_start``; not given in the paper, see ``PAPER_UNKNOWNS``):

* ``"adjoint"``: ``A^T y``. With unit-second-moment entries its values are ``~m`` times the
  image's (hundreds), so ~all of ``x_0`` is clipped to the sigmoid's range (about 5 dB).
  The first 4,000-patch 3task, GDN and FFN models (since replaced) were trained from it.
* ``"min_norm"``: ``A^T y / n``, ``n`` the squared norm of a row (``H W C`` for the matrices,
  ``H W`` for Fourier, whose row is one channel's coefficient; the number of pixels for gray
  patches either way). For the Gaussian and binary ensembles it is the minimum-norm solution
  ``A^T (A A^T)^{-1} y`` up to their ``A A^T ~ n I``; for Fourier it is exactly the real part
  of the zero-filled inverse DFT, the usual start of compressed sensing. A blurred,
  noisy image in pixel units (10-17 dB at m/n 0.25-0.5 on 32x32 patches), like the noisy
  image a denoising RIM starts from (``reference_results/ours/3task-diagnosis/``). But it is
  *shrunk*: ``E[A^T A] / n = (m / n) I``, so its intensities are ~m/n of the image's, and a
  cell trained from it learns to brighten its start -- which ruins a denoising start.
* ``"unbiased"``: ``A^T y / m`` (for ``C`` channels of Fourier rows ``A^T y C / m``): the
  back-projection scaled so that ``E[x_0] = x`` for all three ensembles
  (``E[A^T A] = m I``; ``m C / n`` times ``H W I`` for Fourier). Noisier than ``min_norm``
  at m < n, but in the image's own intensities; for ``A = I`` (denoising, ``m = n``) it, like
  ``min_norm``, is the observation itself.

Images are batched ``[B, H, W, C]`` and flattened in that (row-major ``H, W, C``) order,
``n = H * W * C``; Fourier rows index the same flattened grid of per-channel spectra.

:class:`RandomProjection` is the training task (RIM-3task, section 3.1).
"""
from __future__ import annotations

from typing import Sequence, Tuple

import tensorflow as tf

from rim_tf.physics.base import (Degradation, LinearOperator, check_batch, fill_sigma, sample_sigma,
                                 static_image_shape)
from rim_tf.physics.noise import add_gaussian_noise, split_seed
from rim_tf.physics.sigma import check_sigma_or_range

ENSEMBLES = ("gaussian", "binary", "fourier")
STARTS = ("adjoint", "min_norm", "unbiased")


def check_image_shape(image_shape: Sequence[int]) -> Tuple[int, int, int]:
    """``(H, W, C)`` as positive Python ints."""
    if len(image_shape) != 3 or any(s is None or int(s) < 1 for s in image_shape):
        raise ValueError(f"image_shape must be (height, width, channels) > 0, got {image_shape!r}")
    return tuple(int(s) for s in image_shape)


def check_num_measurements(num_measurements: int, image_shape: Sequence[int]) -> int:
    """``1 <= m <= H * W * C``: a projection cannot take more measurements than pixels."""
    n = 1
    for s in check_image_shape(image_shape):
        n *= s
    m = int(num_measurements)
    if m != num_measurements or not 1 <= m <= n:
        raise ValueError(
            f"num_measurements must be an integer in [1, {n}] for patches of shape "
            f"{tuple(image_shape)}, got {num_measurements}")
    return m


def check_ensemble(ensemble: str) -> str:
    if ensemble not in ENSEMBLES:
        raise ValueError(f"unknown ensemble {ensemble!r}; expected one of {ENSEMBLES}")
    return ensemble


def check_start(start: str) -> str:
    if start not in STARTS:
        raise ValueError(f"unknown projection start {start!r}; expected one of {STARTS}")
    return start


class _Projection(LinearOperator):
    """What the two projections share: the image shape and the start (module docstring)."""

    def __init__(self, image_shape: Sequence[int], start: str):
        self.image_shape = check_image_shape(image_shape)
        self.start = check_start(start)

    @property
    def pixels(self) -> int:
        h, w, c = self.image_shape
        return h * w * c

    @property
    def row_energy(self) -> int:
        """The squared norm of a row of ``A`` (its expectation, for the random matrices)."""
        raise NotImplementedError

    def initial_estimate(self, y):
        """``A^T y`` (``start="adjoint"``), ``A^T y / n``, ~minimum-norm (``"min_norm"``; ``n`` is
        :attr:`row_energy`, ``A A^T ~ n I``) or ``A^T y / m`` with ``E[x_0] = x`` (``"unbiased"``;
        ``m n_row / n_pixels`` in general, :meth:`_gram_scale`)."""
        x = self.adjoint(y)
        if self.start == "min_norm":
            return x / float(self.row_energy)
        if self.start == "unbiased":
            return x / self._gram_scale(y)
        return x

    def _gram_scale(self, y):
        """``E[A^T A] = s I``: ``s = m * row_energy / pixels`` (``m`` from the measurements)."""
        m = tf.cast(tf.shape(y)[-1], tf.float32)
        return m * float(self.row_energy) / float(self.pixels)


def sample_matrix(ensemble: str, batch, num_measurements: int, image_shape, seed) -> tf.Tensor:
    """A fresh ``[batch, m, n]`` float32 Gaussian or binary measurement matrix per sample."""
    check_ensemble(ensemble)
    m = check_num_measurements(num_measurements, image_shape)
    h, w, c = check_image_shape(image_shape)
    shape = tf.stack([tf.cast(batch, tf.int32), m, h * w * c])
    if ensemble == "gaussian":
        return tf.random.stateless_normal(shape, seed)
    if ensemble == "binary":
        bits = tf.random.stateless_uniform(shape, seed) < 0.5
        return tf.where(bits, 1.0, -1.0)
    raise ValueError("the Fourier ensemble has no dense matrix; use sample_fourier_rows")


def sample_fourier_rows(batch, num_measurements: int, image_shape, seed) -> tf.Tensor:
    """``[batch, m]`` int32: per sample, ``m`` distinct DFT rows out of ``H * W * C``."""
    m = check_num_measurements(num_measurements, image_shape)
    h, w, c = check_image_shape(image_shape)
    scores = tf.random.stateless_uniform(tf.stack([tf.cast(batch, tf.int32), h * w * c]), seed)
    return tf.math.top_k(scores, k=m, sorted=False).indices


class MatrixProjection(_Projection):
    """``y = A x`` with an explicit per-sample matrix ``A`` of shape ``[B, m, H*W*C]``.

    Serves the Gaussian and the binary ensembles; measurements are ``[B, m]``.
    ``start``: the initial estimate, one of :data:`STARTS` (module docstring).
    """

    def __init__(self, matrix, image_shape: Sequence[int], start: str = "adjoint"):
        super().__init__(image_shape, start)
        self.matrix = tf.convert_to_tensor(matrix, dtype=tf.float32)
        n = self.pixels
        if self.matrix.shape.rank != 3 or self.matrix.shape[-1] not in (None, n):
            raise ValueError(f"matrix must be [B, m, {n}] for images {self.image_shape}, "
                             f"got {self.matrix.shape}")

    @property
    def row_energy(self) -> int:
        return self.pixels  # H W C entries of unit second moment

    def forward(self, x):
        x = tf.convert_to_tensor(x)
        flat = tf.reshape(x, [tf.shape(x)[0], -1])
        return tf.einsum("bmn,bn->bm", self.matrix, flat)

    def adjoint(self, y):
        flat = tf.einsum("bmn,bm->bn", self.matrix, tf.convert_to_tensor(y))
        return tf.reshape(flat, (-1,) + self.image_shape)


class FourierProjection(_Projection):
    """``y = (F x)[rows]``: chosen coefficients of the unnormalised 2-D DFT of each channel.

    ``rows`` is ``[B, m]`` int32 indices into the flattened ``[H, W, C]`` spectrum;
    measurements are complex64 ``[B, m]``; the adjoint returns real float32 images.
    ``start``: the initial estimate, one of :data:`STARTS` (module docstring).
    """

    def __init__(self, rows, image_shape: Sequence[int], start: str = "adjoint"):
        super().__init__(image_shape, start)
        self.rows = tf.convert_to_tensor(rows, dtype=tf.int32)
        if self.rows.shape.rank != 2:
            raise ValueError(f"rows must be [B, m], got {self.rows.shape}")

    @property
    def row_energy(self) -> int:
        h, w, _ = self.image_shape
        return h * w  # a row is one channel's DFT coefficient: H W unit-modulus entries

    def _spectrum(self, x):
        # fft2d transforms the two innermost axes: move channels out of the way.
        channels_first = tf.transpose(tf.cast(x, tf.complex64), [0, 3, 1, 2])
        spectrum = tf.transpose(tf.signal.fft2d(channels_first), [0, 2, 3, 1])
        return tf.reshape(spectrum, [tf.shape(x)[0], -1])

    def forward(self, x):
        return tf.gather(self._spectrum(tf.convert_to_tensor(x)), self.rows, batch_dims=1)

    def adjoint(self, y):
        y = tf.cast(tf.convert_to_tensor(y), tf.complex64)
        h, w, c = self.image_shape
        batch = tf.shape(y)[0]
        batch_index = tf.broadcast_to(tf.range(batch)[:, None], tf.shape(self.rows))
        indices = tf.stack([batch_index, self.rows], axis=-1)
        # Transpose of the gather: scatter (duplicates add up).
        spectrum = tf.scatter_nd(indices, y, tf.stack([batch, h * w * c]))
        spectrum = tf.transpose(tf.reshape(spectrum, [batch, h, w, c]), [0, 3, 1, 2])
        # F^H = (H W) * ifft2d for the unnormalised DFT F.
        image = tf.signal.ifft2d(spectrum) * tf.cast(h * w, tf.complex64)
        return tf.math.real(tf.transpose(image, [0, 2, 3, 1]))


class RandomProjection(Degradation):
    """``y = A x + n`` with a fresh random ``A`` per sample (section 3.1).

    Args:
      ensemble: ``"gaussian"``, ``"binary"`` or ``"fourier"`` (see the module docstring
        for the scaling); the task's ``variant`` is its index in :data:`ENSEMBLES`.
      num_measurements: ``m``, at most the number of pixels ``H * W * C`` of a patch.
      sigma: measurement noise std; 1.0 as in the conference version's experiments. A pair
        ``(lo, hi)`` draws it per sample uniformly from that range (a training choice of
        ours, ``TrainConfig.projection_sigma_range``: the cell then sees likelihood
        gradients as weak as those of denoising at sigma 50).
      start: the operator's initial estimate, ``"adjoint"`` (``A^T y``), ``"min_norm"``
        (``A^T y / n``) or ``"unbiased"`` (``A^T y / m``); see the module docstring.
    """

    def __init__(self, ensemble: str, num_measurements: int, sigma: float = 1.0,
                 start: str = "adjoint"):
        self.ensemble = check_ensemble(ensemble)
        if int(num_measurements) != num_measurements or num_measurements < 1:
            raise ValueError(f"num_measurements must be a positive integer, got {num_measurements}")
        self.num_measurements = int(num_measurements)
        self.sigma = check_sigma_or_range(sigma)
        self.start = check_start(start)

    @property
    def name(self) -> str:
        return f"projection_{self.ensemble}"

    @property
    def variant(self) -> int:
        return ENSEMBLES.index(self.ensemble)

    @property
    def label(self) -> str:
        return f"{self.ensemble} m={self.num_measurements}"

    def __call__(self, x, seed):
        x = check_batch(x)
        image_shape = static_image_shape(x)
        check_num_measurements(self.num_measurements, image_shape)
        matrix_seed, noise_seed = tf.unstack(split_seed(seed, 2))
        batch = tf.shape(x)[0]
        if isinstance(self.sigma, tuple):  # a range: its own seed, the fixed level's streams unchanged
            sigma_seed, noise_seed = tf.unstack(split_seed(noise_seed, 2))
            sigma = sample_sigma(x, self.sigma, sigma_seed)
        else:
            sigma = fill_sigma(x, self.sigma)
        if self.ensemble == "fourier":
            rows = sample_fourier_rows(batch, self.num_measurements, image_shape, matrix_seed)
            y = FourierProjection(rows, image_shape).forward(x)
            return self._example(x, add_gaussian_noise(y, sigma, noise_seed), sigma, rows=rows)
        matrix = sample_matrix(self.ensemble, batch, self.num_measurements, image_shape,
                               matrix_seed)
        y = MatrixProjection(matrix, image_shape).forward(x)
        return self._example(x, add_gaussian_noise(y, sigma, noise_seed), sigma, matrix=matrix)

    def operator(self, example):
        image_shape = static_image_shape(tf.convert_to_tensor(example["x"]))
        if self.ensemble == "fourier":
            return FourierProjection(example["rows"], image_shape, self.start)
        return MatrixProjection(example["matrix"], image_shape, self.start)

    def describe(self):
        return {"name": self.name, "task_id": self.task_id, "ensemble": self.ensemble,
                "num_measurements": self.num_measurements,
                "sigma": list(self.sigma) if isinstance(self.sigma, tuple) else self.sigma,
                "start": self.start}
