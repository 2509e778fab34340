"""tf.data pipelines: cutting in the graph, seeded order and noise, resuming, mixed tasks."""
import numpy as np
import pytest
import tensorflow as tf

from rim_tf.data.patches import PatchSet
from rim_tf.data.pipeline import (
    PatchCutter,
    TaskMixture,
    batch_tasks,
    steps_per_epoch,
    training_dataset,
    validation_dataset,
)

B = 8


@pytest.fixture(scope="module")
def patches():
    rng = np.random.default_rng(0)
    ims = [rng.integers(0, 256, s, dtype=np.uint8) for s in [(21, 14, 1), (14, 21, 1), (18, 18, 1)]]
    return PatchSet.from_images(ims, ["a", "b", "c"], patch_size=6, stride=3)  # 18 + 18 + 25 = 61 patches


def noise(x, seed):
    """A stand-in for a denoising degradation: y = x + 0.1 n."""
    n = tf.random.stateless_normal(tf.shape(x), seed)
    return {"x": x, "y": x + 0.1 * n, "sigma": tf.fill(tf.shape(x)[:1], 0.1), "task_id": tf.constant(0)}


def pool(x, seed):
    """A stand-in for super-resolution: a 2x average-pooled y of another shape."""
    return {"x": x, "y": tf.nn.avg_pool2d(x, 2, 2, "VALID"), "sigma": tf.fill(tf.shape(x)[:1], 0.0),
            "task_id": tf.constant(1)}


def project(x, seed):
    """A stand-in for random projections: carries an extra "matrix"."""
    m = tf.random.stateless_normal([5, 36], seed)
    y = tf.einsum("mn,bn->bm", m, tf.reshape(x, [tf.shape(x)[0], -1]))
    return {"x": x, "y": y, "sigma": tf.fill(tf.shape(x)[:1], 1.0), "matrix": m, "task_id": tf.constant(2)}


def fourier(x, seed):
    """A stand-in for the Fourier ensemble: complex measurements, a key of another dtype."""
    y = tf.signal.fft2d(tf.complex(x[..., 0], 0.0))[:, :2, :3]
    return {"x": x, "y": tf.reshape(y, [-1, 6]), "sigma": tf.fill(tf.shape(x)[:1], 1.0),
            "rows": tf.range(6), "task_id": tf.constant(3)}


def take(ds, n=None):
    return list((ds if n is None else ds.take(n)).as_numpy_iterator())


def rows_of(patches, batch):
    """Recover the patch rows of a clean batch by matching against all patches."""
    every = patches.cut(np.arange(patches.num_patches)).reshape(patches.num_patches, -1)
    flat = np.round(batch["x"] * 255).astype(np.uint8).reshape(len(batch["x"]), -1)
    hits = [np.flatnonzero((every == f).all(axis=1)) for f in flat]
    assert all(len(h) >= 1 for h in hits)
    return [int(h[0]) for h in hits]


def test_cutter_matches_numpy(patches):
    rows = np.array([0, 5, 31, 60])
    got = PatchCutter(patches)(tf.constant(rows, tf.int32)).numpy()
    assert got.dtype == np.float32 and got.shape == (4, 6, 6, 1)
    np.testing.assert_array_equal(np.round(got * 255).astype(np.uint8), patches.cut(rows))


def test_clean_batches_cover_each_epoch_once(patches):
    steps = steps_per_epoch(patches, B)
    assert steps == 61 // B
    ds = training_dataset(patches, batch_size=B, seed=3, epochs=2)
    assert ds.element_spec["x"].shape.as_list() == [B, 6, 6, 1]
    batches = take(ds)
    assert len(batches) == 2 * steps and set(batches[0]) == {"x"}
    assert all(0 <= b["x"].min() and b["x"].max() <= 1 for b in batches)
    epoch0 = sum((rows_of(patches, b) for b in batches[:steps]), [])
    epoch1 = sum((rows_of(patches, b) for b in batches[steps:]), [])
    assert len(set(epoch0)) == len(epoch0) == steps * B  # no patch twice within an epoch
    assert epoch0 != epoch1  # a new permutation each epoch


def test_same_seed_same_batches_other_seed_other(patches):
    a = take(training_dataset(patches, batch_size=B, seed=7, degradation=noise), 4)
    b = take(training_dataset(patches, batch_size=B, seed=7, degradation=noise), 4)
    c = take(training_dataset(patches, batch_size=B, seed=8, degradation=noise), 4)
    for u, v in zip(a, b):
        for k in u:
            np.testing.assert_array_equal(u[k], v[k])
    assert not np.array_equal(a[0]["x"], c[0]["x"])
    # each batch gets its own noise
    assert not np.allclose(a[0]["y"] - a[0]["x"], a[1]["y"] - a[1]["x"])


@pytest.mark.parametrize("start", [3, 7, 10])  # inside epoch 0, at the epoch boundary (7 steps), in epoch 1
def test_resume_sees_the_same_batches(patches, start):
    full = take(training_dataset(patches, batch_size=B, seed=5, degradation=noise, epochs=2))
    resumed = take(training_dataset(patches, batch_size=B, seed=5, degradation=noise, epochs=2,
                                    start_batch=start))
    assert len(resumed) == len(full) - start
    for u, v in zip(full[start:], resumed):
        np.testing.assert_array_equal(u["x"], v["x"])
        np.testing.assert_array_equal(u["y"], v["y"])


