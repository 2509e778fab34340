"""Reading and writing people's own images for the command-line tools.

:func:`read_user_image` turns a PNG, JPEG or TIFF file into float32 samples in ``[0, 1]``
plus what is needed to write the result back in the same form (:class:`Image`):

* **Sample types.** 8-bit files are divided by 255, 16-bit files by 65535, 1-bit (bilevel)
  files become 8-bit. :func:`write_image` scales back by the same number, rounds half
  up and saturates, so 16-bit input gives 16-bit output. Other sample types
  (floating-point or 32-bit TIFF, 32-bit integer PNG modes) are refused with a message.
* **Channels.** Gray ``[H, W]``, gray + alpha, RGB and RGBA. The colour channels are
  returned as ``[H, W, 1]`` or ``[H, W, 3]``; an alpha channel is kept apart
  (:attr:`Image.alpha`) so the tools can carry it through unchanged. Palette images are
  expanded to RGB(A); CMYK and other colour spaces Pillow knows are converted to RGB.
* **JPEG orientation.** The EXIF orientation tag is applied, so the output looks the way
  the photograph is shown by viewers (it is written without the tag).

Everything is read through ``imageio`` (Pillow for PNG/JPEG, ``tifffile`` for TIFF),
with one exception: Pillow reads 16-bit colour PNGs as 8-bit, silently dropping the low
byte, and cannot write them; 16-bit PNGs are therefore decoded and encoded with
TensorFlow's PNG codec (libpng), which keeps all 16 bits.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Optional, Union

import numpy as np

from rim_tf.atomic import atomic_path, check_writable_file

__all__ = [
    "Image",
    "ImageReadError",
    "OUTPUT_FORMATS",
    "check_output_path",
    "from_unit_range",
    "output_format",
    "read_image",
    "read_user_image",
    "to_unit_range",
    "write_image",
]

PathLike = Union[str, os.PathLike]

OUTPUT_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF"}
"""The file name endings the tools write, and their formats."""

_MAX_VALUE = {8: 255.0, 16: 65535.0}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Pillow modes converted to RGB on reading (their samples are not R, G, B).
_CONVERT_TO_RGB = ("CMYK", "YCbCr", "LAB", "HSV", "RGBX")
_CONVERT_TO_RGBA = ("RGBa", "PA")
_TRANSPARENCY_MODE = {"P": "RGBA", "L": "LA", "RGB": "RGBA", "1": "LA"}
"""Pillow modes whose ``transparency`` (palette entry or colour key) becomes an alpha channel."""


class ImageReadError(ValueError):
    """A file exists but is not an image the tools can process; the message says why."""


@dataclasses.dataclass
class Image:
    """An image read by :func:`read_user_image`.

    Attributes:
      color: float32 ``[H, W, C]`` in ``[0, 1]``, ``C = 1`` (gray) or ``3`` (RGB).
      alpha: float32 ``[H, W, 1]`` in ``[0, 1]``, or ``None`` without an alpha channel.
      bit_depth: 8 or 16, the sample size of the file (a 1-bit file reads as 8).
      path: where it was read from.
    """

    color: np.ndarray
    alpha: Optional[np.ndarray]
    bit_depth: int
    path: Optional[Path] = None

    @property
    def height(self) -> int:
        return int(self.color.shape[0])

    @property
    def width(self) -> int:
        return int(self.color.shape[1])

    @property
    def channels(self) -> int:
        """Colour channels: 1 (gray) or 3 (RGB); the alpha channel is not counted."""
        return int(self.color.shape[2])

    @property
    def max_value(self) -> float:
        """255 or 65535: the integer that stands for 1.0."""
        return _MAX_VALUE[self.bit_depth]

    def describe(self) -> str:
        kind = {1: "gray", 3: "RGB"}[self.channels] + (" + alpha" if self.alpha is not None else "")
        return f"{self.width}x{self.height} {kind}, {self.bit_depth}-bit"


# --------------------------------------------------------------------------- conversions
def to_unit_range(array: np.ndarray, bit_depth: int) -> np.ndarray:
    """Integer samples -> float32 in ``[0, 1]`` (divided by 255 or 65535)."""
    return (np.asarray(array, np.float32) / np.float32(_MAX_VALUE[_check_depth(bit_depth)]))


def from_unit_range(x: np.ndarray, bit_depth: int) -> np.ndarray:
    """Float samples in ``[0, 1]`` -> ``uint8`` / ``uint16``: scaled, rounded half up, saturated."""
    top = _MAX_VALUE[_check_depth(bit_depth)]
    x = np.asarray(x, np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("the image to write contains NaN or Inf values")
    out = np.clip(np.floor(x * top + 0.5), 0, top)
    return out.astype(np.uint8 if bit_depth == 8 else np.uint16)


def _check_depth(bit_depth: int) -> int:
    if bit_depth not in _MAX_VALUE:
        raise ValueError(f"bit_depth must be 8 or 16, got {bit_depth!r}")
    return int(bit_depth)


# --------------------------------------------------------------------------- reading
def _png_header(path: Path) -> Optional[tuple]:
    """``(bit depth, colour type)`` from a PNG's IHDR chunk; ``None`` if not a PNG."""
    with open(path, "rb") as f:
        head = f.read(26)
    if len(head) < 26 or head[:8] != _PNG_SIGNATURE or head[12:16] != b"IHDR":
        return None
    return head[24], head[25]


