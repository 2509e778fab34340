"""Forward models (linear operators) of the paper's tasks; the code now lives in :mod:`rim_tf.physics`."""
from rim_tf import physics as _physics
from rim_tf.physics import OPERATOR_API

__all__ = list(OPERATOR_API)


def __getattr__(name):
    if name in OPERATOR_API:
        return getattr(_physics, name)
    raise AttributeError(f"module 'rim_tf.operators' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(OPERATOR_API))