def test_mixed_tasks_one_task_per_batch(patches):
    degs = [noise, pool, project]
    ds = training_dataset(patches, batch_size=B, seed=11, degradation=degs, epochs=2)
    spec = ds.element_spec
    assert set(spec) == {"x", "y", "sigma", "task_id", "matrix"}
    assert spec["y"].shape.rank is None  # rank 4 for images, rank 2 for projections
    batches = take(ds)
    tasks = [int(b["task_id"]) for b in batches]
    assert tasks == batch_tasks(11, range(len(batches)), 3).tolist()
    assert set(tasks) == {0, 1, 2}
    for b, t in zip(batches, tasks):
        assert b["y"].shape == [(B, 6, 6, 1), (B, 3, 3, 1), (B, 5)][t]
        assert b["matrix"].shape == ((5, 36) if t == 2 else (0, 0))  # absent key -> empty tensor
    # the mixture sees the same clean batches as the single-task stream
    clean = take(training_dataset(patches, batch_size=B, seed=11, epochs=2))
    for u, v in zip(batches, clean):
        np.testing.assert_array_equal(u["x"], v["x"])
    # and resumes like it
    resumed = take(training_dataset(patches, batch_size=B, seed=11, degradation=degs, epochs=2,
                                    start_batch=9))
    assert [int(b["task_id"]) for b in resumed] == tasks[9:]
    np.testing.assert_array_equal(resumed[0]["y"], batches[9]["y"])


def test_mixture_weights(patches):
    ds = training_dataset(patches, batch_size=B, seed=2, degradation=[noise, pool], weights=[0, 1])
    assert {int(b["task_id"]) for b in take(ds)} == {1}
    with pytest.raises(ValueError, match="weights"):
        training_dataset(patches, batch_size=B, seed=2, degradation=[noise, pool], weights=[1, -1])


def test_dtype_conflict_needs_a_python_merge(patches):
    degs = [noise, fourier, pool]
    with pytest.raises(ValueError, match="'y' is float32 in one task and complex64.*merge=False"):
        training_dataset(patches, batch_size=B, seed=0, degradation=degs)
    mixture = training_dataset(patches, batch_size=B, seed=0, degradation=degs, merge=False)
    assert isinstance(mixture, TaskMixture) and len(mixture.element_specs) == 3
    batches = list(mixture.as_numpy_iterator())
    tasks = batch_tasks(0, range(len(batches)), 3)
    assert len(batches) == 2 * steps_per_epoch(patches, B) and set(tasks) == {0, 1, 2}
    for b, t in zip(batches, tasks):
        assert int(b["task_id"]) == [0, 3, 1][t]
        assert b["y"].dtype == (np.complex64 if t == 1 else np.float32)
        assert ("rows" in b) == (t == 1)  # each task keeps its own keys


def test_python_merge_equals_tf_data_merge(patches):
    degs = [noise, pool, project]
    merged = take(training_dataset(patches, batch_size=B, seed=4, degradation=degs, start_batch=2))
    mixture = training_dataset(patches, batch_size=B, seed=4, degradation=degs, start_batch=2, merge=False)
    python = list(mixture.as_numpy_iterator())
    assert len(python) == len(merged)
    for u, v in zip(merged, python):
        for k in v:
            np.testing.assert_array_equal(u[k], v[k])


def test_validation_is_fixed_and_complete(patches):
    a = take(validation_dataset(patches, batch_size=B, seed=1, degradation=noise))
    b = take(validation_dataset(patches, batch_size=B, seed=1, degradation=noise))
    assert len(a) == -(-61 // B) and a[-1]["x"].shape[0] == 61 % B
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u["y"], v["y"])
    got = np.concatenate([np.round(u["x"] * 255).astype(np.uint8) for u in a])
    np.testing.assert_array_equal(got, patches.cut(np.arange(61)))  # every patch, in order


def test_bad_arguments(patches):
    with pytest.raises(ValueError, match="batch_size"):
        training_dataset(patches, batch_size=0, seed=0)
    with pytest.raises(ValueError, match="exceeds"):
        training_dataset(patches, batch_size=1000, seed=0)
    with pytest.raises(ValueError, match="start_batch"):
        training_dataset(patches, batch_size=B, seed=0, epochs=1, start_batch=8)
    with pytest.raises(ValueError, match="seed"):
        training_dataset(patches, batch_size=B, seed="0")
    with pytest.raises(TypeError, match="dict"):
        training_dataset(patches, batch_size=B, seed=0, degradation=lambda x, s: x)
    with pytest.raises(ValueError, match="'x'"):
        training_dataset(patches, batch_size=B, seed=0, degradation=lambda x, s: {"y": x})


def test_endless_stream(patches):
    ds = training_dataset(patches, batch_size=B, seed=0, epochs=None, start_batch=25)
    assert len(take(ds, 30)) == 30


def test_one_call_setup_from_rim_data(tmp_path, monkeypatch):
    from rim_tf.data.pipeline import bsds300_training_data
    from rim_tf.data.synthetic import write_fake_bsds300

    write_fake_bsds300(tmp_path, n_train=3, n_test=1, size=(20, 16))
    monkeypatch.setenv("RIM_DATA", str(tmp_path))
    run = bsds300_training_data(batch_size=4, seed=0, degradation=noise, patch_size=8, stride=4,
                                val_images=1, val_patches=10)
    assert run.train.element_spec["y"].shape.as_list() == [4, 8, 8, 1]
    assert run.steps_per_epoch == run.patches.train.num_patches // 4
    assert len(list(run.train.as_numpy_iterator())) == 2 * run.steps_per_epoch
    assert [b["x"].shape[0] for b in run.validation.as_numpy_iterator()] == [4, 4, 2]
    assert not set(run.patches.val_ids) & set(run.patches.train.ids)
