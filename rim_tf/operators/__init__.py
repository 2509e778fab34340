"""Forward models (linear operators) of the paper's tasks."""
from rim_tf.operators.base import Identity, LinearOperator
from rim_tf.operators.bicubic import BicubicDownsample
from rim_tf.operators.checks import adjointness_test
from rim_tf.operators.inpainting import Inpainting, random_pixel_mask
from rim_tf.operators.noise import (add_gaussian_noise, gaussian_noise, quantization_noise_std,
                                    quantize_8bit, split_seed)
from rim_tf.operators.projections import (ENSEMBLES, FourierProjection, MatrixProjection,
                                          sample_fourier_rows, sample_matrix)

__all__ = [
    "LinearOperator",
    "adjointness_test",
    "Identity",
    "BicubicDownsample",
    "Inpainting",
    "random_pixel_mask",
    "MatrixProjection",
    "FourierProjection",
    "ENSEMBLES",
    "sample_matrix",
    "sample_fourier_rows",
    "add_gaussian_noise",
    "gaussian_noise",
    "quantize_8bit",
    "quantization_noise_std",
    "split_seed",
]
