"""rim_tf: Recurrent Inference Machines (Putzky & Welling, 2017) in TensorFlow 2 / Keras 3.

The main pieces, named after the paper:

* :mod:`rim_tf.models` -- ``ConvGRU``, ``RIMCell``, ``AtrousRIMCell``, ``RIM`` and the
  builders ``build_rim``, ``build_gdn``, ``build_ffn``, ``build_atrous_rim``;
* :mod:`rim_tf.physics` -- the forward models ``A`` of the paper's tasks, their training tasks,
  ``GaussianLikelihood`` (eq. 9) and MATLAB's bicubic ``imresize`` in TensorFlow;
* :mod:`rim_tf.losses` -- ``rim_loss`` (eq. 8);
* :mod:`rim_tf.data`, :mod:`rim_tf.training`, :mod:`rim_tf.evaluation`, :mod:`rim_tf.cli`;
* ``rim_tf.pretrained(name)`` -- the shipped weights (:mod:`rim_tf.shipped`).

Names are imported on first use, so that ``import rim_tf`` (and a command line's
``--help``) does not start TensorFlow.
"""
import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "ConvGRU": "rim_tf.models",
    "RIMCell": "rim_tf.models",
    "AtrousRIMCell": "rim_tf.models",
    "RIM": "rim_tf.models",
    "build_rim": "rim_tf.models",
    "build_gdn": "rim_tf.models",
    "build_ffn": "rim_tf.models",
    "build_atrous_rim": "rim_tf.models",
    "GaussianLikelihood": "rim_tf.physics.likelihood",
    "rim_loss": "rim_tf.losses",
    "per_step_mse": "rim_tf.losses",
    "pretrained": "rim_tf.shipped",
    "load_weights": "rim_tf.shipped",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'rim_tf' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
