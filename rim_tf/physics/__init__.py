"""The physics of the paper's tasks: forward models ``A``, observation noise, the likelihood.

* :mod:`~rim_tf.physics.base` -- the interfaces: ``LinearOperator`` (``forward``, ``adjoint``,
  ``initial_estimate``) with ``Identity``, and ``Degradation`` (a training task);
* one file per forward model, its operator with its training task:
  :mod:`~rim_tf.physics.noise` (noise, 8-bit quantisation; ``Denoise``),
  :mod:`~rim_tf.physics.projections` (``MatrixProjection``, ``FourierProjection``;
  ``RandomProjection``), :mod:`~rim_tf.physics.inpainting` (``Inpainting``; ``Inpaint``),
  :mod:`~rim_tf.physics.bicubic` (``BicubicDownsample``; ``Downsample``),
  :mod:`~rim_tf.physics.blur` (``GaussianBlur``; ``Blur``: the README's example);
* :mod:`~rim_tf.physics.tasks` -- the registry of training tasks, by name;
* :mod:`~rim_tf.physics.imresize` -- MATLAB's bicubic ``imresize`` in TensorFlow (and
  :mod:`~rim_tf.physics.imresize_reference`, a plain numpy reference of it);
* :mod:`~rim_tf.physics.likelihood` -- ``GaussianLikelihood`` (eq. 9);
* :mod:`~rim_tf.physics.sigma` -- the one rule for a noise standard deviation;
* :mod:`~rim_tf.physics.checks` -- ``adjointness_test``, for every operator, users' own too.
"""
from rim_tf.physics.base import Degradation, Identity, LinearOperator
from rim_tf.physics.bicubic import BicubicDownsample, Downsample
from rim_tf.physics.blur import Blur, GaussianBlur
from rim_tf.physics.checks import adjointness_test
from rim_tf.physics.inpainting import Inpaint, Inpainting, random_pixel_mask
from rim_tf.physics.noise import (Denoise, add_gaussian_noise, gaussian_noise, quantization_noise_std,
                                  quantize_8bit, split_seed)
from rim_tf.physics.projections import (ENSEMBLES, STARTS, FourierProjection, MatrixProjection, RandomProjection,
                                        sample_fourier_rows, sample_matrix)
from rim_tf.physics.sigma import check_sigma
from rim_tf.physics.tasks import TASKS, from_description

__all__ = [
    "LinearOperator",
    "adjointness_test",
    "Identity",
    "BicubicDownsample",
    "GaussianBlur",
    "Inpainting",
    "random_pixel_mask",
    "MatrixProjection",
    "FourierProjection",
    "ENSEMBLES",
    "STARTS",
    "sample_matrix",
    "sample_fourier_rows",
    "add_gaussian_noise",
    "gaussian_noise",
    "quantize_8bit",
    "quantization_noise_std",
    "split_seed",
]
OPERATOR_API = tuple(__all__)
"""The names :mod:`rim_tf.operators` has always offered (it forwards them here)."""
__all__ += [
    "OPERATOR_API",
    "check_sigma",
    "Degradation",
    "Denoise",
    "RandomProjection",
    "Inpaint",
    "Downsample",
    "Blur",
    "TASKS",
    "from_description",
    "GaussianLikelihood",
]


def __getattr__(name):  # the likelihood is a Keras layer: Keras is imported on first use
    if name == "GaussianLikelihood":
        from rim_tf.physics.likelihood import GaussianLikelihood
        return GaussianLikelihood
    raise AttributeError(f"module 'rim_tf.physics' has no attribute {name!r}")
