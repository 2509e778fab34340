"""Degradations: the example dicts, determinism, tf.data graph mode, noise levels, configs."""
import json

import numpy as np
import pytest
import tensorflow as tf

from rim_tf.physics.tasks import (TASKS, Blur, Denoise, Downsample, Inpaint, RandomProjection,
                                  from_description)
from rim_tf.physics import quantize_8bit
from rim_tf.physics.imresize import imresize

SEED = tf.constant([7, 11], tf.int64)


def _batch(rng, batch=4, size=12, channels=1):
    return tf.constant(rng.random((batch, size, size, channels)).astype(np.float32))


ALL = [
    Denoise(sigma_range=(5 / 255, 50 / 255)),
    Denoise(sigma_range=(25 / 255, 25 / 255), quantize=True),
    RandomProjection("gaussian", 40, sigma=1.0),
    RandomProjection("binary", 40, sigma=1.0),
    RandomProjection("fourier", 40, sigma=1.0),
    RandomProjection("gaussian", 40, sigma=1.0, start="min_norm"),
    RandomProjection("fourier", 40, sigma=1.0, start="min_norm"),
    RandomProjection("binary", 40, sigma=(0.5, 4.0), start="min_norm"),
    Inpaint(0.5, sigma=0.01),
    Downsample(2),
    Downsample(3),
    Downsample(4),
    Blur(1.0, sigma=0.01),
]
IDS = [d.describe()["name"] + str(i) for i, d in enumerate(ALL)]


@pytest.mark.parametrize("degradation", ALL, ids=IDS)
def test_example_protocol(rng, degradation):
    x = _batch(rng)
    ex = degradation(x, SEED)
    assert {"x", "y", "sigma", "task_id"} <= set(ex)
    assert ex["x"] is x or np.array_equal(ex["x"].numpy(), x.numpy())
    assert ex["sigma"].shape == (4,) and ex["sigma"].dtype == tf.float32
    assert ex["task_id"].dtype == tf.int32 and int(ex["task_id"]) == degradation.task_id
    op = degradation.operator(ex)
    assert op.forward(x).shape == ex["y"].shape
    assert op.adjoint(ex["y"]).shape == x.shape
    assert op.initial_estimate(ex["y"]).shape == x.shape


@pytest.mark.parametrize("degradation", ALL, ids=IDS)
def test_deterministic_given_the_seed(rng, degradation):
    x = _batch(rng)
    a, b = degradation(x, SEED), degradation(x, SEED)
    c = degradation(x, tf.constant([7, 12], tf.int64))
    for key in a:
        np.testing.assert_array_equal(a[key].numpy(), b[key].numpy())
    if not isinstance(degradation, Downsample):  # down-sampling draws nothing
        assert not np.array_equal(a["y"].numpy(), c["y"].numpy())


def test_task_ids_are_distinct_and_stable():
    ids = {d.name: d.task_id for d in ALL}
    assert ids == {"denoise": 0, "projection_gaussian": 1, "projection_binary": 2,
                   "projection_fourier": 3, "inpaint": 4, "downsample": 14, "blur": 5}
    assert [Downsample(s).task_id for s in (2, 3, 4)] == [12, 13, 14]


def test_every_registered_task_is_tested_and_old_names_still_import():
    assert {type(d) for d in ALL} == {task for task, _ in TASKS.values()}
    from rim_tf import degradations

    assert degradations.TASK_IDS == {"denoise": 0, "projection_gaussian": 1, "projection_binary": 2,
                                     "projection_fourier": 3, "inpaint": 4}
    assert degradations.DOWNSAMPLE_TASK_OFFSET == 10 and degradations.Downsample is Downsample


class _Unregistered(Denoise):
    pass


def test_an_unregistered_task_is_named():
    with pytest.raises(ValueError, match="_Unregistered is not a registered task"):
        _Unregistered((0.1, 0.1)).task_id


def test_one_sigma_rule():
    from rim_tf.inference import check_sigma255
    from rim_tf.physics.likelihood import check_sigma as likelihood_sigma
    from rim_tf.physics.sigma import check_sigma

    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"sigma_range\[0\] \(the noise standard deviation in the units"):
            Denoise((bad, 0.1))
        with pytest.raises(ValueError, match="must be > 0"):
            likelihood_sigma(tf.constant([0.1, bad]))
        with pytest.raises(ValueError, match="--sigma .*on the 0..255 scale"):
            check_sigma255(bad, "--sigma")
    assert check_sigma(0.05) == 0.05 and check_sigma255(25) == 25.0
    with pytest.raises(ValueError, match="looks like the 0..1 scale"):
        check_sigma(0.05, unit="0..255")


