"""Sizes, PSNR change and speed of the exported RIMs (LiteRT float32 / float16 / int8).

Denoising: BSD68 at sigma 25 (the same noisy images for every variant, seed 0), whole
images, dynamic shapes. Super-resolution: the exported model has a fixed low-resolution
size (``--lr-size``), so each BSD100 image contributes its top-left LR crop of that size,
scored on the Y channel against the HR crop with ``scale`` pixels shaved (Table 3's
protocol on a crop). The reference row runs the same computation in TensorFlow.

    python scripts/benchmark_export.py --weights denoise --limit 68
    python scripts/benchmark_export.py --weights superres --scale 2 --limit 100

Run it on an idle machine: the seconds are wall-clock time on this CPU.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile

import numpy as np

from rim_tf.quiet import quiet_tensorflow


def parse_args(argv=None):
    from rim_tf.cli import output_file, positive_int, sigma255

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", default="denoise", help="shipped name, .keras file or run folder")
    p.add_argument("--data-dir", default=None, help="folder holding BSDS300/ and SelfExSR/ (default $RIM_DATA)")
    p.add_argument("--limit", type=positive_int, default=8, help="number of test images (default 8)")
    p.add_argument("--sigma", type=sigma255, default=25.0, help="denoising noise level on the 0..255 scale")
    p.add_argument("--scale", type=int, default=2, choices=(2, 3, 4), help="super-resolution scale")
    p.add_argument("--lr-size", type=positive_int, nargs=2, default=(100, 100), metavar=("H", "W"))
    p.add_argument("--threads", type=positive_int, default=None, help="LiteRT interpreter threads")
    p.add_argument("--json", type=output_file, default=None, help="also write the rows as JSON here")
    return p.parse_args(argv)


def _unit(image) -> np.ndarray:
    image = np.asarray(image)
    return (image / 255.0).astype(np.float32) if image.dtype == np.uint8 else image.astype(np.float32)


def denoise_cases(data_dir, limit: int, sigma: float):
    from rim_tf.data import iter_test_set
    from rim_tf.metrics import psnr

    rng = np.random.default_rng(0)
    cases = []
    for item in list(iter_test_set("bsd68", data_dir))[:limit]:
        clean = _unit(item.image)
        clean = clean[..., None] if clean.ndim == 2 else clean
        noisy = (clean + sigma / 255.0 * rng.normal(size=clean.shape)).astype(np.float32)
        cases.append(("denoise", {"noisy": noisy[None], "sigma": np.float32(sigma)},
                      lambda out, c=clean: psnr(np.clip(out[0], 0, 1), c, data_range=1.0)))
    return cases


def superres_cases(data_dir, limit: int, scale: int, lr_size):
    from rim_tf.data import iter_test_set
    from rim_tf.evaluation import sr_y_psnr
    from rim_tf.inference import rgb_to_ycbcr

    h, w = lr_size
    cases = []
    for pair in list(iter_test_set(f"bsd100-sr-x{scale}", data_dir))[:limit]:
        lr = _unit(pair.lr)
        if lr.shape[0] < h or lr.shape[1] < w:
            continue
        y = rgb_to_ycbcr(lr)[:h, :w, :1] if lr.ndim == 3 else lr[:h, :w, None]
        hr = np.asarray(pair.hr)[: scale * h, : scale * w]
        cases.append((f"x{scale}", {"low_res": np.ascontiguousarray(y[None], np.float32)},
                      lambda out, hr=hr: sr_y_psnr(out[0, ..., 0], hr, scale)))
    if not cases:
        raise ValueError(f"no BSD100 LR image is at least {h}x{w}; choose a smaller --lr-size")
    return cases


def main(argv=None) -> int:
    args = parse_args(argv)
    quiet_tensorflow()
    from rim_tf.export import compare_variants
    from rim_tf.shipped import resolve_weights

    model, sidecar = resolve_weights(args.weights, args.weights)
    superres = (sidecar or {}).get("experiment") == "superres"
    if superres:
        cases = superres_cases(args.data_dir, args.limit, args.scale, tuple(args.lr_size))
        what = f"x{args.scale}, {len(cases)} BSD100 LR crops of {args.lr_size[0]}x{args.lr_size[1]}"
        extra = dict(scales=[args.scale], lr_size=tuple(args.lr_size))
    else:
        cases = denoise_cases(args.data_dir, args.limit, args.sigma)
        what = f"sigma {args.sigma:g}, {len(cases)} BSD68 images"
        extra = {}
    with tempfile.TemporaryDirectory() as workdir:
        rows = compare_variants(model, sidecar, cases, workdir, threads=args.threads, **extra)
    print(f"\nexported {args.weights} ({model.steps} steps), {what}")
    print(f"{'variant':18s} {'size (MB)':>10s} {'PSNR (dB)':>10s} {'change':>8s} {'max |diff|':>11s} {'s/image':>8s}")
    for name, r in rows.items():
        size = "-" if r["size_bytes"] is None else f"{r['size_bytes'] / 1e6:.2f}"
        print(f"{name:18s} {size:>10s} {r['mean_psnr']:10.3f} {r['psnr_change_db']:+8.3f} "
              f"{r['max_abs_difference']:11.2e} {r['seconds_per_image']:8.3f}")
    if args.json:
        from rim_tf.atomic import atomic_write_text

        atomic_write_text(args.json, json.dumps({"weights": args.weights, "what": what, "rows": rows}, indent=2))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    from rim_tf.cli.evaluation import cli

    sys.exit(cli(main))
