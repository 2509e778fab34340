"""Checks on the real BSDS300 / SelfExSR files (skipped without them)."""
import hashlib

import numpy as np
import pytest
from PIL import Image

from rim_tf.data import locate, testsets
from rim_tf.data.images import read_dataset_image
from rim_tf.data.manifest import verify_tree
from rim_tf.data.patches import PatchSet, load_bsds300_images, split_bsds300
from rim_tf.data.pipeline import training_dataset

pytestmark = pytest.mark.data
SIZES = {(481, 321), (321, 481)}


@pytest.fixture(scope="module")
def train_images(data_dir):
    return load_bsds300_images(data_dir, "train", "gray")


def test_ids_and_images(data_dir):
    train = locate.bsds300_split(data_dir, "train")
    test = locate.bsds300_split(data_dir, "test")
    assert len(train) == len({i for i, _ in train}) == 200
    assert len(test) == len({i for i, _ in test}) == 100
    assert not {i for i, _ in train} & {i for i, _ in test}
    for _, path in train + test:
        assert Image.open(path).size in SIZES


def test_files_match_the_packaged_checksums(data_dir):
    assert verify_tree(data_dir, "BSDS300", level="sha256") == 302
    assert verify_tree(data_dir, "SelfExSR/BSD100", level="size") == 600


def test_bsd68(data_dir):
    test_ids = [i for i, _ in locate.bsds300_split(data_dir, "test")]
    assert testsets.bsd68_rule(test_ids) == testsets.BSD68_IDS
    images = testsets.load_test_set("bsd68", data_dir)
    assert len(images) == 68
    shapes = {(481, 321, 1), (321, 481, 1)}
    assert all(im.image.dtype == np.uint8 and im.image.shape in shapes for im in images)
    w = np.array([0.298936021, 0.587043074, 0.114020904])
    for im in images[::20]:
        rgb = np.asarray(Image.open(data_dir / "BSDS300" / "images" / "test" / f"{im.id}.jpg"), np.float64)
        np.testing.assert_array_equal(im.image[..., 0], np.floor(rgb @ w + 0.5))
    cbsd = testsets.load_test_set("cbsd68", data_dir)
    assert [c.id for c in cbsd] == [g.id for g in images] and all(c.image.shape[-1] == 3 for c in cbsd)
    assert len(testsets.load_test_set("bsds300-test", data_dir)) == 100


@pytest.mark.slow
def test_sr_pairs(data_dir):
    for s in (2, 3, 4):
        pairs = testsets.load_test_set(f"bsd100-sr-x{s}", data_dir)
        assert len(pairs) == 100
        assert (pairs[0].name, pairs[0].id) == ("img_001", "101085")
        assert (pairs[-1].name, pairs[-1].id) == ("img_100", "97033")
        for p in pairs[::33]:  # HR = top-left crop of the decoded test JPEG
            jpeg = read_dataset_image(data_dir / "BSDS300" / "images" / "test" / f"{p.id}.jpg")
            np.testing.assert_array_equal(p.hr, jpeg[: p.hr.shape[0], : p.hr.shape[1]])
            assert p.lr.shape == (p.hr.shape[0] // s, p.hr.shape[1] // s, 3)


def test_patch_count_32_stride_4(data_dir, train_images):
    ids, images = train_images
    sizes = [Image.open(path).size[::-1] for _, path in locate.bsds300_split(data_dir, "train")]
    formula = sum(((h - 32) // 4 + 1) * ((w - 32) // 4 + 1) for h, w in sizes)
    everything = PatchSet.from_images(images, ids, patch_size=32, stride=4)
    print(f"\n32x32 stride-4 patches of the 200 training images: {everything.num_patches} "
          f"(formula {formula}); {everything.describe()}")
    assert everything.num_patches == formula
    split = split_bsds300(ids, images, patch_size=32, stride=4, val_images=10, val_patches=1000, seed=0)
    held = PatchSet.from_images([images[ids.index(i)] for i in split.val_ids], split.val_ids, 32, 4)
    assert split.train.num_patches + held.num_patches == formula
    assert split.val.num_patches == 1000


def test_validation_never_overlaps_training(train_images):
    ids, images = train_images
    split = split_bsds300(ids, images, patch_size=32, stride=4, val_images=10, val_patches=1000, seed=0)
    assert not set(split.val_ids) & set(split.train.ids)
    assert set(split.val_ids) | set(split.train.ids) == set(ids)

    def digest(im):
        return hashlib.sha256(im.tobytes()).hexdigest()

    assert not {digest(im) for im in split.val.images()} & {digest(im) for im in split.train.images()}


def test_same_seed_same_real_batches(train_images):
    ids, images = train_images
    split = split_bsds300(ids, images, patch_size=36, stride=4, val_images=10, val_patches=1000, seed=0)
    a = list(training_dataset(split.train, batch_size=16, seed=4).take(3).as_numpy_iterator())
    b = list(training_dataset(split.train, batch_size=16, seed=4, start_batch=1).take(2).as_numpy_iterator())
    assert a[0]["x"].shape == (16, 36, 36, 1)
    for u, v in zip(a[1:], b):
        np.testing.assert_array_equal(u["x"], v["x"])
