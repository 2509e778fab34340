"""SavedModel and LiteRT exports agree with the Keras model; bad requests fail cleanly."""
import json
import shutil

import numpy as np
import pytest
import tensorflow as tf

from rim_tf.cli.export import main as export_main
from rim_tf.export import LiteRTModel, export_model
from rim_tf.inference import superres_y
from rim_tf.metrics import psnr
from rim_tf.shipped import WEIGHTS_DIR, load_weights


def _unit(image):
    image = np.asarray(image)
    return (image / 255.0).astype(np.float32) if image.dtype == np.uint8 else image.astype(np.float32)


@pytest.fixture(scope="module")
def denoiser():
    return load_weights(WEIGHTS_DIR / "denoise.keras")


@pytest.fixture(scope="module")
def bsd68_pairs(data_dir):
    """Two BSD68 test images (an odd-sized crop of each, to exercise dynamic shapes) and their
    noisy versions at sigma 25."""
    from rim_tf.data import iter_test_set

    rng = np.random.default_rng(0)
    pairs = []
    for item in list(iter_test_set("bsd68", data_dir))[:2]:
        clean = _unit(item.image)[:161, :203]
        clean = clean[..., None] if clean.ndim == 2 else clean
        pairs.append((clean, (clean + 25 / 255 * rng.normal(size=clean.shape)).astype(np.float32)))
    return pairs


@pytest.fixture(scope="module")
def exported_denoiser(denoiser, tmp_path_factory):
    model, sidecar = denoiser
    folder = tmp_path_factory.mktemp("export")
    return {w: export_model(model, sidecar, folder / f"d-{w}.tflite", weight_type=w).path
            for w in ("float32", "float16", "int8")}


def test_tflite_denoiser_agrees_with_keras_on_real_images(denoiser, exported_denoiser, bsd68_pairs):
    model, _ = denoiser
    lite = LiteRTModel(exported_denoiser["float32"])
    assert lite.signatures == ("denoise",)
    for clean, noisy in bsd68_pairs:
        keras_out = model(noisy[None], sigma=25 / 255)[-1].numpy()
        lite_out = lite("denoise", noisy=noisy[None], sigma=25.0)
        assert lite_out.shape == keras_out.shape == (1,) + clean.shape
        assert np.abs(lite_out - keras_out).max() < 1e-4


@pytest.mark.parametrize("weight_type,max_loss_db", [("float16", 0.05), ("int8", 0.5)])
def test_quantized_denoisers_lose_at_most_a_stated_psnr(denoiser, exported_denoiser, bsd68_pairs,
                                                        weight_type, max_loss_db):
    model, _ = denoiser
    lite = LiteRTModel(exported_denoiser[weight_type])
    losses = []
    for clean, noisy in bsd68_pairs:
        reference = psnr(model(noisy[None], sigma=25 / 255)[-1].numpy()[0], clean, data_range=1.0)
        losses.append(reference - psnr(lite("denoise", noisy=noisy[None], sigma=25.0)[0], clean, data_range=1.0))
    assert max(losses) < max_loss_db, losses
    sizes = {w: p.stat().st_size for w, p in exported_denoiser.items()}
    assert sizes[weight_type] < 0.7 * sizes["float32"]


def test_savedmodel_denoiser_agrees_with_keras(denoiser, bsd68_pairs, tmp_path):
    model, sidecar = denoiser
    result = export_model(model, sidecar, tmp_path / "sm", fmt="savedmodel")
    loaded = tf.saved_model.load(str(result.path))
    clean, noisy = bsd68_pairs[0]
    batch = np.stack([noisy, noisy[::-1]])  # a batch of two, of an odd size
    out = loaded.signatures["denoise"](noisy=tf.constant(batch), sigma=tf.constant(25.0))["estimate"].numpy()
    np.testing.assert_allclose(out, model(batch, sigma=25 / 255)[-1].numpy(), atol=1e-4)