@pytest.mark.parametrize("degradation", ALL, ids=IDS)
def test_runs_in_tf_data_map_and_operator_in_tf_function(rng, degradation):
    x = _batch(rng, batch=2).numpy()
    seeds = np.array([[1, 2], [3, 4]], np.int64)
    ds = tf.data.Dataset.from_tensor_slices((x[None].repeat(2, 0), seeds)).map(degradation)
    examples = list(ds)
    assert len(examples) == 2
    np.testing.assert_array_equal(examples[1]["y"].numpy(),
                                  degradation(x, tf.constant(seeds[1]))["y"].numpy())

    @tf.function
    def gradient(example):
        op = degradation.operator(example)
        residual = example["y"] - op.forward(example["x"])
        return op.adjoint(residual)

    assert gradient(examples[0]).shape == x.shape


def test_denoise_sigma_range_and_noise_level(rng):
    x = _batch(rng, batch=64, size=32)
    ex = Denoise(sigma_range=(0.05, 0.2))(x, SEED)
    sigma = ex["sigma"].numpy()
    assert sigma.min() >= 0.05 and sigma.max() <= 0.2 and sigma.std() > 0.02
    residual = (ex["y"] - x).numpy().reshape(64, -1)
    np.testing.assert_allclose(residual.std(1), sigma, rtol=0.15)
    fixed = Denoise(sigma_range=(0.1, 0.1))(x, SEED)["sigma"].numpy()
    np.testing.assert_array_equal(fixed, np.full(64, 0.1, np.float32))


def test_denoise_quantized_is_8bit_and_keeps_sigma(rng):
    x = _batch(rng, batch=8, size=16)
    ex = Denoise(sigma_range=(25 / 255, 25 / 255), quantize=True)(x, SEED)
    y255 = ex["y"].numpy() * 255
    np.testing.assert_allclose(y255, np.round(y255), atol=1e-3)
    assert y255.min() >= 0 and y255.max() <= 255 + 1e-3
    assert (y255 == 0).any() or (y255 > 254.9).any()  # clipping happened somewhere
    np.testing.assert_allclose(ex["sigma"].numpy(), 25 / 255)
    plain = Denoise(sigma_range=(25 / 255, 25 / 255))(x, SEED)["y"]
    np.testing.assert_allclose(ex["y"].numpy(), quantize_8bit(plain).numpy())


@pytest.mark.parametrize("ensemble", ["gaussian", "binary", "fourier"])
def test_projection_noise_is_sigma(rng, ensemble):
    x = _batch(rng, batch=16, size=16)
    deg = RandomProjection(ensemble, 200, sigma=1.0)
    ex = deg(x, SEED)
    noise = (ex["y"] - deg.operator(ex).forward(x)).numpy()
    if ensemble == "fourier":
        assert ex["y"].dtype == tf.complex64 and "rows" in ex
        noise = np.concatenate([noise.real, noise.imag])
    else:
        assert ex["matrix"].shape == (16, 200, 256)
    assert abs(noise.std() - 1.0) < 0.05


def test_inpaint_observes_only_kept_pixels(rng):
    x = _batch(rng, batch=3, size=20)
    ex = Inpaint(0.75, sigma=1e-9)(x, SEED)  # a sigma must be > 0 (the one rule): nearly noiseless
    mask = ex["mask"].numpy()
    np.testing.assert_array_equal((mask == 0).reshape(3, -1).sum(1), 300)
    np.testing.assert_allclose(ex["y"].numpy(), mask * x.numpy(), rtol=0, atol=1e-8)


def test_downsample_uses_matlab_uint8_arithmetic(rng):
    x = _batch(rng, batch=2, size=36, channels=3)
    deg = Downsample(3)
    ex = deg(x, SEED)
    assert ex["y"].shape == (2, 12, 12, 3)
    x8 = np.floor(x.numpy() * 255 + 0.5).astype(np.uint8)
    np.testing.assert_array_equal(ex["y"].numpy() * 255, imresize(x8, 1 / 3).numpy())
    residual = (ex["y"] - deg.operator(ex).forward(x)).numpy()
    assert np.sqrt(np.mean(residual ** 2)) < 1 / 255
    np.testing.assert_allclose(ex["sigma"].numpy(), 1 / (255 * np.sqrt(12)), rtol=1e-6)


def test_downsample_float_variant_rounds_once(rng):
    x = _batch(rng, batch=2, size=36, channels=3)
    deg = Downsample(2, matlab_uint8=False)
    ex = deg(x, SEED)
    np.testing.assert_allclose(ex["y"].numpy(), quantize_8bit(imresize(x, 1 / 2)).numpy())
    residual = ex["y"] - deg.operator(ex).forward(x)
    assert np.abs(residual.numpy()).max() <= 0.5 / 255 + 1e-6


