"""Speed and fidelity of ``rim_tf.physics.imresize`` against the numpy reference.

Speed: resizes a 481x321 RGB image (float32 in [0, 1]) by 1/2, 1/3 and 1/4 and back up
to 481x321, with the TensorFlow version (default ``method="fast"``, and the dense matrix
products of ``method="dense"`` for comparison) and with the float64 numpy reference
(``rim_tf.physics.imresize_reference``) in the same run. Milliseconds per call after three
warm-up calls (the first builds and caches the weights and traces the graph): the best
and median wall-clock time and the least CPU time (``time.process_time``, all threads of
the process) of ``--repeats`` calls; the speed-up is numpy over fast TF, by best wall-clock
time and by least CPU time. Timings on a shared machine are noisy: run it two or three
times. ``plan`` names the scheme of each pass (:func:`rim_tf.physics.imresize.pass_plan`).

Fidelity (``--data DIR``, the folder holding ``SelfExSR/``): down-samples every HR
image of SelfExSR BSD100 by its scale as uint8 and compares with the authors'
MATLAB-made ``_LR.png`` files: fraction of exactly equal pixels and the largest
difference, per scale. With ``--variants`` it also runs the numpy reference under
alternative hypotheses (border rule, pass order, rounding between passes).

    .venv/bin/python scripts/benchmark_imresize.py
    .venv/bin/python scripts/benchmark_imresize.py --data ../shared/data --variants
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path


import imageio.v3 as iio  # noqa: E402
import numpy as np  # noqa: E402

from rim_tf.quiet import quiet_tensorflow  # noqa: E402

quiet_tensorflow()  # before anything imports TensorFlow

from rim_tf.physics.imresize import (_fast_order, imresize, pass_plan,  # noqa: E402
                                     resize_geometry)
from rim_tf.physics.imresize_reference import imresize_reference  # noqa: E402

SCALES = (2, 3, 4)

# (label, keyword arguments of imresize_reference)
VARIANTS = [
    ("replicate, height first, uint8 per pass (MATLAB)", {}),
    ("replicate, width first, uint8 per pass", {"pass_order": "width_first"}),
    ("replicate, rounded but unsaturated between passes", {"intermediate": "round"}),
    ("replicate, float between passes", {"intermediate": "float"}),
    ("symmetric, height first, uint8 per pass", {"border": "symmetric"}),
    ("symmetric, width first, uint8 per pass",
     {"border": "symmetric", "pass_order": "width_first"}),
    ("symmetric, float between passes", {"border": "symmetric", "intermediate": "float"}),
]


WARM_UP_CALLS = 3


def _time(fn, repeats: int):
    """(best wall ms, median wall ms, least CPU ms) of ``repeats`` calls after a warm-up."""
    for _ in range(WARM_UP_CALLS):  # builds and caches the weights, traces the graph
        fn()
    times, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return 1e3 * min(times), 1e3 * statistics.median(times), 1e3 * min(cpu)


def _plans(x, kwargs) -> str:
    """The scheme of each pass, in the order imresize runs them (e.g. ``conv,conv``)."""
    in_size = x.shape[:2]
    out_size, scales = resize_geometry(in_size, **kwargs)
    names = []
    for axis in _fast_order(in_size, out_size):
        plan = pass_plan(in_size[axis], out_size[axis], scales[axis])
        names.append(type(plan).__name__.replace("Pass", "").lower())
    return ",".join(names)


def benchmark_speed(repeats: int, reference_repeats: int) -> None:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(321, 481, 3)).astype(np.float32) / 255.0
    size = image.shape[:2]
    print(f"image {size[1]}x{size[0]} RGB float32; ms per call: best / median wall-clock and "
          f"least CPU time of {repeats} (TF) and {reference_repeats} (numpy) calls")
    print(f"{'resize':<13}{'plan':<11}{'TF best':>8}{'med':>7}{'cpu':>7}{'dense':>8}"
          f"{'numpy best':>11}{'med':>7}{'cpu':>7}{'speed-up':>10}{'(cpu)':>7}{'max |diff|':>11}")
    for s in SCALES:
        small = imresize(image, 1.0 / s).numpy()
        cases = [
            (f"1/{s} down", image, {"scale": 1.0 / s}),
            (f"x{s} back up", small, {"output_size": size}),
        ]
        for label, x, kwargs in cases:
            tf_best, tf_med, tf_cpu = _time(lambda: imresize(x, **kwargs), repeats)
            dense_best = _time(lambda: imresize(x, method="dense", **kwargs), repeats)[0]
            np_best, np_med, np_cpu = _time(
                lambda: imresize_reference(x.astype(np.float64), **kwargs), reference_repeats)
            diff = np.abs(imresize(x, **kwargs).numpy()
                          - imresize_reference(x.astype(np.float64), **kwargs)).max()
            print(f"{label:<13}{_plans(x, kwargs):<11}{tf_best:>8.2f}{tf_med:>7.2f}{tf_cpu:>7.2f}"
                  f"{dense_best:>8.2f}{np_best:>11.2f}{np_med:>7.2f}{np_cpu:>7.2f}"
                  f"{np_best / tf_best:>9.1f}x{np_cpu / tf_cpu:>6.1f}x{diff:>11.1e}")


def lr_pairs(data_dir: Path, scale: int):
    folder = data_dir / "SelfExSR" / "BSD100" / f"image_SRF_{scale}"
    hr_files = sorted(folder.glob(f"img_*_SRF_{scale}_HR.png"))
    if not hr_files:
        raise FileNotFoundError(f"no HR files in {folder}")
    for hr_file in hr_files:
        lr_file = hr_file.with_name(hr_file.name.replace("_HR.png", "_LR.png"))
        yield iio.imread(hr_file), iio.imread(lr_file)


def agreement(resize, data_dir: Path, scale: int):
    """(fraction of exactly equal pixels, largest absolute difference, files) for one scale."""
    equal = total = worst = files = 0
    for hr, lr in lr_pairs(data_dir, scale):
        out = np.asarray(resize(hr, scale))
        if out.shape != lr.shape:
            raise ValueError(f"shape {out.shape} != LR file shape {lr.shape}")
        diff = np.abs(out.astype(np.int16) - lr.astype(np.int16))
        equal += int((diff == 0).sum())
        total += diff.size
        worst = max(worst, int(diff.max()))
        files += 1
    return equal / total, worst, files


def float_model_residual(data_dir: Path, scale: int) -> float:
    """RMS (grey levels) of LR file minus the float forward model of its HR file.

    This is the observation noise the likelihood sees when the float operator stands in
    for MATLAB's uint8 arithmetic (two roundings plus saturation).
    """
    squares = count = 0
    for hr, lr in lr_pairs(data_dir, scale):
        residual = lr.astype(np.float64) - imresize(hr.astype(np.float64), 1.0 / scale).numpy()
        squares += float((residual ** 2).sum())
        count += residual.size
    return (squares / count) ** 0.5


def benchmark_fidelity(data_dir: Path, variants: bool) -> None:
    candidates = [("rim_tf.imresize (TF, default)",
                   lambda hr, s: imresize(hr, 1.0 / s).numpy())]
    if variants:
        for label, kwargs in VARIANTS:
            candidates.append((f"reference: {label}",
                               lambda hr, s, kw=kwargs: imresize_reference(hr, 1.0 / s, **kw)))
    print(f"\nagreement with the SelfExSR BSD100 LR files ({data_dir})")
    print(f"{'method':<62}{'scale':>6}{'exact %':>10}{'max diff':>10}{'files':>7}")
    for label, resize in candidates:
        for s in SCALES:
            exact, worst, files = agreement(resize, data_dir, s)
            print(f"{label:<62}{'x' + str(s):>6}{100 * exact:>10.3f}{worst:>10d}{files:>7d}")
    print("\nrms of (LR file - float forward model of the HR file), grey levels; one rounding "
          f"alone would give 1/sqrt(12) = {12 ** -0.5:.3f}")
    for s in SCALES:
        print(f"  x{s}: {float_model_residual(data_dir, s):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed TF calls per case")
    parser.add_argument("--reference-repeats", type=int, default=5,
                        help="timed numpy-reference calls per case")
    parser.add_argument("--data", type=Path, default=None,
                        help="folder holding SelfExSR/BSD100 (skip the fidelity check if absent)")
    parser.add_argument("--variants", action="store_true",
                        help="also score the reference's alternative hypotheses (slow)")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    if not args.skip_speed:
        benchmark_speed(args.repeats, args.reference_repeats)
    if args.data is not None:
        benchmark_fidelity(args.data, args.variants)


if __name__ == "__main__":
    main()
