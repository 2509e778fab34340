"""Test sets by name, on a fake tree whose test ids include the 68 of Roth and Black."""
import numpy as np
import pytest

from rim_tf.data import testsets
from rim_tf.data.images import read_dataset_image
from rim_tf.data.locate import DataNotFoundError
from rim_tf.data.synthetic import write_fake_bsds300, write_fake_selfexsr

TEST_IDS = list(testsets.BSD68_IDS) + ["156065", "97033"]  # plus one excluded, one after


@pytest.fixture(scope="module")
def fake_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("fake")
    write_fake_bsds300(root, n_train=2, n_test=0, size=(12, 9), test_ids=TEST_IDS)
    write_fake_selfexsr(root)
    return root


def test_bsd68_rule_matches_the_list():
    assert testsets.bsd68_rule(TEST_IDS) == testsets.BSD68_IDS
    assert len(testsets.BSD68_IDS) == len(set(testsets.BSD68_IDS)) == 68


def test_bsd68_is_rounded_rgb2gray(fake_root):
    images = testsets.load_test_set("bsd68", fake_root)
    assert [im.id for im in images] == list(testsets.BSD68_IDS)
    w = np.array([0.298936021, 0.587043074, 0.114020904])
    for im in images[:5]:
        rgb = read_dataset_image(fake_root / "BSDS300" / "images" / "test" / f"{im.id}.jpg")
        assert im.image.dtype == np.uint8 and im.image.shape == rgb.shape[:2] + (1,)
        np.testing.assert_array_equal(im.image[..., 0], np.floor(rgb @ w + 0.5))


def test_color_sets(fake_root):
    cbsd = testsets.load_test_set("cbsd68", fake_root)
    assert len(cbsd) == 68 and all(im.image.shape[-1] == 3 for im in cbsd)
    full = testsets.load_test_set("bsds300-test", fake_root)
    assert [im.id for im in full] == sorted(TEST_IDS)
    gray = testsets.load_test_set("bsds300-test-gray", fake_root)
    assert len(gray) == 70 and gray[0].image.shape[-1] == 1


def test_sr_pairs_carry_name_id_and_scale(fake_root):
    for s in (2, 3, 4):
        pairs = testsets.load_test_set(f"bsd100-sr-x{s}", fake_root)
        assert len(pairs) == 70
        first = pairs[0]
        assert (first.name, first.id, first.scale) == ("img_001", sorted(TEST_IDS)[0], s)
        assert pairs[-1].name == "img_070"
        for p in pairs[:3]:
            assert p.hr.dtype == p.lr.dtype == np.uint8
            assert p.hr.shape[0] == p.lr.shape[0] * s and p.hr.shape[1] == p.lr.shape[1] * s


def test_sr_names_are_lexicographic():
    names = testsets.sr_names(["3096", "101085", "97033"])
    assert names == [("img_001", "101085"), ("img_002", "3096"), ("img_003", "97033")]


def test_missing_sr_file_is_named(fake_root, tmp_path):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(fake_root, root)
    victim = root / "SelfExSR" / "BSD100" / "image_SRF_3" / "img_002_SRF_3_LR.png"
    victim.unlink()
    with pytest.raises(DataNotFoundError, match="img_002_SRF_3_LR.png"):
        testsets.iter_test_set("bsd100-sr-x3", root)  # checked before any image is read


def test_unknown_name(fake_root):
    with pytest.raises(ValueError, match="bsd68"):
        testsets.load_test_set("set5", fake_root)


def test_bsd68_needs_its_ids(tmp_path):
    write_fake_bsds300(tmp_path, n_train=1, n_test=2, size=(12, 9))
    with pytest.raises(ValueError, match="BSD68"):
        testsets.load_test_set("bsd68", tmp_path)
