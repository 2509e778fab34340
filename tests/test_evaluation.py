"""Evaluation of whole images and patches, shipped/trained weights, and the plots."""
import itertools
import json
import math
import sys

import numpy as np
import pytest
import tensorflow as tf

from rim_tf import build_atrous_rim, build_rim, shipped
from rim_tf.evaluation import (EvalResult, bm3d_denoiser, compiled_denoiser, estimate_psnr,
                               evaluate_denoiser, evaluate_denoising, evaluate_patches, evaluate_superres,
                               group_by_shape, noisy_observation, observation_seed, spread_indices, sr_y_psnr)
from rim_tf.evaluation.tables import _take
from rim_tf.metrics import sr_psnr


def _randomised(model, seed=0, scale=0.2):
    """A tiny model with random weights (an untrained RIM returns its initial estimate)."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        w.assign(rng.normal(0.0, scale, w.shape).astype(np.float32))
    return model


def _images(rng, shapes, channels=1):
    return [(f"im{k}", rng.integers(0, 256, size=(h, w, channels), dtype=np.uint8))
            for k, (h, w) in enumerate(shapes)]


def _save(model, path, sidecar=None):
    model.save(path)
    if sidecar is not None:
        path.with_suffix(".json").write_text(json.dumps(sidecar))
    return path


SMOKE = {"experiment": "denoise", "preset": "smoke", "reduced_budget": True, "patches_seen": 24,
         "iterations": 6, "val_psnr": 20.0, "config": {"steps": 3}}


# --------------------------------------------------------------------------- observations
def test_observation_seed_is_stable_and_distinct():
    a = observation_seed("101085", 25)
    assert a.dtype == np.int64 and a.shape == (2,)
    assert np.array_equal(a, observation_seed("101085", 25.0))
    assert not np.array_equal(a, observation_seed("101085", 50))
    assert not np.array_equal(a, observation_seed("101087", 25))
    assert np.all((a >= 0) & (a < 2**31))


def test_noisy_observation_deterministic_with_right_noise(rng):
    clean = rng.integers(40, 200, size=(64, 80, 1), dtype=np.uint8)
    y1 = noisy_observation(clean, "x", 25)
    y2 = noisy_observation(clean, "x", 25)
    assert y1.dtype == np.float32 and y1.shape == clean.shape
    assert np.array_equal(y1, y2)
    noise = (y1.astype(np.float64) - clean / 255.0) * 255.0
    assert abs(noise.std() - 25) < 1.0 and abs(noise.mean()) < 0.5
    assert not np.array_equal(y1, noisy_observation(clean, "other", 25))
    q = noisy_observation(clean, "x", 25, quantize=True)
    assert q.min() >= 0 and q.max() <= 1
    np.testing.assert_allclose(q * 255, np.round(q * 255), atol=1e-4)  # on the 8-bit grid
    # the same noise draw, rounded: paired comparison of plain and 8-bit columns
    np.testing.assert_allclose(q, np.clip(np.floor(y1 * 255 + 0.5), 0, 255) / 255, atol=1e-6)


def test_bad_sigma_refused():
    with pytest.raises(ValueError, match="sigma"):
        noisy_observation(np.zeros((4, 4, 1), np.uint8), "x", 0)


# --------------------------------------------------------------------------- grouping
def test_group_by_shape_keeps_orientations_apart():
    shapes = [(481, 321, 1), (321, 481, 1), (481, 321, 1), (481, 321, 1), (321, 481, 1)]
    assert group_by_shape(shapes, 4) == [[0, 2, 3], [1, 4]]
    assert group_by_shape(shapes, 2) == [[0, 2], [3], [1, 4]]
    assert group_by_shape(shapes, 1) == [[0], [2], [3], [1], [4]]
    batches = group_by_shape(shapes, 3)
    assert sorted(itertools.chain(*batches)) == list(range(len(shapes)))
    for batch in batches:
        assert len({shapes[k] for k in batch}) == 1
    with pytest.raises(ValueError, match="batch_size"):
        group_by_shape(shapes, 0)


# --------------------------------------------------------------------------- PSNR convention
def test_estimate_psnr_clips_and_does_not_round_by_default():
    clean = np.full((8, 8, 1), 128, np.uint8)
    half = np.full((8, 8, 1), 0.5)  # 127.5 on 0..255
    assert estimate_psnr(half, clean) == pytest.approx(10 * math.log10(255**2 / 0.25))
    assert estimate_psnr(half, clean, round_to_uint8=True) == math.inf  # 127.5 rounds to 128
    over = np.full((8, 8, 1), 1.7)  # clipped to 1 -> 255
    assert estimate_psnr(over, clean) == pytest.approx(10 * math.log10(255**2 / 127**2))


# --------------------------------------------------------------------------- denoising
def test_denoising_is_deterministic_and_batch_independent(rng):
    model = _randomised(build_rim(1, hidden_features=4, gru_features=8, steps=3))
    images = _images(rng, [(21, 17), (17, 21), (21, 17)])
    first = evaluate_denoising(model, images, sigma=25, batch_size=4, progress=False)
    second = evaluate_denoising(model, images, sigma=25, batch_size=4, progress=False)
    assert list(first.psnr) == ["im0", "im1", "im2"]  # test-set order, not batch order
    assert first.psnr == second.psnr
    single = evaluate_denoising(model, images, sigma=25, batch_size=1, progress=False)
    for k in first.psnr:
        assert single.psnr[k] == pytest.approx(first.psnr[k], abs=1e-4)
    # the randomised model changes the image: the estimate is not the observation
    assert any(abs(first.psnr[k] - first.input_psnr[k]) > 0.1 for k in first.psnr)
    assert len(first.step_psnr["im0"]) == 3 and first.step_psnr["im0"][-1] == first.psnr["im0"]
    assert set(first.seconds) == set(first.psnr) and all(s > 0 for s in first.seconds.values())
    more = evaluate_denoising(model, images, sigma=25, steps=5, progress=False)
    assert len(more.step_psnr["im1"]) == 5 and more.info["steps"] == 5
    quantized = evaluate_denoising(model, images, sigma=25, quantize=True, progress=False)
    assert quantized.psnr != first.psnr


def test_compiled_denoiser_matches_the_eager_model_and_is_reused(rng):
    model = _randomised(build_rim(1, hidden_features=4, gru_features=8, steps=3))
    y = tf.constant(rng.uniform(0.1, 0.9, (2, 13, 10, 1)).astype(np.float32))
    run = compiled_denoiser(model, 3)
    assert compiled_denoiser(model, 3) is run and compiled_denoiser(model, 4) is not run
    for sigma in (0.05, 0.2):  # a tensor sigma: one graph for every noise level
        eager = model(y, sigma=sigma, steps=3).numpy()
        np.testing.assert_allclose(run(y, tf.constant(sigma)).numpy(), eager, atol=1e-5)
    assert run.experimental_get_tracing_count() == 1


def test_spread_indices_and_subsets():
    assert spread_indices(68, 4) == [0, 22, 45, 67]
    assert spread_indices(68, 8) == [0, 10, 19, 29, 38, 48, 57, 67]
    assert spread_indices(5, 1) == [0] and spread_indices(3, 10) == [0, 1, 2]
    assert _take(iter("abcdefg"), None, 3) == ["a", "d", "g"]
    assert _take(iter("abcdefg"), 2) == ["a", "b"] and _take(iter("abc"), None) == ["a", "b", "c"]
    with pytest.raises(ValueError, match="--limit.*--subset.*not both"):
        _take(iter("abc"), 1, 1)
    with pytest.raises(ValueError, match="--subset must be >= 1"):
        _take(iter("abc"), None, 0)


def test_untrained_rim_returns_the_observation(rng):
    model = build_rim(1, hidden_features=4, gru_features=8, steps=2)  # output conv starts at zero
    images = _images(rng, [(24, 20)])
    images[0] = ("flat", np.full((24, 20, 1), 128, np.uint8))
    res = evaluate_denoising(model, images, sigma=15, quantize=True, progress=False)
    # 8-bit observation of a mid-gray image never reaches 0 or 1: nothing is clipped
    assert res.psnr["flat"] == pytest.approx(res.input_psnr["flat"], abs=1e-3)
    assert 15 < res.input_psnr["flat"] < 30


def test_wrong_channels_refused(rng):
    rgb_model = build_rim(3, hidden_features=4, gru_features=8, steps=2)
    with pytest.raises(ValueError, match=r"gray \(1-channel\).*RGB \(3-channel\)|1-channel.*3-channel"):
        evaluate_denoising(rgb_model, _images(rng, [(16, 16)]), sigma=25, progress=False)


def test_non_uint8_images_refused():
    model = build_rim(1, hidden_features=4, gru_features=8, steps=2)
    with pytest.raises(ValueError, match="uint8"):
        evaluate_denoising(model, [("a", np.zeros((8, 8, 1), np.float32))], sigma=25, progress=False)


def test_evaluate_denoiser_sees_the_same_observation(rng):
    images = _images(rng, [(16, 12), (12, 16)])
    identity = evaluate_denoiser(lambda y, s: y, images, sigma=25, quantize=True, method="id",
                                 progress=False)
    for k, v in identity.psnr.items():  # 8-bit observations lie in [0, 1]: clipping changes nothing
        assert v == pytest.approx(identity.input_psnr[k])
    seen = []
    evaluate_denoiser(lambda y, s: seen.append((y.copy(), s)) or y, images, sigma=25, quantize=True,
                      progress=False)
    assert np.array_equal(seen[0][0], noisy_observation(images[0][1], "im0", 25, quantize=True))
    assert seen[0][1] == pytest.approx(25 / 255)


def test_bm3d_missing_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "bm3d", None)
    with pytest.raises(ImportError, match="pip install bm3d"):
        bm3d_denoiser()


def test_bm3d_denoises_a_small_image():
    pytest.importorskip("bm3d")
    x = np.tile(np.linspace(30, 220, 40), (40, 1)).astype(np.uint8)[..., None]
    res = evaluate_denoiser(bm3d_denoiser(), [("ramp", x)], sigma=25, progress=False)
    assert res.psnr["ramp"] > res.input_psnr["ramp"] + 5


def test_bm3d_workers_give_the_same_numbers_as_one_process():
    pytest.importorskip("bm3d")
    ramp = np.tile(np.linspace(30, 220, 32), (32, 1))
    images = [(f"im{k}", (ramp.T if k % 2 else ramp).astype(np.uint8)[..., None] + k) for k in range(3)]
    one = evaluate_denoiser(bm3d_denoiser(), images, sigma=25, progress=False)
    two = evaluate_denoiser(bm3d_denoiser(), images, sigma=25, progress=False, workers=2)
    # the bm3d package itself differs by ~1e-6 dB between two runs in one process
    assert list(two.psnr) == ["im0", "im1", "im2"]
    assert list(two.psnr.values()) == pytest.approx(list(one.psnr.values()), abs=1e-4)
    assert two.input_psnr == one.input_psnr and two.info["workers"] == 2
    assert all(s > 0 for s in two.seconds.values())
    with pytest.raises(ValueError, match="workers must be >= 1"):
        evaluate_denoiser(bm3d_denoiser(), images, sigma=25, progress=False, workers=0)


# --------------------------------------------------------------------------- super-resolution
def test_sr_y_psnr_matches_sr_psnr(rng):
    hr = rng.integers(0, 256, size=(24, 30, 3), dtype=np.uint8)
    from rim_tf.metrics import rgb2y
    y = rgb2y(hr).astype(np.float64) / 255.0
    noisy = np.clip(y + rng.normal(0, 0.02, y.shape), 0, 1)
    ref = sr_psnr(np.clip(np.floor(noisy * 255 + 0.5), 0, 255).astype(np.uint8), rgb2y(hr), 3)
    assert sr_y_psnr(noisy, hr, 3) == pytest.approx(ref)


@pytest.mark.data
@pytest.mark.parametrize("scale", [2, 3, 4])
def test_superres_bicubic_reproduces_sr_psnr(data_dir, scale):
    from rim_tf.data import iter_test_set
    from rim_tf.physics.imresize import imresize

    pairs = list(itertools.islice(iter_test_set(f"bsd100-sr-x{scale}", data_dir), 2))
    model = build_atrous_rim(1, hidden_features=4, gru_features=4, steps=2)  # untrained: returns x_init
    bicubic, rim = evaluate_superres(model, pairs, batch_size=2, progress=False)
    assert list(bicubic.psnr) == [p.name for p in pairs]
    for p in pairs:
        # the MATLAB way: uint8 imresize of the RGB LR image, then Y of both, shave, PSNR
        ref = sr_psnr(imresize(p.lr, scale=scale).numpy(), p.hr, scale)
        assert bicubic.psnr[p.name] == pytest.approx(ref, abs=0.02)
        assert rim.psnr[p.name] == pytest.approx(bicubic.psnr[p.name], abs=0.01)
        assert rim.input_psnr[p.name] == bicubic.psnr[p.name]
    only, none = evaluate_superres(None, pairs, progress=False)
    assert none is None and only.psnr == bicubic.psnr


@pytest.mark.data
def test_superres_needs_a_gray_model(data_dir):
    from rim_tf.data import iter_test_set
    pairs = list(itertools.islice(iter_test_set("bsd100-sr-x4", data_dir), 1))
    with pytest.raises(ValueError, match="Y channel"):
        evaluate_superres(build_rim(3, hidden_features=4, gru_features=8), pairs, progress=False)


# --------------------------------------------------------------------------- patches
def test_evaluate_patches_same_measurements_for_every_model(rng):
    from rim_tf.physics.tasks import RandomProjection

    patches = rng.uniform(0.1, 0.9, size=(6, 8, 8, 1)).astype(np.float32)
    a = _randomised(build_rim(1, hidden_features=4, gru_features=8, steps=2), seed=1, scale=0.05)
    twin = build_rim(1, hidden_features=4, gru_features=8, steps=2)
    twin.set_weights(a.get_weights())
    deg = RandomProjection("fourier", 32, sigma=1.0)
    res = evaluate_patches({"A": a, "twin": twin}, patches, deg, steps=4, batch_size=4, progress=False)
    assert res["A"].patch_psnr.shape == (6, 5)
    np.testing.assert_allclose(res["A"].patch_psnr, res["twin"].patch_psnr, atol=1e-5)
    again = evaluate_patches({"A": a}, patches, deg, steps=4, batch_size=4, progress=False)
    np.testing.assert_allclose(again["A"].patch_psnr, res["A"].patch_psnr, atol=1e-6)
    assert res["A"].trained_steps == 2 and res["A"].at_step(2) == pytest.approx(res["A"].step_psnr[2])
    other_seed = evaluate_patches({"A": a}, patches, deg, steps=4, batch_size=4, seed=7, progress=False)
    assert not np.allclose(other_seed["A"].patch_psnr, res["A"].patch_psnr)


@pytest.mark.data
def test_random_test_patches(data_dir):
    from rim_tf.evaluation import random_test_patches
    p1, ids1 = random_test_patches(data_dir, n=5, size=32, seed=3)
    p2, ids2 = random_test_patches(data_dir, n=5, size=32, seed=3)
    assert p1.shape == (5, 32, 32, 1) and p1.dtype == np.float32 and 0 <= p1.min() and p1.max() <= 1
    assert ids1 == ids2 and np.array_equal(p1, p2)
    assert random_test_patches(data_dir, n=5, size=32, seed=4)[1] != ids1


# --------------------------------------------------------------------------- weights
def test_load_weights_round_trip_with_and_without_sidecar(tmp_path):
    model = _randomised(build_rim(1, hidden_features=4, gru_features=8, steps=3))
    path = _save(model, tmp_path / "model.keras", SMOKE)
    loaded, side = shipped.load_weights(path)
    assert side["preset"] == "smoke" and loaded.steps == 3 and loaded.channels == 1
    x = tf.random.stateless_uniform([1, 12, 12, 1], [1, 2])
    np.testing.assert_allclose(loaded(x, sigma=0.1).numpy(), model(x, sigma=0.1).numpy(), atol=1e-6)
    assert shipped.load_weights(tmp_path)[1] == side  # a run folder works too
    info = shipped.run_info(side, str(path))
    assert info.preset == "smoke" and info.patches_seen == 24 and info.reduced_budget
    path.with_suffix(".json").unlink()
    _, side = shipped.load_weights(path)
    assert side == {}
    info = shipped.run_info(side, str(path))
    assert info.preset == shipped.UNKNOWN_BUDGET and "unknown" in info.header()


def test_run_info_paper_stopped_early_is_reduced():
    assert not shipped.run_info({"preset": "paper", "reduced_budget": False}).reduced_budget
    info = shipped.run_info({"preset": "paper", "reduced_budget": True, "patches_seen": 10})
    assert info.reduced_budget and "REDUCED BUDGET" in info.header()


def test_load_weights_errors(tmp_path):
    missing = tmp_path / "nothing.keras"
    with pytest.raises(FileNotFoundError, match="nothing.keras"):
        shipped.load_weights(missing)
    corrupt = tmp_path / "corrupt.keras"
    corrupt.write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="corrupt.keras"):
        shipped.load_weights(corrupt)
    good = _save(build_rim(1, hidden_features=4, gru_features=8), tmp_path / "good.keras")
    good.with_suffix(".json").write_text("{not json")
    with pytest.raises(ValueError, match="good.json"):
        shipped.load_weights(good)
    wrong = tmp_path / "weights.h5"
    wrong.write_bytes(b"x")
    with pytest.raises(ValueError, match=".keras"):
        shipped.load_weights(wrong)


def test_shipped_weights_errors(monkeypatch, tmp_path):
    monkeypatch.setattr(shipped, "WEIGHTS_DIR", tmp_path / "weights")
    with pytest.raises(FileNotFoundError) as err:
        shipped.pretrained("denoise")
    assert "train_denoise.py --preset cpu" in str(err.value) and "superres" in str(err.value)
    with pytest.raises(ValueError, match="3task"):
        shipped.pretrained("bogus")
    with pytest.raises(FileNotFoundError, match="train_denoise"):
        shipped.resolve_weights(None, "denoise")
    with pytest.raises(FileNotFoundError, match="weights file not found"):
        shipped.resolve_weights(str(tmp_path / "run" / "model.keras"), "denoise")
    with pytest.raises(ValueError, match="neither an existing file nor a shipped name"):
        shipped.resolve_weights("bogus", "denoise")


def test_shipped_weights_load_by_name(monkeypatch, tmp_path):
    monkeypatch.setattr(shipped, "WEIGHTS_DIR", tmp_path)
    _save(build_rim(3, hidden_features=4, gru_features=8), tmp_path / "color.keras", SMOKE)
    model, side = shipped.resolve_weights(None, "color")
    assert model.channels == 3 and side["preset"] == "smoke"
    assert shipped.resolve_weights_path("color", "denoise") == tmp_path / "color.keras"


def test_check_channels_message():
    with pytest.raises(ValueError, match="Table 2"):
        shipped.check_channels(build_rim(3, hidden_features=4, gru_features=8), 1, "Table 2")


def test_eval_result_means():
    r = EvalResult("m", "s", {"a": 10.0, "b": 20.0}, {"a": 1.0, "b": 3.0},
                   step_psnr={"a": [5.0, 10.0], "b": [15.0, 20.0]})
    assert r.mean_psnr == 15.0 and r.mean_seconds == 2.0 and r.mean_step_psnr == [10.0, 15.0]
    assert r.to_dict()["n_images"] == 2


# --------------------------------------------------------------------------- plots
def test_plots_write_pngs(tmp_path):
    pytest.importorskip("matplotlib")
    from rim_tf.plotting import plot_image_grid, plot_step_curves
    p = plot_step_curves({"a": {"RIM": [1, 2, 3], "GDN": [1, 1.5, 1]}, "b": {"RIM": [2, 3, 4]}},
                         tmp_path / "c.png", trained_steps=1)
    img = np.linspace(0, 1, 64).reshape(8, 8)
    q = plot_image_grid([("x", img, None), ("y", img[..., None], 12.3)], tmp_path / "g.png")
    for path in (p, q):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError):
        plot_step_curves({}, tmp_path / "none.png")


def test_weights_label_names_shipped_files_the_same_everywhere(tmp_path):
    path = shipped.WEIGHTS_DIR / "denoise.keras"
    assert shipped.weights_label(path) == "shipped denoise (rim_tf/weights/denoise.keras)"
    own = tmp_path / "denoise.keras"  # same name, elsewhere: not the shipped file
    assert shipped.weights_label(own) == str(own)


def test_weights_label_names_files_under_the_working_directory_relatively(tmp_path, monkeypatch):
    run = tmp_path / "campaigns" / "3task"
    run.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert shipped.weights_label(run / "model.keras") == "campaigns/3task/model.keras"
    assert shipped.weights_label("campaigns/3task/model.keras") == "campaigns/3task/model.keras"
    monkeypatch.chdir(run)
    outside = tmp_path / "other.keras"  # not under the working directory: the path as given
    assert shipped.weights_label(outside) == str(outside)


class _FillWith:
    """A stand-in model for ``inpaint_image``: keeps the observed pixels, sets the removed
    ones to ``fill`` (a constant, or the clean image for an oracle)."""

    channels, steps = 1, 2

    def __init__(self, fill):
        self.fill = fill

    def __call__(self, y, *, operator, sigma, steps):
        est = operator.mask * y + (1.0 - operator.mask) * self.fill
        return tf.stack([est] * steps)


def test_inpaint_image_scores_the_removed_pixels_apart(rng):
    """The whole-image PSNR rewards moving the holes' zeros towards grey; the removed pixels'
    PSNR says whether a model filled them: an oracle fill is far above a grey one there."""
    from rim_tf.evaluation import inpaint_image

    clean = rng.uniform(0.2, 0.8, (32, 32, 1)).astype(np.float32)
    out = inpaint_image({"grey": _FillWith(0.5), "oracle": _FillWith(clean[None])}, clean,
                        fraction=0.5, sigma=1e-3, steps=2)
    removed = out["mask"] < 0.5
    assert 0.4 < removed.mean() < 0.6
    zeros = 10 * np.log10(1.0 / np.mean(clean[removed] ** 2))  # the observation: 0 in the holes
    assert out["observed_psnr_removed"] == pytest.approx(zeros, abs=1e-4)
    assert out["psnr"]["grey"] > out["observed_psnr"]  # grey beats zeros on the whole image...
    assert out["psnr_removed"]["grey"] < 20 < out["psnr_removed"]["oracle"]  # ...but fills nothing
    # all of the grey fill's error sits in the removed pixels: its MSE there is the image's / share
    share = removed.mean()
    assert out["psnr_removed"]["grey"] == pytest.approx(out["psnr"]["grey"] + 10 * np.log10(share), abs=0.01)
    nothing = inpaint_image({"grey": _FillWith(0.5)}, clean, fraction=0.0, sigma=1e-3, steps=2)
    assert nothing["observed_psnr_removed"] is None and nothing["psnr_removed"] == {"grey": None}