def _read_png16(path: Path) -> np.ndarray:
    """A 16-bit PNG as ``uint16 [H, W, C]`` (TensorFlow's libpng decoder keeps 16 bits)."""
    import tensorflow as tf

    data = tf.io.read_file(str(path))
    try:
        return tf.io.decode_png(data, channels=0, dtype=tf.uint16).numpy()
    except (tf.errors.InvalidArgumentError, tf.errors.UnknownError) as err:
        raise ImageReadError(f"cannot decode the 16-bit PNG {path}: {err.message} "
                             "(damaged or truncated file?)") from err


def _check_pixel_count(path: Path) -> None:
    """Refuse, from the header alone, an image larger than Pillow's decompression-bomb limit
    (about 179 Mpixel), which Pillow reports with an unhelpful message through imageio."""
    import warnings

    from PIL import Image as PILImage

    limit = PILImage.MAX_IMAGE_PIXELS
    if limit is None:
        return
    PILImage.MAX_IMAGE_PIXELS = None  # opening reads the header only; the size is judged here
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with PILImage.open(path) as probe:
                width, height = probe.size
    except Exception:  # not Pillow's to judge: the reader below reports the real problem
        return
    finally:
        PILImage.MAX_IMAGE_PIXELS = limit
    limit = 2 * limit  # Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that
    if width * height > limit:
        raise ImageReadError(f"{path} is {width}x{height} = {width * height / 1e6:.0f} Mpixel, more than "
                             f"the {limit / 1e6:.0f} Mpixel this tool reads in one piece; split it into "
                             "smaller images first")


def _read_pillow(path: Path) -> np.ndarray:
    import imageio.v3 as iio

    _check_pixel_count(path)
    with iio.imopen(path, "r", plugin="pillow") as file:
        metadata = file.metadata(index=0)
        mode = metadata.get("mode")
        if "transparency" in metadata and mode in _TRANSPARENCY_MODE:
            # a palette or colour-key transparency (PNG tRNS, GIF): kept as an alpha channel,
            # which the tools pass through, instead of being dropped by the palette expansion
            return file.read(index=0, mode=_TRANSPARENCY_MODE[mode], rotate=True)
        if mode in _CONVERT_TO_RGB:
            return file.read(index=0, mode="RGB", rotate=True)
        if mode in _CONVERT_TO_RGBA:
            return file.read(index=0, mode="RGBA", rotate=True)
        if mode in ("I", "F", "I;32", "I;32B", "I;32L"):
            raise ImageReadError(f"{path}: Pillow image mode {mode!r} (32-bit samples) is not supported; "
                                 "convert the image to 8 or 16 bits per sample")
        return file.read(index=0, rotate=True)


