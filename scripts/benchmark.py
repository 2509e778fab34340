#!/usr/bin/env python
"""Training throughput of the paper-size RIM on this machine, beside its matmul peak.

Prints the cell's parameter count, the model FLOPs per training patch, the measured
patches/s of the Keras RIM and of the same network in plain TensorFlow, and the
model-FLOP utilisation (MFU) against this machine's measured matmul rate in the model's
precision (float32, or bfloat16 for mixed_bfloat16).

    python scripts/benchmark.py                      # paper size: 32x32, batch 32, 20 steps
    python scripts/benchmark.py --gru-features 64    # the reduced width of the cpu presets
    python scripts/benchmark.py --precision mixed_bfloat16
    python scripts/benchmark.py --trainer-only       # bare step vs the real Trainer loop at the
                                                     # cpu preset, float32 and mixed_bfloat16

Run it on an idle machine: a second heavy process on a 2-core CPU halves every figure.
"""
import argparse
import json


from rim_tf.quiet import quiet_tensorflow  # noqa: E402

quiet_tensorflow()  # before anything imports TensorFlow

import tensorflow as tf  # noqa: E402

from rim_tf import benchmark, build_atrous_rim, build_rim  # noqa: E402
from rim_tf.precision import has_native_bfloat16  # noqa: E402


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
    p.add_argument("--precision", default="float32", choices=["float32", "mixed_bfloat16"],
                   help="Keras dtype policy of the timed model (default float32)")
    p.add_argument("--trainer", action="store_true",
                   help="also time the real Trainer loop against its bare step at --preset, "
                        "float32 and mixed_bfloat16 (needs BSDS300: --data-dir or $RIM_DATA)")
    p.add_argument("--trainer-only", action="store_true", help="only the Trainer comparison")
    p.add_argument("--preset", default="cpu", help="preset of the Trainer comparison (default cpu)")
    p.add_argument("--trainer-iterations", type=int, default=600,
                   help="iterations of each timed Trainer run (default 600)")
    p.add_argument("--data-dir", default=None, help="folder holding BSDS300/ (default $RIM_DATA)")
    p.add_argument("--emulated-bfloat16", action="store_true",
                   help="time the mixed_bfloat16 Trainer even where the CPU emulates bfloat16 "
                        "(about 10x slower than float32 there; skipped by default)")
    p.add_argument("--json", help="also write the figures to this file")
    args = p.parse_args()
    for name in ("batch_size", "patch_size", "steps", "hidden_features", "gru_features",
                 "iterations", "trainer_iterations"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    results = {"settings": vars(args)}
    if not args.trainer_only:
        results.update(paper_size(args))
    if args.trainer or args.trainer_only:
        results["trainer"] = trainer_comparison(args)
    if args.json:
        from rim_tf.atomic import atomic_write_text

        atomic_write_text(args.json, json.dumps(results, indent=2))


def trainer_comparison(args) -> list:
    from rim_tf.training import preset_config

    rows = []
    print(f"\nbare training step vs the real Trainer loop, preset {args.preset} "
          f"({args.trainer_iterations} trainer iterations each; validation and checkpoints amortised):")
    print(f"{'precision':16s} {'step patches/s':>15s} {'trainer patches/s':>18s} {'trainer/step':>13s} "
          f"{'in-run step':>12s} {'trainer/in-run step':>20s}")
    for precision in ("float32", "mixed_bfloat16"):
        if (precision == "mixed_bfloat16" and not has_native_bfloat16()
                and not tf.config.list_physical_devices("GPU") and not args.emulated_bfloat16):
            print(f"{precision:16s} skipped: this CPU has no native bfloat16 (AVX512-BF16/AMX), "
                  f"emulated it is ~10x slower than float32 (--emulated-bfloat16 to time it anyway)")
            continue
        config = preset_config("denoise", args.preset, precision=precision)
        row = benchmark.step_vs_trainer(config, data_dir=args.data_dir,
                                        trainer_iterations=args.trainer_iterations)
        print(f"{precision:16s} {row['step_patches_per_s']:15.1f} {row['trainer_patches_per_s']:18.1f} "
              f"{row['ratio']:13.2f} {row['in_run_step_patches_per_s']:12.1f} {row['in_run_ratio']:20.2f}",
              flush=True)
        rows.append(row)
    return rows


def paper_size(args) -> dict:

    import keras

    keras.mixed_precision.set_dtype_policy(args.precision)
    model = build_rim(1, hidden_features=args.hidden_features, gru_features=args.gru_features)
    keras.mixed_precision.set_dtype_policy("float32")
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
    bf16 = benchmark.matmul_gflops(dtype="bfloat16")
    native = "native" if has_native_bfloat16() else "emulated: no AVX512-BF16/AMX on this CPU"
    print(f"bfloat16 matmul rate (2048x2048): {bf16:.1f} GFLOP/s ({native})")

    kw = dict(batch_size=args.batch_size, size=args.patch_size, steps=args.steps,
              iterations=args.iterations, jit_compile=args.xla)
    results = {"peak_gflops": peak, "bfloat16_gflops": bf16, "native_bfloat16": native == "native",
               "flops_per_patch": flops,
               "parameters": model.cell.count_params(), "precision": args.precision}
    runs = [("keras RIM", benchmark.keras_rim_throughput)]
    if not args.skip_plain:
        runs.append(("plain TF", benchmark.plain_rim_throughput))
    # utilisation against the matmul rate of the precision the convolutions run in
    reference, which = (bf16, "bfloat16") if args.precision == "mixed_bfloat16" else (peak, "float32")
    for name, fn in runs:
        t = fn(model, **kw)
        mfu = t.patches_per_s * flops / 1e9 / reference
        print(f"{name:10s}: {t.patches_per_s:7.2f} patches/s  ({t.seconds_per_iteration:.2f} s/iteration, "
              f"first call {t.compile_seconds:.1f} s)  MFU {100 * mfu:.0f}% of the {which} matmul rate")
        results[name] = {**t.__dict__, "mfu": mfu}
    return results


if __name__ == "__main__":
    main()