def test_superres_tflite_agrees_with_the_inference_path(data_dir, tmp_path):
    from rim_tf.data import iter_test_set
    from rim_tf.inference import rgb_to_ycbcr

    model, sidecar = load_weights(WEIGHTS_DIR / "superres.keras")
    result = export_model(model, sidecar, tmp_path / "sr.tflite", scales=[2], lr_size=(40, 52))
    assert result.signatures == ("x2",) and result.input_size == (40, 52)
    lite = LiteRTModel(result.path)
    lr = _unit(next(iter(iter_test_set("bsd100-sr-x2", data_dir))).lr)
    y = rgb_to_ycbcr(lr)[..., :1] if lr.ndim == 3 and lr.shape[-1] == 3 else lr.reshape(lr.shape[:2] + (1,))
    y = np.asarray(y[:40, :52], np.float32)
    expected = superres_y(model, y, 2, tile=0)
    got = lite("x2", low_res=y[None])[0]
    assert got.shape == (80, 104, 1) and np.abs(got - expected).max() < 1e-4


# ------------------------------------------------------------------ bad requests
def test_an_untrained_scale_and_bad_steps_are_refused(tmp_path):
    model, sidecar = load_weights(WEIGHTS_DIR / "superres.keras")
    only_x2 = json.loads(json.dumps(sidecar))
    only_x2["config"]["scales"] = [2]
    with pytest.raises(ValueError, match="trained for scale\\(s\\) 2, not 3"):
        export_model(model, only_x2, tmp_path / "a.tflite", scales=[3])
    with pytest.raises(ValueError, match="steps must be >= 1"):
        export_model(model, sidecar, tmp_path / "b.tflite", steps=0)
    with pytest.raises(ValueError, match="float16 and int8 are LiteRT"):
        export_model(model, sidecar, tmp_path / "c", fmt="savedmodel", weight_type="int8")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv,message", [
    (["nosuchweights", "-o", "{tmp}/x.tflite"], "neither an existing file nor a shipped name"),
    (["denoise", "-o", "{tmp}/x.tflite", "--steps", "0"], "expected a positive integer"),
    (["superres", "-o", "{tmp}/x.tflite", "--scale", "5"], "scale must be one of 2, 3, 4"),
    (["denoise", "-o", "{tmp}/x.tflite", "--scale", "2"], "super-resolution options"),
    (["denoise", "-o", "{tmp}/exists.tflite"], "exists; remove it or choose another -o"),
    (["denoise", "-o", "{tmp}/no/such/folder/x.tflite"], "does not exist"),
])
def test_cli_refuses_bad_requests(argv, message, tmp_path, capsys):
    (tmp_path / "exists.tflite").write_bytes(b"keep me")
    code = export_main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert code == 2
    assert message in capsys.readouterr().err
    assert (tmp_path / "exists.tflite").read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exists.tflite"]


def test_a_failed_conversion_leaves_nothing(denoiser, tmp_path, monkeypatch):
    import rim_tf.export as export

    def broken(*args, **kwargs):
        raise RuntimeError("converter crashed")

    monkeypatch.setattr(export, "_tflite_bytes", broken)
    model, sidecar = denoiser
    with pytest.raises(RuntimeError, match="converter crashed"):
        export_model(model, sidecar, tmp_path / "x.tflite")
    monkeypatch.setattr(tf.saved_model, "save", broken)
    with pytest.raises(RuntimeError):
        export_model(model, sidecar, tmp_path / "sm", fmt="savedmodel")
    assert list(tmp_path.iterdir()) == []


def test_cli_exports_a_shipped_denoiser(tmp_path, capsys):
    out = tmp_path / "denoise.tflite"
    assert export_main(["denoise", "--format", "tflite", "-o", str(out), "--quiet"]) == 0
    assert "dynamic height and width" in capsys.readouterr().out
    lite = LiteRTModel(out)
    x = np.full((1, 9, 11, 1), 0.5, np.float32)
    assert lite("denoise", noisy=x, sigma=10.0).shape == (1, 9, 11, 1)
    shutil.rmtree(tmp_path)
