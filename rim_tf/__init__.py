"""rim_tf: Recurrent Inference Machines (Putzky & Welling, 2017) in TensorFlow 2 / Keras 3.

The main pieces, named after the paper:

* :mod:`rim_tf.models` -- ``ConvGRU``, ``RIMCell``, ``AtrousRIMCell``, ``RIM`` and the
  builders ``build_rim``, ``build_gdn``, ``build_ffn``, ``build_atrous_rim``;
* :mod:`rim_tf.likelihoods` -- ``GaussianLikelihood`` (eq. 9);
* :mod:`rim_tf.losses` -- ``rim_loss`` (eq. 8);
* :mod:`rim_tf.operators` -- the forward models ``A`` of the paper's tasks.
"""
__version__ = "0.1.0"

from rim_tf.likelihoods import GaussianLikelihood  # noqa: E402
from rim_tf.losses import per_step_mse, rim_loss  # noqa: E402
from rim_tf.models import (RIM, AtrousRIMCell, ConvGRU, RIMCell, build_atrous_rim,  # noqa: E402
                           build_ffn, build_gdn, build_rim)

__all__ = [
    "ConvGRU", "RIMCell", "AtrousRIMCell", "RIM", "GaussianLikelihood",
    "build_rim", "build_gdn", "build_ffn", "build_atrous_rim", "rim_loss", "per_step_mse",
]
