#!/usr/bin/env python
"""Patches per second delivered by the training pipelines, against what training consumes.

    python scripts/benchmark_data.py                    # real data ($RIM_DATA or ../shared/data)
    python scripts/benchmark_data.py --batches 300 --batch-size 32
    python scripts/benchmark_data.py --synthetic        # a generated tree, no data needed

Two pipelines, as the paper trains them:

* denoise: gray 32x32 patches, stride 4, ``rim_tf.physics.tasks.Denoise`` (and
  denoise-rgb: the same in colour, Table 1);
* sr: gray 36x36 patches, stride 4, ``rim_tf.physics.tasks.Downsample`` at x2, x3 and x4
  mixed (one scale per batch).

If ``rim_tf.physics.tasks`` is missing or its classes cannot be built with the arguments
used here, stand-ins of the same cost are used and the output says so: Gaussian noise
with a per-sample sigma; MATLAB-bicubic down-sampling (``rim_tf.imresize``) plus noise.
The required rate is ``--factor`` (50) times ``--consumption`` (6 patches/s, the
training-step rate at paper size quoted in the data issue; not measured here).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


from rim_tf.quiet import quiet_tensorflow  # noqa: E402

quiet_tensorflow()  # before anything imports TensorFlow

import tensorflow as tf  # noqa: E402

from rim_tf.data.patches import load_bsds300_patches  # noqa: E402
from rim_tf.data.pipeline import training_dataset  # noqa: E402
from rim_tf.data.synthetic import write_fake_bsds300  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def stand_in_denoise(x, seed):
    """y = x + sigma n, sigma ~ U(0, 0.2) per sample."""
    s_sigma, s_noise = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    sigma = tf.random.stateless_uniform(tf.shape(x)[:1], s_sigma, 0.0, 0.2)
    y = x + sigma[:, None, None, None] * tf.random.stateless_normal(tf.shape(x), s_noise)
    return {"x": x, "y": y, "sigma": sigma, "task_id": tf.constant(0)}


def stand_in_downsample(scale):
    from rim_tf.physics.imresize import imresize

    def degrade(x, seed):
        low = imresize(x, 1.0 / scale)
        sigma = tf.fill(tf.shape(x)[:1], 0.01)
        y = low + 0.01 * tf.random.stateless_normal(tf.shape(low), seed)
        return {"x": x, "y": y, "sigma": sigma, "task_id": tf.constant(scale)}

    return degrade


def degradations():
    """``(denoise, [sr x2, x3, x4], note)`` from rim_tf.physics.tasks, else stand-ins."""
    try:
        from rim_tf.physics.tasks import Denoise, Downsample

        denoise = Denoise(sigma_range=(5 / 255, 55 / 255))
        sr = [Downsample(scale=s) for s in (2, 3, 4)]
        return denoise, sr, "rim_tf.physics.tasks (Denoise(sigma 5..55/255), Downsample x2/x3/x4)"
    except (ImportError, TypeError, ValueError) as err:  # missing, or another constructor signature
        note = f"stand-ins (rim_tf.physics.tasks unavailable: {type(err).__name__}: {err})"
        return stand_in_denoise, [stand_in_downsample(s) for s in (2, 3, 4)], note


def measure(ds, batches: int, warmup: int) -> tuple:
    it = iter(ds)
    t0 = time.perf_counter()
    for _ in range(warmup):
        next(it)
    first = time.perf_counter() - t0
    n = 0
    t0 = time.perf_counter()
    for _ in range(batches):
        n += int(next(it)["x"].shape[0])
    return n / (time.perf_counter() - t0), first


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir",
                        default=os.environ.get("RIM_DATA") or str(REPO.parent / "shared" / "data"))
    parser.add_argument("--synthetic", action="store_true", help="use a generated 20-image tree")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--batches", type=int, default=200, help="timed batches per pipeline")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--consumption", type=float, default=6.0, help="training patches/s at paper size")
    parser.add_argument("--factor", type=float, default=50.0)
    parser.add_argument("--pipelines", nargs="+", default=["denoise", "denoise-rgb", "sr"],
                        choices=["denoise", "denoise-rgb", "sr"])
    args = parser.parse_args(argv)

    data_dir = args.data_dir
    if args.synthetic:
        data_dir = tempfile.mkdtemp(prefix="rim_fake_")
        write_fake_bsds300(data_dir, n_train=20, n_test=2, size=(321, 481))
    denoise, sr, note = degradations()
    print(f"data: {data_dir}\ndegradations: {note}\nCPU threads visible: {os.cpu_count()}")
    need = args.factor * args.consumption
    ok = True
    pipelines = {  # name: (patch size, colour, degradation)
        "denoise": (32, "gray", denoise),
        "denoise-rgb": (32, "rgb", denoise),
        "sr": (36, "gray", sr),
    }
    for name in args.pipelines:
        patch_size, color, degradation = pipelines[name]
        t0 = time.perf_counter()
        split = load_bsds300_patches(data_dir, patch_size=patch_size, stride=4, color=color)
        load = time.perf_counter() - t0
        ds = training_dataset(split.train, batch_size=args.batch_size, seed=0, degradation=degradation,
                              epochs=None)
        rate, first = measure(ds, args.batches, args.warmup)
        ok &= rate >= need
        print(f"{name:11s} {rate:10.0f} patches/s  ({rate / args.consumption:.0f}x the "
              f"{args.consumption:g}/s "
              f"training consumption; need >= {need:.0f})  load {load:.1f}s, first {args.warmup} batches "
              f"{first:.1f}s\n            {split.train.describe()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
