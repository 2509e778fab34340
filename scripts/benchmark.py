#!/usr/bin/env python
"""Training throughput of the paper-size RIM on this machine, beside its matmul peak.

Prints the cell's parameter count, the model FLOPs per training patch, the measured
patches/s of the Keras RIM and of the same network in plain TensorFlow, and the
model-FLOP utilisation (MFU) against this machine's measured float32 matmul rate.

    python scripts/benchmark.py                      # paper size: 32x32, batch 32, 20 steps
    python scripts/benchmark.py --gru-features 64    # the reduced width of the cpu presets
"""
import argparse
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

from rim_tf import benchmark, build_atrous_rim, build_rim  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--patch-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=20, help="RIM steps per training example")
    p.add_argument("--hidden-features", type=int, default=64)
    p.add_argument("--gru-features", type=int, default=256)
    p.add_argument("--iterations", type=int, default=3, help="timed training iterations")
    p.add_argument("--xla", action="store_true", help="jit_compile the training step")
    p.add_argument("--skip-plain", action="store_true", help="do not time the plain-TF twin")
    p.add_argument("--json", help="also write the figures to this file")
    args = p.parse_args()

    model = build_rim(1, hidden_features=args.hidden_features, gru_features=args.gru_features)
    flops = benchmark.training_flops_per_patch(model.cell, args.patch_size, args.steps)
    print(f"devices: {[d.device_type for d in tf.config.list_physical_devices()]}")
    print(f"RIM cell ({args.hidden_features}/{args.gru_features} features): "
          f"{model.cell.count_params():,} parameters (+1 for eps)")
    print(f"super-resolution (a-trous) cell, default widths: "
          f"{build_atrous_rim(1).cell.count_params():,} parameters "
          f"(the paper's count was lost from its text)")
    print(f"model FLOPs per training patch ({args.patch_size}x{args.patch_size}, {args.steps} steps, "
          f"fwd+bwd ~ 3x fwd): {flops / 1e9:.1f} GFLOP")
    peak = benchmark.matmul_gflops()
    print(f"float32 matmul rate (2048x2048): {peak:.1f} GFLOP/s")

    kw = dict(batch_size=args.batch_size, size=args.patch_size, steps=args.steps,
              iterations=args.iterations, jit_compile=args.xla)
    results = {"peak_gflops": peak, "flops_per_patch": flops,
               "parameters": model.cell.count_params(), "settings": vars(args)}
    runs = [("keras RIM", benchmark.keras_rim_throughput)]
    if not args.skip_plain:
        runs.append(("plain TF", benchmark.plain_rim_throughput))
    for name, fn in runs:
        t = fn(model, **kw)
        mfu = t.patches_per_s * flops / 1e9 / peak
        print(f"{name:10s}: {t.patches_per_s:7.2f} patches/s  ({t.seconds_per_iteration:.2f} s/iteration, "
              f"first call {t.compile_seconds:.1f} s)  MFU {100 * mfu:.0f}% of matmul rate")
        results[name] = {**t.__dict__, "mfu": mfu}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