def _read_tiff(path: Path) -> np.ndarray:
    import imageio.v3 as iio
    import tifffile

    with tifffile.TiffFile(path) as tif:
        if not tif.pages:
            raise ImageReadError(f"{path}: the TIFF file holds no image")
        page = tif.pages[0]
        photometric = int(page.photometric)
        planar_separate = int(page.planarconfig) == 2
        samples = int(page.samplesperpixel)
    # MINISBLACK = 1, RGB = 2; others (palette, separated/CMYK, YCbCr, MINISWHITE, ...) are
    # refused rather than misread.
    if photometric not in (1, 2):
        names = {0: "MINISWHITE", 3: "PALETTE", 4: "MASK", 5: "SEPARATED (CMYK)", 6: "YCBCR",
                 8: "CIELAB"}
        raise ImageReadError(f"{path}: TIFF photometric interpretation "
                             f"{names.get(photometric, photometric)} is not supported "
                             "(gray or RGB TIFFs only; convert the image first)")
    image = iio.imread(path, plugin="tifffile", index=0)
    if planar_separate and image.ndim == 3 and image.shape[0] == samples:
        image = np.moveaxis(image, 0, -1)
    return image


def read_user_image(path: PathLike) -> Image:
    """Read someone's PNG, JPEG or TIFF file (see the module docstring); the data sets' files
    are read by :func:`rim_tf.data.images.read_dataset_image`.

    Raises:
      FileNotFoundError: there is no such file.
      ImageReadError: the file cannot be decoded, or its sample type or channel count is
        not supported (the message names the file and the reason).
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"input image not found: {path}")
    if not path.is_file():
        raise ImageReadError(f"{path} is not a file")
    if path.stat().st_size == 0:
        raise ImageReadError(f"{path} is empty (0 bytes), not an image")
    try:
        header = _png_header(path)
        if header is not None and header[0] == 16:
            array = _read_png16(path)
        elif path.suffix.lower() in (".tif", ".tiff"):
            array = _read_tiff(path)
        else:
            array = _read_pillow(path)
    except (ImageReadError, PermissionError):
        raise
    except Exception as err:  # imageio, Pillow and tifffile raise many types on bad files
        raise ImageReadError(f"cannot read {path} as an image ({type(err).__name__}: "
                             f"{str(err).splitlines()[0] if str(err) else 'no detail'}); "
                             "PNG, JPEG and TIFF files are supported") from err
    return _to_image(np.asarray(array), path)


read_image = read_user_image
"""The former name of :func:`read_user_image`."""


def _to_image(array: np.ndarray, path: Optional[Path]) -> Image:
    where = f"{path}: " if path is not None else ""
    if array.dtype == np.bool_:
        array = array.astype(np.uint8) * np.uint8(255)
    if array.dtype == np.uint8:
        depth = 8
    elif array.dtype == np.uint16:
        depth = 16
    else:
        raise ImageReadError(f"{where}samples of type {array.dtype} are not supported; "
                             "only 8- and 16-bit integer images (convert the image first)")
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[-1] not in (1, 2, 3, 4):
        raise ImageReadError(f"{where}expected a gray, gray+alpha, RGB or RGBA image, got an array of "
                             f"shape {array.shape} (a multi-page file or {array.shape[-1]} channels?)")
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise ImageReadError(f"{where}the image is empty ({array.shape[1]}x{array.shape[0]} pixels)")
    x = to_unit_range(array, depth)
    channels = array.shape[-1]
    color_channels = 1 if channels in (1, 2) else 3
    color = np.ascontiguousarray(x[..., :color_channels])
    alpha = np.ascontiguousarray(x[..., color_channels:]) if channels in (2, 4) else None
    return Image(color=color, alpha=alpha, bit_depth=depth, path=path)


# --------------------------------------------------------------------------- writing
def output_format(path: PathLike) -> str:
    """``"PNG"``, ``"JPEG"`` or ``"TIFF"`` from the file name; ``ValueError`` otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        raise ValueError(f"cannot tell the output format from {str(path)!r}: name it "
                         f"{', '.join(sorted(OUTPUT_FORMATS))}")
    return OUTPUT_FORMATS[suffix]


