"""Locating the data folder and the errors for missing, partial or damaged trees."""
import numpy as np
import pytest

from rim_tf.data import locate
from rim_tf.data.images import convert_color, read_dataset_image
from rim_tf.data.locate import CorruptDataError, DataNotFoundError
from rim_tf.data.manifest import build_manifest, verify_tree
from rim_tf.data.patches import load_bsds300_images
from rim_tf.data.synthetic import write_fake_bsds300


@pytest.fixture
def fake_root(tmp_path):
    write_fake_bsds300(tmp_path, n_train=3, n_test=2, size=(24, 20))
    return tmp_path


def test_data_dir_order(tmp_path, monkeypatch):
    monkeypatch.setenv("RIM_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert locate.resolve_data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert locate.resolve_data_dir() == tmp_path / "env"
    monkeypatch.delenv("RIM_DATA")
    assert locate.resolve_data_dir() == tmp_path / "cache" / "rim_tf"
    assert locate.default_cache_dir() == tmp_path / "cache" / "rim_tf"


def test_missing_folder_names_the_file_and_the_fix(tmp_path):
    with pytest.raises(DataNotFoundError) as err:
        locate.bsds300_split(tmp_path, "train")
    msg = str(err.value)
    assert str(tmp_path / "BSDS300") in msg and "download_data.py" in msg and "RIM_DATA" in msg


def test_partial_tree_names_the_missing_image(fake_root):
    ids = locate.read_ids(fake_root / "BSDS300" / "iids_train.txt")
    victim = fake_root / "BSDS300" / "images" / "train" / f"{ids[1]}.jpg"
    victim.unlink()
    with pytest.raises(DataNotFoundError, match=str(victim)):
        load_bsds300_images(fake_root, "train")


def test_missing_id_list(fake_root):
    (fake_root / "BSDS300" / "iids_test.txt").unlink()
    with pytest.raises(DataNotFoundError, match="iids_test.txt"):
        locate.bsds300_split(fake_root, "train")


def test_corrupt_jpeg_names_the_file(fake_root):
    ids = locate.read_ids(fake_root / "BSDS300" / "iids_train.txt")
    victim = fake_root / "BSDS300" / "images" / "train" / f"{ids[0]}.jpg"
    victim.write_bytes(victim.read_bytes()[:100])
    with pytest.raises(CorruptDataError, match=str(victim)):
        load_bsds300_images(fake_root, "train")


def test_bad_id_list(fake_root):
    (fake_root / "BSDS300" / "iids_train.txt").write_text("12a\n")
    with pytest.raises(CorruptDataError, match="12a"):
        locate.bsds300_split(fake_root, "train")
    with pytest.raises(ValueError, match="split"):
        locate.bsds300_split(fake_root, "val")


def test_verify_tree_against_a_manifest(fake_root):
    manifest = build_manifest(fake_root, datasets=("BSDS300",))
    assert verify_tree(fake_root, "BSDS300", manifest=manifest) == 5 + 2
    ids = locate.read_ids(fake_root / "BSDS300" / "iids_test.txt")
    victim = fake_root / "BSDS300" / "images" / "test" / f"{ids[0]}.jpg"
    data = bytearray(victim.read_bytes())
    data[-10] ^= 0xFF  # same size, other bytes: only sha256 sees it
    victim.write_bytes(bytes(data))
    assert verify_tree(fake_root, "BSDS300", manifest=manifest, level="size") == 7
    with pytest.raises(CorruptDataError, match="sha256"):
        verify_tree(fake_root, "BSDS300", manifest=manifest)
    victim.write_bytes(bytes(data[:-1]))
    with pytest.raises(CorruptDataError, match="bytes"):
        verify_tree(fake_root, "BSDS300", manifest=manifest, level="size")
    victim.unlink()
    with pytest.raises(DataNotFoundError, match=victim.name):
        verify_tree(fake_root, "BSDS300", manifest=manifest, level="size")


def test_gray_is_matlab_rgb2gray():
    rgb = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    expect = np.floor(rgb.astype(np.float64) @ [0.298936021, 0.587043074, 0.114020904] + 0.5)
    gray = convert_color(rgb, "gray")
    assert gray.dtype == np.uint8 and gray.shape == (5, 7, 1)
    np.testing.assert_array_equal(gray[..., 0], expect)
    assert convert_color(rgb, "rgb") is rgb
    with pytest.raises(ValueError, match="color"):
        convert_color(rgb, "hsv")


def test_read_image_returns_rgb_uint8(fake_root):
    path = next((fake_root / "BSDS300" / "images" / "train").glob("*.jpg"))
    image = read_dataset_image(path)
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[-1] == 3
    from rim_tf import imageio_utils
    from rim_tf.data import images

    # the former names of the two readers (data sets' files; people's own files) still work
    assert images.read_image is read_dataset_image and imageio_utils.read_image is imageio_utils.read_user_image
