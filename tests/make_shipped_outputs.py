#!/usr/bin/env python
"""Write ``tests/data/shipped_outputs.npz``: every shipped model on a small fixed input.

    PYTHONPATH=. python tests/make_shipped_outputs.py [NAME ...]     # e.g. 3task: only its entries

For each shipped name (``rim_tf.shipped.SHIPPED_NAMES``) the model loaded with the public
loader (``rim_tf.pretrained``) runs its own task on a seeded 24x24 image:

* ``denoise`` / ``color``: Gaussian noise of std 25/255 (numpy, fixed seed), ``A = I``;
* ``3task`` / ``gdn`` / ``ffn``: a seeded Gaussian projection of m = n/2 measurements
  (numpy matrix, :class:`rim_tf.operators.MatrixProjection`) with noise std 1, started from
  the model's own ``projection_start``;
* ``superres``: x2 through :class:`rim_tf.operators.BicubicDownsample`, the LR image rounded to
  8 bits, sigma the std of 8-bit rounding.

Every step's estimate (``[T, 1, 24, 24, C]`` float32) and the observation are stored.
``tests/test_shipped_outputs.py`` recomputes them and requires the same numbers: the
acceptance check that moving code around changed no output. Regenerate only when the
shipped weights themselves change.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

OUTPUTS = Path(__file__).resolve().parent / "data" / "shipped_outputs.npz"
SIZE = 24
SEED = 20170401


def _clean(channels: int, seed: int) -> np.ndarray:
    """A seeded ``[1, 24, 24, C]`` image in ``[0.05, 0.95]``: smooth ramps plus texture."""
    rng = np.random.default_rng([SEED, seed])
    r, c = np.meshgrid(np.linspace(0, 1, SIZE), np.linspace(0, 1, SIZE), indexing="ij")
    base = 0.5 + 0.3 * np.sin(3 * r + 2 * c)[..., None] * np.linspace(1, 0.6, channels)
    x = base + 0.1 * rng.standard_normal((SIZE, SIZE, channels))
    return np.clip(x, 0.05, 0.95).astype(np.float32)[None]


def _task(name: str, channels: int, seed: int, start: str = "adjoint"):
    """``(y, operator, sigma)`` of the shipped model's own task (a denoiser when operator is None);
    a projection starts from ``start``, the model's own (its config's ``projection_start``)."""
    from rim_tf.operators import BicubicDownsample, MatrixProjection, quantization_noise_std

    x = _clean(channels, seed)
    rng = np.random.default_rng([SEED, seed, 1])
    if name in ("denoise", "color"):
        sigma = 25.0 / 255.0
        return (x + sigma * rng.standard_normal(x.shape)).astype(np.float32), None, sigma
    if name in ("3task", "gdn", "ffn"):
        n = SIZE * SIZE * channels
        matrix = rng.standard_normal((1, n // 2, n)).astype(np.float32)
        operator = MatrixProjection(matrix, (SIZE, SIZE, channels), start=start)
        y = operator.forward(x).numpy() + rng.standard_normal((1, n // 2)).astype(np.float32)
        return y.astype(np.float32), operator, 1.0
    if name == "superres":
        operator = BicubicDownsample(2, hr_size=(SIZE, SIZE))
        y = np.clip(np.floor(operator.forward(x).numpy() * 255.0 + 0.5), 0, 255) / 255.0
        return y.astype(np.float32), operator, quantization_noise_std()
    raise ValueError(f"no fixed task for shipped weights {name!r}")


def compute_outputs(observations: dict | None = None, names=None) -> dict:
    """``{"<name>/y": observation, "<name>/estimates": [T, 1, H, W, C]}`` for every shipped name.

    With ``observations`` (``{"<name>/y": array}``, the stored ones), each model runs on the
    given observation instead of the recomputed one, so that the estimates are compared on the
    very same input: a projection's ``y`` is a sum of 576 products, whose last bits depend on
    the CPU's vector width (oneDNN sums in another order with AVX-512 than with AVX2), and ten
    recurrent steps would carry that difference into the estimates. ``names``: only those
    shipped weights (default: all).
    """
    import rim_tf
    from rim_tf.shipped import SHIPPED_NAMES, projection_start

    out = {}
    for k, name in enumerate(SHIPPED_NAMES):  # k seeds the image: it stays the name's index
        if names is not None and name not in names:
            continue
        model, sidecar = rim_tf.pretrained(name)
        y, operator, sigma = _task(name, int(model.channels), k, projection_start(sidecar))
        out[f"{name}/y"] = y
        if observations is not None:
            y = observations[f"{name}/y"]
        estimates = model(y, operator=operator, sigma=sigma)
        out[f"{name}/estimates"] = np.asarray(estimates, np.float32)
    return out


def main(argv=None) -> int:
    """``make_shipped_outputs.py [NAME ...]``: regenerate the entries of the named weights only
    (those whose files changed), keeping the stored entries of the others; none named: all."""
    from rim_tf.shipped import SHIPPED_NAMES

    names = list(sys.argv[1:] if argv is None else argv)
    unknown = sorted(set(names) - set(SHIPPED_NAMES))
    if unknown:
        print(f"error: unknown shipped names {unknown}; known: {', '.join(SHIPPED_NAMES)}", file=sys.stderr)
        return 2
    outputs = compute_outputs(names=names or None)
    if names:
        with np.load(OUTPUTS) as stored:
            outputs = {**{k: stored[k] for k in stored.files if k.split("/")[0] not in names}, **outputs}
    OUTPUTS.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUTPUTS, **outputs)
    print(f"wrote {OUTPUTS} ({OUTPUTS.stat().st_size:,} bytes): {', '.join(sorted(outputs))}"
          + (f"; regenerated {', '.join(names)}, kept the others" if names else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
