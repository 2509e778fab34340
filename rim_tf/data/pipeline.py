"""``tf.data`` input pipelines: shuffled patch batches, degraded on the fly, reproducibly.

One training stream is fully determined by ``(patches, batch_size, seed)``:

* **Order.** Epoch ``e`` visits the patches in the order of a stateless shuffle seeded by
  ``fold_in(order_seed, e)``; each epoch has ``num_patches // batch_size`` full batches (the
  remainder of the permutation is dropped, so every batch has the same static shape).
  Batch ``b`` (counted over epochs) is batch ``b % steps`` of epoch ``b // steps``.
* **Degradation.** ``degradation(x, seed)`` gets the clean batch ``x`` (``float32 [B, P, P, C]``
  in [0, 1]) and ``seed = fold_in(degrade_seed, b)`` (``int64 [2]``), and returns a dict
  ``{"x": ..., "y": ..., "sigma": [B], "task_id": ..., ...}``. With ``degradation=None``
  batches are ``{"x": x}``.
* **Resuming.** ``start_batch=k`` starts the stream at batch ``k``: the epoch permutation is
  recomputed and the first ``k % steps`` batches of epoch ``k // steps`` are sliced off, so
  a resumed run sees exactly the batches (and noise) it would have seen, at no cost.
* **Mixed tasks.** ``degradation=[d0, d1, ...]`` gives every batch a single task, drawn
  for batch ``b`` from ``weights`` (uniform by default) with the seed
  ``fold_in(task_seed, b)``. Each task has its own branch of the pipeline (the batch
  stream filtered to that task's batches, then degraded), and the branches are merged in
  batch order, driven by the same choice sequence, in one of two ways:

  - ``merge=True`` (default): one ``tf.data.Dataset`` from
    ``tf.data.Dataset.choose_from_datasets``. Tasks may return different shapes or ranks
    for a key (super-resolution at x2/x3/x4 gives ``y`` of different sizes; a projection
    gives ``y [B, M]``): the merged ``element_spec`` has ``None`` dimensions (or unknown
    rank) there. Tasks may return different keys (a projection carries a ``"matrix"``):
    a key a task lacks is filled with an *empty* tensor of its dtype (shape ``[0, ..., 0]``),
    so every batch has the union of keys; the consumer dispatches on ``"task_id"`` and
    reads only that task's keys. A key with different dtypes in two tasks (the Fourier
    ensemble's complex ``y`` next to a real ``y``) cannot be merged: ``ValueError``.
  - ``merge=False``: a :class:`TaskMixture`, an iterable over the same batches in the same
    order, merged in Python from the per-task ``tf.data`` branches, so each task keeps its
    own keys, dtypes and static shapes. Any combination of tasks works.

The validation stream is the held-out patches in a fixed order, in batches (the last may
be smaller), degraded with seeds from a separate stream, so it is identical on every call.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Union

import numpy as np
import tensorflow as tf

from rim_tf.data.locate import PathLike
from rim_tf.data.patches import PatchSet, PatchSplit, load_bsds300_patches

Degradation = Callable[[tf.Tensor, tf.Tensor], Mapping]
Degradations = Union[None, Degradation, Sequence[Degradation]]

_STREAMS = ("order", "task", "train", "val", "val_task")


# --------------------------------------------------------------------------- seeds
def stream_seeds(seed: int) -> dict:
    """Independent stateless seeds (``int64 [2]``) for each random stream of a pipeline."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an int, got {seed!r}")
    base = tf.constant([int(seed), 0], tf.int64)
    split = tf.random.experimental.stateless_split(base, len(_STREAMS))
    return {name: split[k] for k, name in enumerate(_STREAMS)}


def batch_seed(stream: tf.Tensor, batch_index) -> tf.Tensor:
    """The seed of batch ``batch_index`` in a stream: ``fold_in(stream, b)``, ``int64 [2]``."""
    folded = tf.random.experimental.stateless_fold_in(stream, tf.cast(batch_index, tf.int64), alg="philox")
    return tf.cast(folded, tf.int64)


def _task_of(task_stream: tf.Tensor, logits: tf.Tensor, batch_index) -> tf.Tensor:
    draw = tf.random.stateless_categorical(logits[None], 1, seed=batch_seed(task_stream, batch_index))
    return draw[0, 0]


def _task_logits(weights, num_tasks: int) -> tf.Tensor:
    w = np.ones(num_tasks) if weights is None else np.asarray(weights, np.float64)
    if w.shape != (num_tasks,) or not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise ValueError(
            f"weights must be {num_tasks} non-negative numbers with a positive sum, got {weights!r}")
    with np.errstate(divide="ignore"):
        return tf.constant(np.log(w / w.sum()), tf.float32)


