"""Reading the data's image files, and the colour modes the paper's experiments use.

JPEGs are decoded with Pillow (through imageio). This matters: the HR images of SelfExSR
BSD100 are exact crops of the BSDS300 test JPEGs decoded this way (checked: maximum
difference 0), whereas ``tf.io.decode_jpeg`` with its default (fast) DCT differs from
them by up to 15 grey levels.

Every image is returned as ``uint8 [H, W, C]`` with ``C = 3`` (RGB) or ``C = 1``.
"""
from __future__ import annotations

from pathlib import Path

import imageio.v3 as iio
import numpy as np

from rim_tf.data.locate import CorruptDataError, PathLike
from rim_tf.color import rgb2gray, rgb2y

COLOR_MODES = ("rgb", "gray", "y")
"""``rgb``: the decoded RGB image. ``gray``: MATLAB ``rgb2gray`` rounded to uint8, the
conversion of the gray test set of Roth and Black. ``y``: the luma of MATLAB
``rgb2ycbcr`` rounded to uint8 (range 16..235), the channel of the super-resolution
protocol of Huang et al."""


def read_dataset_image(path: PathLike) -> np.ndarray:
    """Decode a JPEG/PNG of the data sets into ``uint8 [H, W, 3]``; a damaged file raises
    :class:`CorruptDataError`. (People's own images, 16-bit and alpha included, are read by
    :func:`rim_tf.imageio_utils.read_user_image`.)"""
    path = Path(path)
    try:
        image = iio.imread(path)
    except FileNotFoundError:
        raise
    except Exception as err:  # Pillow raises OSError/SyntaxError/ValueError on bad files
        raise CorruptDataError(f"cannot decode {path}: {err} (damaged or truncated file?)") from err
    if image.dtype != np.uint8:
        raise CorruptDataError(f"{path}: expected an 8-bit image, got dtype {image.dtype}")
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=-1)
    if image.ndim != 3 or image.shape[-1] not in (3, 4):
        raise CorruptDataError(f"{path}: expected an RGB image, got shape {image.shape}")
    return np.ascontiguousarray(image[..., :3])


read_image = read_dataset_image
"""The former name of :func:`read_dataset_image`."""


def convert_color(rgb: np.ndarray, color: str) -> np.ndarray:
    """``uint8 [H, W, 3]`` RGB to the colour mode ``color`` (see :data:`COLOR_MODES`)."""
    if color not in COLOR_MODES:
        raise ValueError(f"color must be one of {COLOR_MODES}, got {color!r}")
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[-1] != 3:
        raise ValueError(f"expected uint8 [H, W, 3], got {rgb.dtype} {rgb.shape}")
    if color == "rgb":
        return rgb
    if color == "gray":
        return rgb2gray(rgb)[..., None]
    return rgb2y(rgb)[..., None]
