"""RIM models: the ConvGRU, the update cells and the unrolled machine."""
from rim_tf.models.cells import AtrousRIMCell, RIMCell
from rim_tf.models.conv_gru import ConvGRU
from rim_tf.models.rim import RIM, build_atrous_rim, build_ffn, build_gdn, build_rim

__all__ = ["ConvGRU", "RIMCell", "AtrousRIMCell", "RIM",
           "build_rim", "build_gdn", "build_ffn", "build_atrous_rim"]
