"""Forward models (linear operators) of the paper's tasks."""
from rim_tf.operators.base import Identity, LinearOperator

__all__ = ["LinearOperator", "Identity"]