def batch_tasks(seed: int, batch_indices, num_tasks: int, weights=None, stream: str = "task") -> np.ndarray:
    """Which task (index into the degradation list) each training batch gets."""
    seeds, logits = stream_seeds(seed), _task_logits(weights, num_tasks)
    return np.array([int(_task_of(seeds[stream], logits, b)) for b in batch_indices], np.int64)


# --------------------------------------------------------------------------- cutting
class PatchCutter:
    """Cuts patches ``rows`` of a :class:`PatchSet`'s index in the graph, as float32 in [0, 1].

    The images' flat uint8 buffer and the index table are the only data held; a batch
    is one gather from the buffer with indices ``offset + ((r + i) * W + (c + j)) * C + k``.
    """

    def __init__(self, patches: PatchSet):
        if patches.pixels.size >= 2**31:
            raise ValueError(f"pixel buffer of {patches.pixels.size} values exceeds int32 indexing")
        self.patch_size = patches.patch_size
        self.channels = patches.channels
        self._pixels = tf.constant(patches.pixels)
        self._index = tf.constant(patches.index, tf.int32)
        self._offsets = tf.constant(patches.offsets, tf.int32)
        self._widths = tf.constant(patches.shapes[:, 1], tf.int32)
        p, c = self.patch_size, self.channels
        self._di = tf.reshape(tf.range(p, dtype=tf.int32), [1, p, 1, 1])
        self._dj = tf.reshape(tf.range(p, dtype=tf.int32) * c, [1, 1, p, 1])
        self._dk = tf.reshape(tf.range(c, dtype=tf.int32), [1, 1, 1, c])

    def __call__(self, rows: tf.Tensor) -> tf.Tensor:
        corner = tf.gather(self._index, rows)  # [B, 3]
        image, r, c = corner[:, 0], corner[:, 1], corner[:, 2]
        width = tf.gather(self._widths, image)
        start = tf.gather(self._offsets, image) + (r * width + c) * self.channels
        flat = (
            tf.reshape(start, [-1, 1, 1, 1])
            + self._di * tf.reshape(width * self.channels, [-1, 1, 1, 1])
            + self._dj
            + self._dk
        )
        return tf.cast(tf.gather(self._pixels, flat), tf.float32) / 255.0


# --------------------------------------------------------------------------- batch streams
def steps_per_epoch(patches: PatchSet, batch_size: int) -> int:
    """Full batches per epoch: ``num_patches // batch_size``."""
    _check_batch_size(batch_size)
    steps = patches.num_patches // batch_size
    if steps == 0:
        raise ValueError(f"batch_size {batch_size} exceeds the {patches.num_patches} patches")
    return steps


def _check_batch_size(batch_size) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")


def _training_batches(num_patches, batch_size, order_seed, epochs, start_batch) -> tf.data.Dataset:
    """``(b, rows)``: global batch index and ``int32 [B]`` patch rows, from ``start_batch`` on."""
    steps = num_patches // batch_size
    first_epoch, first_step = divmod(start_batch, steps)

    def one_epoch(e):
        seed = batch_seed(order_seed, e)
        perm = tf.random.experimental.stateless_shuffle(
            tf.range(num_patches, dtype=tf.int32), seed, alg="philox")
        perm = tf.reshape(perm[: steps * batch_size], [steps, batch_size])
        skip = tf.where(tf.equal(e, first_epoch), tf.constant(first_step, tf.int64), tf.constant(0, tf.int64))
        index = tf.data.Dataset.range(e * steps + skip, (e + 1) * steps)
        return tf.data.Dataset.zip((index, tf.data.Dataset.from_tensor_slices(perm[skip:])))

    if epochs is None:
        epoch_ids = tf.data.Dataset.counter(first_epoch)
    else:
        epoch_ids = tf.data.Dataset.range(first_epoch, epochs)
    return epoch_ids.flat_map(one_epoch)


