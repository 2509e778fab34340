"""Patch tables: the grid formula, cutting, and the image-level train/validation split."""
import numpy as np
import pytest

from rim_tf.data.patches import PatchSet, grid_index, patches_per_image, split_bsds300


def images(rng, shapes, c=1):
    return [rng.integers(0, 256, (h, w, c), dtype=np.uint8) for h, w in shapes]


@pytest.mark.parametrize("h,w,p,s", [(481, 321, 32, 4), (321, 481, 36, 4), (40, 33, 8, 3), (7, 50, 8, 2)])
def test_patch_count_formula(h, w, p, s):
    expect = 0 if h < p or w < p else (np.floor((h - p) / s) + 1) * (np.floor((w - p) / s) + 1)
    assert patches_per_image(h, w, p, s) == expect
    assert len(grid_index(np.array([[h, w, 1]]), p, s)) == expect


def test_grid_covers_every_stride_position(rng):
    idx = grid_index(np.array([[10, 9, 1], [9, 10, 1]]), 4, 2)
    assert len(idx) == 2 * 4 * 3
    assert set(map(tuple, idx[idx[:, 0] == 0][:, 1:])) == {(r, c) for r in (0, 2, 4, 6) for c in (0, 2, 4)}


def test_cut_matches_slicing(rng):
    ims = images(rng, [(20, 17), (17, 20)], c=3)
    ps = PatchSet.from_images(ims, ["a", "b"], patch_size=5, stride=3)
    assert ps.num_patches == 2 * 6 * 5 and ps.channels == 3
    for row in (0, 7, ps.num_patches - 1):
        k, r, c = ps.index[row]
        np.testing.assert_array_equal(ps.cut([row])[0], ims[k][r : r + 5, c : c + 5])
    np.testing.assert_array_equal(ps.image(1), ims[1])
    assert ps.nbytes < ps.num_patches * 5 * 5 * 3  # far less than the materialised patches


def test_bad_input(rng):
    ims = images(rng, [(20, 17)])
    with pytest.raises(ValueError, match="ids"):
        PatchSet.from_images(ims, ["a", "b"], 5, 1)
    with pytest.raises(ValueError, match="same C"):
        PatchSet.from_images(ims + images(rng, [(9, 9)], c=3), ["a", "b"], 5, 1)
    with pytest.raises(ValueError, match="stride"):
        PatchSet.from_images(ims, ["a"], 5, 0)
    with pytest.raises(ValueError, match="leaves its image"):
        PatchSet.from_images(ims, ["a"], 5, index=[[0, 16, 0]])


def test_validation_images_are_held_out(rng):
    shapes = [(30, 24), (24, 30)] * 5
    ims, ids = images(rng, shapes), [str(i) for i in range(10)]
    split = split_bsds300(ids, ims, patch_size=8, stride=2, val_images=3, val_patches=50, seed=1)
    assert len(split.val_ids) == 3 and not set(split.val_ids) & set(split.train.ids)
    assert split.val.num_patches == 50 and len({tuple(r) for r in split.val.index}) == 50
    expect_train = sum(patches_per_image(*ims[int(i)].shape[:2], 8, 2) for i in split.train.ids)
    assert split.train.num_patches == expect_train
    # the same seed gives the same split, another seed another one
    again = split_bsds300(ids, ims, patch_size=8, stride=2, val_images=3, val_patches=50, seed=1)
    assert again.val_ids == split.val_ids and np.array_equal(again.val.index, split.val.index)
    other = split_bsds300(ids, ims, patch_size=8, stride=2, val_images=3, val_patches=50, seed=2)
    assert other.val_ids != split.val_ids or not np.array_equal(other.val.index, split.val.index)
    with pytest.raises(ValueError, match="val_patches"):
        split_bsds300(ids, ims, patch_size=8, stride=2, val_images=1, val_patches=10**6)
    none = split_bsds300(ids, ims, patch_size=8, stride=2, val_images=0)
    assert none.val is None and none.train.num_images == 10
