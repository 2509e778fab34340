"""Likelihood models; the code now lives in :mod:`rim_tf.physics.likelihood`."""
from rim_tf.physics.likelihood import GaussianLikelihood, check_sigma

__all__ = ["GaussianLikelihood", "check_sigma"]
