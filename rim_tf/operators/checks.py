"""The adjointness test; the code now lives in :mod:`rim_tf.physics.checks`."""
from rim_tf.physics.checks import adjointness_test, inner_product

__all__ = ["adjointness_test", "inner_product"]
