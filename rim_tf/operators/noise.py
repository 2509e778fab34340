"""Observation noise and 8-bit quantisation; the code now lives in :mod:`rim_tf.physics.noise`."""
from rim_tf.physics.noise import (QUANTIZATION_LEVELS, add_gaussian_noise, gaussian_noise,
                                  quantization_noise_std, quantize_8bit, split_seed)

__all__ = ["QUANTIZATION_LEVELS", "add_gaussian_noise", "gaussian_noise", "quantization_noise_std",
           "quantize_8bit", "split_seed"]