def _validation_batches(num_patches, batch_size) -> tf.data.Dataset:
    num = -(-num_patches // batch_size)

    def rows(b):
        b32 = tf.cast(b, tf.int32)
        return b, tf.range(b32 * batch_size, tf.minimum((b32 + 1) * batch_size, num_patches))

    return tf.data.Dataset.range(num).map(rows)


# --------------------------------------------------------------------------- degradation
def _as_list(degradation: Degradations) -> Optional[list]:
    if degradation is None:
        return None
    if callable(degradation):
        return [degradation]
    degs = list(degradation)
    if not degs or not all(callable(d) for d in degs):
        raise ValueError("degradation must be None, a callable, or a non-empty list of callables")
    return degs


def _degrade(fn: Degradation, x: tf.Tensor, seed: tf.Tensor) -> dict:
    out = fn(x, seed)
    if not isinstance(out, Mapping):
        raise TypeError(f"degradation {fn!r} must return a dict, got {type(out).__name__}")
    if "x" not in out:
        raise ValueError(f"degradation {fn!r} returned keys {sorted(out)}, without the clean batch 'x'")
    return dict(out)


def _fill_missing_keys(branches: list) -> list:
    """Give every branch the union of keys (a missing key becomes an empty tensor).

    Raises ``ValueError`` when two tasks give the same key different dtypes (the Fourier
    projection's complex ``y`` against a real ``y``): one ``element_spec`` cannot hold both.
    """
    specs = [ds.element_spec for ds in branches]
    union = {}
    for t, spec in enumerate(specs):
        for key, s in spec.items():
            if not isinstance(s, tf.TensorSpec):
                if not all(key in other for other in specs):
                    raise ValueError(f"key {key!r} of task {t} is not a plain tensor and other "
                                     f"tasks lack it; use merge=False")
                continue
            if key in union and union[key].dtype != s.dtype:
                raise ValueError(
                    f"key {key!r} is {union[key].dtype.name} in one task and {s.dtype.name} in task "
                    f"{t}, so the tasks cannot share one tf.data element_spec; use merge=False for "
                    f"a TaskMixture, which keeps each task's own structure"
                )
            union.setdefault(key, s)
    out = []
    for ds, spec in zip(branches, specs):
        missing = {k: s for k, s in union.items() if k not in spec}
        if missing:
            def add(batch, missing=missing):
                batch = dict(batch)
                for k, s in missing.items():
                    batch[k] = tf.zeros([0] * (s.shape.rank or 1), s.dtype)
                return batch

            ds = ds.map(add)
        out.append(ds)
    return out


class TaskMixture:
    """Mixed-task batches in batch order, each task keeping its own keys, dtypes and shapes.

    Iterating it gives the same sequence of batches as the merged ``tf.data`` stream (one
    task per batch, the seeded choice), but the merge happens in Python: the next batch is
    pulled from the branch of the task chosen for it. Each branch is an ordinary
    prefetched ``tf.data.Dataset`` (:attr:`branches`), so the only Python work per batch
    is one ``next``. Use it when tasks disagree on a key's dtype (complex Fourier
    measurements next to real ones), or to keep static shapes per task.
    """

    def __init__(self, branches: list, choices: tf.data.Dataset):
        self.branches = branches
        self.choices = choices

    @property
    def element_specs(self) -> list:
        """The ``element_spec`` of each task's branch."""
        return [b.element_spec for b in self.branches]

    def __iter__(self):
        iterators = [iter(b) for b in self.branches]
        for task in self.choices.as_numpy_iterator():
            yield next(iterators[int(task)])

    def as_numpy_iterator(self):
        for batch in self:
            yield tf.nest.map_structure(lambda t: t.numpy(), batch)


def _assemble(batches, cutter, degradations, weights, task_seed, degrade_seed, parallel, prefetch,
              merge):
    """Cut, degrade and (for several degradations) merge the per-task branches."""
    degs = _as_list(degradations)
    if degs is None:
        ds = batches.map(lambda b, rows: {"x": cutter(rows)}, num_parallel_calls=parallel)
        return _finish(ds, prefetch)

    def apply(fn):
        return lambda b, rows: _degrade(fn, cutter(rows), batch_seed(degrade_seed, b))

    if len(degs) == 1:
        return _finish(batches.map(apply(degs[0]), num_parallel_calls=parallel), prefetch)
    logits = _task_logits(weights, len(degs))

    def is_task(t):
        return lambda b, rows: tf.equal(_task_of(task_seed, logits, b), t)

    branches = [
        batches.filter(is_task(t)).map(apply(fn), num_parallel_calls=parallel)
        for t, fn in enumerate(degs)
    ]
    choices = batches.map(lambda b, rows: _task_of(task_seed, logits, b))
    if not merge:
        return TaskMixture([_finish(b, prefetch) for b in branches], choices)
    merged = tf.data.Dataset.choose_from_datasets(_fill_missing_keys(branches), choices)
    return _finish(merged, prefetch)


def _finish(ds: tf.data.Dataset, prefetch) -> tf.data.Dataset:
    options = tf.data.Options()
    options.deterministic = True
    return ds.prefetch(prefetch).with_options(options)


# --------------------------------------------------------------------------- public API
def training_dataset(
    patches: PatchSet,
    *,
    batch_size: int,
    seed: int,
    degradation: Degradations = None,
    weights: Optional[Sequence[float]] = None,
    epochs: Optional[int] = 2,
    start_batch: int = 0,
    num_parallel_calls: int = tf.data.AUTOTUNE,
    prefetch: int = tf.data.AUTOTUNE,
    merge: bool = True,
) -> Union[tf.data.Dataset, TaskMixture]:
    """Shuffled, degraded training batches (see the module docstring for the exact protocol).

    Args:
        patches: the training :class:`PatchSet`.
        batch_size: patches per batch; every batch is full.
        seed: determines the patch order, the task choice and the degradation noise.
        degradation: None, a callable ``(x, seed) -> dict`` or a list of them (mixed tasks).
        weights: probabilities of the tasks of a list (uniform if None).
        epochs: passes over the patches (the paper: 2); None repeats forever.
        start_batch: global index of the first batch to yield (resume a run).
        merge: for a list of degradations, merge the tasks into one ``tf.data.Dataset``
            (True) or return a :class:`TaskMixture` (False); see the module docstring.
    """
    steps = steps_per_epoch(patches, batch_size)
    if epochs is not None and (
        isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1
    ):
        raise ValueError(f"epochs must be a positive int or None, got {epochs!r}")
    total = None if epochs is None else epochs * steps
    if start_batch < 0 or (total is not None and start_batch > total):
        raise ValueError(
            f"start_batch must be in [0, {total}] ({epochs} epochs x {steps} steps), got {start_batch}")
    seeds = stream_seeds(seed)
    batches = _training_batches(patches.num_patches, batch_size, seeds["order"], epochs, int(start_batch))
    return _assemble(batches, PatchCutter(patches), degradation, weights,
                     seeds["task"], seeds["train"], num_parallel_calls, prefetch, merge)


def validation_dataset(
    patches: PatchSet,
    *,
    batch_size: int,
    seed: int = 0,
    degradation: Degradations = None,
    weights: Optional[Sequence[float]] = None,
    num_parallel_calls: int = tf.data.AUTOTUNE,
    prefetch: int = tf.data.AUTOTUNE,
    merge: bool = True,
) -> Union[tf.data.Dataset, TaskMixture]:
    """The held-out patches in fixed order and batches, degraded identically on every call."""
    _check_batch_size(batch_size)
    if patches.num_patches == 0:
        raise ValueError("the validation PatchSet has no patches")
    seeds = stream_seeds(seed)
    batches = _validation_batches(patches.num_patches, batch_size)
    return _assemble(batches, PatchCutter(patches), degradation, weights,
                     seeds["val_task"], seeds["val"], num_parallel_calls, prefetch, merge)


@dataclass(frozen=True, eq=False)
class TrainingData:
    """Everything a training run reads: the two streams and the patches behind them."""

    train: Union[tf.data.Dataset, "TaskMixture"]
    validation: Optional[Union[tf.data.Dataset, "TaskMixture"]]
    patches: PatchSplit
    steps_per_epoch: int


def bsds300_training_data(
    data_dir: Optional[PathLike] = None,
    *,
    batch_size: int,
    seed: int = 0,
    degradation: Degradations = None,
    weights: Optional[Sequence[float]] = None,
    patch_size: int = 32,
    stride: int = 4,
    color: str = "gray",
    epochs: Optional[int] = 2,
    start_batch: int = 0,
    val_images: int = 10,
    val_patches: int = 1000,
    merge: bool = True,
    val_degradation: Degradations = None,
) -> TrainingData:
    """The paper's training setup in one call: BSDS300 patches, split, both pipelines.

    Denoising / random projections: ``patch_size=32``; super-resolution: ``patch_size=36``.
    ``val_degradation``: the tasks the held-out patches are scored on (the same task ids as
    ``degradation``'s, e.g. at a fixed noise level); default ``degradation``.
    """
    split = load_bsds300_patches(data_dir, patch_size=patch_size, stride=stride, color=color,
                                 val_images=val_images, val_patches=val_patches, seed=seed)
    train = training_dataset(split.train, batch_size=batch_size, seed=seed, degradation=degradation,
                             weights=weights, epochs=epochs, start_batch=start_batch, merge=merge)
    val = None
    if split.val is not None:
        val = validation_dataset(split.val, batch_size=batch_size, seed=seed,
                                 degradation=degradation if val_degradation is None else val_degradation,
                                 weights=weights, merge=merge)
    return TrainingData(train, val, split, steps_per_epoch(split.train, batch_size))