def check_output_path(path: PathLike, *, bit_depth: int, has_alpha: bool = False,
                      input_path: Optional[PathLike] = None) -> Path:
    """Check, before any work is done, that the result can be written to ``path``.

    Refuses an unknown file ending, a folder that does not exist or cannot be written to,
    the input file itself, and combinations the format cannot hold (16 bits or alpha in a
    JPEG).
    """
    path = Path(path).expanduser()
    fmt = output_format(path)
    if path.is_dir():
        raise ValueError(f"the output {path} is a folder; give a file name ending in .png, .jpg or .tif")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise FileNotFoundError(f"the output folder {parent} does not exist")
    check_writable_file(path, "the output image")
    if input_path is not None and path.exists() and path.resolve() == Path(input_path).expanduser().resolve():
        raise ValueError(f"refusing to overwrite the input image {path}; choose another output name")
    if fmt == "JPEG" and _check_depth(bit_depth) == 16:
        raise ValueError(f"JPEG cannot hold 16-bit samples; the input is 16-bit, so write "
                         f"{path.with_suffix('.png').name} or {path.with_suffix('.tif').name} instead")
    if fmt == "JPEG" and has_alpha:
        raise ValueError(f"JPEG has no alpha channel; the input has one, so write "
                         f"{path.with_suffix('.png').name} or {path.with_suffix('.tif').name} instead")
    return path


def write_image(path: PathLike, color: np.ndarray, *, bit_depth: int = 8,
                alpha: Optional[np.ndarray] = None, jpeg_quality: int = 95) -> Path:
    """Write float samples in ``[0, 1]`` as an 8- or 16-bit PNG, JPEG or TIFF.

    Args:
      path: the file; its ending picks the format (:data:`OUTPUT_FORMATS`).
      color: ``[H, W]``, ``[H, W, 1]`` or ``[H, W, 3]`` in ``[0, 1]`` (values outside saturate).
      bit_depth: 8 (x 255) or 16 (x 65535).
      alpha: ``[H, W]`` or ``[H, W, 1]`` in ``[0, 1]``, or ``None``.
      jpeg_quality: Pillow's JPEG quality, 1..95.
    """
    import imageio.v3 as iio

    path = check_output_path(path, bit_depth=bit_depth, has_alpha=alpha is not None)
    fmt = output_format(path)
    color = np.asarray(color)
    if color.ndim == 2:
        color = color[..., None]
    if color.ndim != 3 or color.shape[-1] not in (1, 3):
        raise ValueError(f"expected a gray or RGB image [H, W(, 1 or 3)], got shape {color.shape}")
    planes = [color]
    if alpha is not None:
        alpha = np.asarray(alpha)
        alpha = alpha[..., None] if alpha.ndim == 2 else alpha
        if alpha.shape != color.shape[:2] + (1,):
            raise ValueError(f"alpha of shape {alpha.shape} does not match the image {color.shape}")
        planes.append(alpha)
    pixels = from_unit_range(np.concatenate(planes, axis=-1), bit_depth)
    channels = pixels.shape[-1]
    data = pixels[..., 0] if channels == 1 else pixels
    # written under a temporary name and renamed into place: a full disk or a kill half-way
    # leaves an older file of that name whole and no truncated image behind
    with atomic_path(path) as tmp:
        if fmt == "PNG" and bit_depth == 16:
            import tensorflow as tf

            tmp.write_bytes(tf.io.encode_png(pixels).numpy())
        elif fmt == "TIFF":
            kwargs = {"photometric": "rgb" if channels >= 3 else "minisblack"}
            if channels in (2, 4):
                kwargs["extrasamples"] = ["unassalpha"]
            iio.imwrite(tmp, data, plugin="tifffile", **kwargs)
        else:
            # JPEG: no chroma subsampling (4:4:4), so the colour detail of the result is kept
            kwargs = {"quality": int(jpeg_quality), "subsampling": 0} if fmt == "JPEG" else {}
            iio.imwrite(tmp, data, plugin="pillow", extension=path.suffix.lower(), **kwargs)
    return path