@pytest.mark.data
def test_downsample_reproduces_a_selfexsr_lr_file(data_dir):
    import imageio.v3 as iio

    folder = data_dir / "SelfExSR" / "BSD100" / "image_SRF_4"
    hr_file = folder / "img_001_SRF_4_HR.png"
    if not hr_file.exists():
        pytest.skip(f"{hr_file} not found")
    hr = iio.imread(hr_file)
    lr = iio.imread(folder / "img_001_SRF_4_LR.png")
    x = tf.constant(hr[None].astype(np.float32) / 255)
    y = Downsample(4)(x, SEED)["y"].numpy()[0]
    np.testing.assert_array_equal(np.round(y * 255).astype(np.uint8), lr)


@pytest.mark.parametrize("degradation", ALL, ids=IDS)
def test_describe_round_trips_through_json(degradation):
    description = json.loads(json.dumps(degradation.describe()))
    rebuilt = from_description(description)
    assert rebuilt.describe() == degradation.describe()


def test_projection_start_reaches_the_operator_and_old_descriptions_mean_the_adjoint(rng):
    x = _batch(rng, batch=2, size=16)
    for ensemble in ("gaussian", "fourier"):
        plain, scaled = (RandomProjection(ensemble, 100, 1.0, start=s) for s in ("adjoint", "min_norm"))
        ex = plain(x, SEED)  # the start does not change the measurements
        np.testing.assert_array_equal(ex["y"].numpy(), scaled(x, SEED)["y"].numpy())
        x0 = scaled.operator(ex).initial_estimate(ex["y"]).numpy()
        np.testing.assert_allclose(x0 * 256, plain.operator(ex).initial_estimate(ex["y"]).numpy(),
                                   rtol=1e-4, atol=1e-3)
        # image-like: within a few tenths of [0, 1], not hundreds
        assert np.abs(x0).max() < 3.0
    old = {"name": "projection_fourier", "task_id": 3, "ensemble": "fourier", "num_measurements": 40,
           "sigma": 1.0}  # written before the start existed
    assert from_description(old).start == "adjoint"


def test_projection_noise_range_draws_one_level_per_sample_and_keeps_the_fixed_streams(rng):
    x = _batch(rng, batch=64, size=16)
    fixed = RandomProjection("gaussian", 100, 1.0)(x, SEED)
    ranged = RandomProjection("gaussian", 100, (0.5, 4.0))(x, SEED)
    sigma = ranged["sigma"].numpy()
    assert sigma.min() >= 0.5 and sigma.max() <= 4.0 and sigma.std() > 0.5  # spread over the range
    np.testing.assert_array_equal(fixed["sigma"].numpy(), np.ones(64, np.float32))
    # the same matrices (the range only re-splits the noise seed) ...
    np.testing.assert_array_equal(fixed["matrix"].numpy(), ranged["matrix"].numpy())
    # ... and per sample, noise of the drawn size: |y - A x| / sqrt(m) ~ sigma
    clean = np.einsum("bmn,bn->bm", ranged["matrix"].numpy(), x.numpy().reshape(64, -1))
    rms = np.sqrt(np.mean((ranged["y"].numpy() - clean) ** 2, axis=1))
    np.testing.assert_allclose(rms / sigma, 1.0, atol=0.25)
    for bad, message in [((2.0, 1.0), "lo <= hi"), ((0.0, 1.0), r"sigma\[0\]"), ((1.0,), "range"),
                         ([[1.0, 2.0]], "range")]:
        with pytest.raises(ValueError, match=message):
            RandomProjection("gaussian", 10, sigma=bad)


def test_bad_configuration(rng):
    with pytest.raises(ValueError, match="fraction"):
        Inpaint(1.0, sigma=0.0)
    with pytest.raises(ValueError, match="lo <= hi"):
        Denoise(sigma_range=(0.2, 0.1))
    with pytest.raises(ValueError, match="sigma"):
        RandomProjection("gaussian", 10, sigma=-1.0)
    with pytest.raises(ValueError, match="ensemble"):
        RandomProjection("uniform", 10)
    with pytest.raises(ValueError, match="projection start"):
        RandomProjection("gaussian", 10, start="A^T y")
    with pytest.raises(ValueError, match="scale"):
        Downsample(0)
    with pytest.raises(ValueError, match="num_measurements"):
        RandomProjection("binary", 145)(_batch(rng), SEED)  # 12x12 patch: 144 pixels
    with pytest.raises(ValueError, match=r"\[B, H, W, C\]"):
        Denoise(sigma_range=(0.1, 0.1))(tf.zeros((12, 12, 1)), SEED)
    with pytest.raises(ValueError, match="unknown degradation"):
        from_description({"name": "deblur"})
