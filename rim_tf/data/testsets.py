"""The paper's test sets, by name, each image with its id so results can be reported per image.

=====================  =====  ======================================================
name                   count  content
=====================  =====  ======================================================
``bsds300-test``       100    the BSDS300 test JPEGs, RGB (Table 1, "all 100")
``bsds300-test-gray``  100    the same, MATLAB ``rgb2gray`` (Table 2, in parentheses)
``bsd68``              68     Roth and Black's gray set: ``rgb2gray`` of 68 test images
``cbsd68``             68     the same 68, RGB (Table 1)
``bsd100-sr-x<s>``     100    SelfExSR BSD100 HR/LR pairs at scale s = 2, 3, 4 (Table 3)
=====================  =====  ======================================================

Images are ``uint8 [H, W, C]`` (``C = 1`` for gray), in lexicographic order of their
BSDS ids, which is also the order of SelfExSR's ``img_001 .. img_100``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional, Sequence, Union

import numpy as np

from rim_tf.data.images import convert_color, read_dataset_image
from rim_tf.data.locate import CorruptDataError, PathLike, bsds300_split, selfexsr_path

# The 68 ids of Roth and Black's test set, as the data README lists them. They are the
# first 69 test ids in lexicographic order, minus 156065 (see :func:`bsd68_rule`).
BSD68_IDS = tuple(
    """101085 101087 102061 103070 105025 106024 108005 108070 108082 109053 119082
    12084 123074 126007 130026 134035 14037 143090 145086 147091 148026 148089
    157055 159008 160068 16077 163085 167062 167083 170057 175032 175043 182053
    189080 19021 196073 197017 208001 210088 21077 216081 219090 220075 223061
    227092 229036 236037 24077 241004 241048 253027 253055 260058 271035 285079
    291000 295087 296007 296059 299086 300091 302008 304034 304074 306005 3096
    33039 351093""".split()
)

_COLOR_SETS = {  # name -> (ids selector, colour mode)
    "bsds300-test": ("all", "rgb"),
    "bsds300-test-gray": ("all", "gray"),
    "bsd68": ("bsd68", "gray"),
    "cbsd68": ("bsd68", "rgb"),
}
_SR_SETS = {f"bsd100-sr-x{s}": s for s in (2, 3, 4)}
TEST_SETS = tuple(_COLOR_SETS) + tuple(_SR_SETS)

BSDS300_TEST_IMAGES = 100
"""The BSDS300 test images (``iids_test.txt``); SelfExSR's BSD100 holds the same 100."""

TEST_SET_SIZES = {name: len(BSD68_IDS) if which == "bsd68" else BSDS300_TEST_IMAGES
                  for name, (which, _) in _COLOR_SETS.items()}
TEST_SET_SIZES.update({name: BSDS300_TEST_IMAGES for name in _SR_SETS})
"""How many images each test set has (the table above), e.g. ``TEST_SET_SIZES["bsd68"] == 68``."""


@dataclass(frozen=True)
class EvalImage:
    """One test image: its BSDS id and its pixels, ``uint8 [H, W, C]``."""

    id: str
    image: np.ndarray


@dataclass(frozen=True)
class SRPair:
    """One SelfExSR pair: ``img_NNN`` name, BSDS id, scale, and HR/LR ``uint8 [H, W, 3]``."""

    name: str
    id: str
    scale: int
    hr: np.ndarray
    lr: np.ndarray


def bsd68_rule(test_ids: Sequence[str]) -> tuple:
    """The first 69 test ids in lexicographic order, minus 156065 (the README's rule)."""
    return tuple(i for i in sorted(test_ids)[:69] if i != "156065")


def sr_names(test_ids: Sequence[str]) -> list[tuple[str, str]]:
    """``(img_NNN, BSDS id)``: ``img_NNN`` is the NNN-th test id in lexicographic order."""
    return [(f"img_{k:03d}", i) for k, i in enumerate(sorted(test_ids), start=1)]


def _color_set(name: str, data_dir) -> Iterator[EvalImage]:
    which, color = _COLOR_SETS[name]
    paths = dict(bsds300_split(data_dir, "test"))
    if which == "all":
        ids = sorted(paths)
    else:
        missing = [i for i in BSD68_IDS if i not in paths]
        if missing:
            raise CorruptDataError(f"iids_test.txt lacks BSD68 id(s) {missing}")
        ids = list(BSD68_IDS)
    return (EvalImage(id=i, image=convert_color(read_dataset_image(paths[i]), color)) for i in ids)


def _sr_set(scale: int, data_dir) -> Iterator[SRPair]:
    test_ids = [i for i, _ in bsds300_split(data_dir, "test")]
    files = [
        (name, i, selfexsr_path(data_dir, scale, k, "HR"), selfexsr_path(data_dir, scale, k, "LR"))
        for k, (name, i) in enumerate(sr_names(test_ids), start=1)
    ]  # every file checked before the first is read
    return (_read_pair(scale, *f) for f in files)


def _read_pair(scale: int, name: str, i: str, hr_path, lr_path) -> SRPair:
    hr, lr = read_dataset_image(hr_path), read_dataset_image(lr_path)
    expected = (hr.shape[0] // scale, hr.shape[1] // scale)
    if hr.shape[0] % scale or hr.shape[1] % scale or lr.shape[:2] != expected:
        raise CorruptDataError(
            f"SelfExSR {name} x{scale}: HR {hr.shape[:2]} and LR {lr.shape[:2]} do not "
            f"match the scale (HR must be divisible by {scale}, LR = HR / {scale}): {hr_path}"
        )
    return SRPair(name=name, id=i, scale=scale, hr=hr, lr=lr)


def iter_test_set(name: str, data_dir: Optional[PathLike] = None) -> Iterator[Union[EvalImage, SRPair]]:
    """Yield the images of test set ``name`` (see :data:`TEST_SETS`) one by one."""
    if name in _COLOR_SETS:
        return _color_set(name, data_dir)
    if name in _SR_SETS:
        return _sr_set(_SR_SETS[name], data_dir)
    raise ValueError(f"unknown test set {name!r}; known: {', '.join(TEST_SETS)}")


def load_test_set(name: str, data_dir: Optional[PathLike] = None) -> list:
    """All images of test set ``name`` as a list (a few tens of MB at most)."""
    return list(iter_test_set(name, data_dir))
