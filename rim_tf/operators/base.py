"""The operator interface; the code now lives in :mod:`rim_tf.physics.base`."""
from rim_tf.physics.base import Identity, LinearOperator

__all__ = ["Identity", "LinearOperator"]
