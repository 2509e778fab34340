#!/usr/bin/env python
"""What the RIM's cell sees at its first step, for RIM-3task's training tasks and the tasks it
should transfer to (Table 2's denoising, Figure 4's inpainting).

    python scripts/gradient_scales.py                       # 1000 held-out patches, eps = 0
    python scripts/gradient_scales.py --weights 3task --json out.json
    python scripts/gradient_scales.py --start adjoint      # the projections from A^T y only

Per task: PSNR of the initial estimate x_0, the share of its pixels at the link's clip, and
the root-mean-square of the likelihood gradient (eq. 9) at x_0 and at the true image, in
image space and in the logit space the cell works in (rim_tf.evaluation.gradients).
The projections are scored from each --start (default all: A^T y, A^T y / n, A^T y / m).
The patches are the validation patches of the 10 held-out BSDS300 training images.
"""
import argparse
import dataclasses
import json
import sys

from rim_tf.quiet import quiet_tensorflow  # noqa: E402

quiet_tensorflow()  # before anything imports TensorFlow

from rim_tf.cli import output_file, positive_int
from rim_tf.cli.evaluation import cli
from rim_tf.training.config import PROJECTION_STARTS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patches", type=positive_int, default=1000, help="held-out patches (default 1000)")
    parser.add_argument("--weights", default=None,
                        help="take eps and link_eps from this model (a .keras file, run folder or shipped name); "
                             "default: eps = 0, link_eps = 1e-3")
    parser.add_argument("--data-dir", default=None, help="folder holding BSDS300/ (default $RIM_DATA)")
    parser.add_argument("--start", choices=(*PROJECTION_STARTS, "all"), default="all",
                        help="the projections' initial estimate: A^T y (adjoint), A^T y / n (min_norm), "
                             "A^T y / m (unbiased) or all three (default)")
    parser.add_argument("--json", default=None, type=output_file, help="also write the rows as JSON")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import numpy as np

    from rim_tf.data.patches import load_bsds300_patches
    from rim_tf.evaluation.gradients import first_step_statistics
    from rim_tf.physics.inpainting import Inpaint
    from rim_tf.physics.noise import Denoise
    from rim_tf.training import preset_config
    from rim_tf.training.experiments import build_degradations
    from rim_tf.training.protocol import INPAINT_FRACTION, INPAINT_SIGMA, TRANSFER_SIGMAS

    eps, link_eps, source = 0.0, 1e-3, "eps = 0 (bare eq. 9), link_eps = 1e-3"
    if args.weights:
        from rim_tf.shipped import load_checked

        model, _, _ = load_checked(args.weights, "3task", allow_other_task=True)
        eps, link_eps = float(model.likelihood.eps.numpy()), float(model.link_eps)
        source = f"eps = {eps:.3g} and link_eps = {link_eps:g} of {args.weights}"
    config = preset_config("3task", "cpu")
    split = load_bsds300_patches(args.data_dir, patch_size=config.patch_size, stride=config.stride,
                                 color="gray", val_images=config.val_images, val_patches=args.patches,
                                 seed=config.seed)
    patches = split.val.cut(np.arange(split.val.num_patches)).astype(np.float32) / 255.0
    starts = PROJECTION_STARTS if args.start == "all" else (args.start,)
    trained = [task for start in starts
               for task in build_degradations(dataclasses.replace(config, projection_start=start),
                                              validation=True)]  # at sigma 1, not the training range
    others = [Denoise((s / 255.0, s / 255.0)) for s in TRANSFER_SIGMAS]
    others.append(Inpaint(INPAINT_FRACTION, INPAINT_SIGMA))
    rows = first_step_statistics(trained + others, patches, eps=eps, link_eps=link_eps)
    for row, task in zip(rows, trained + others):
        row["trained_on"] = task in trained
        if task in trained:
            row["start"] = task.start
            start = {"adjoint": "A^T y", "min_norm": "A^T y / n", "unbiased": "A^T y / m"}[task.start]
            row["task"] = f"{row['task']} from {start}"
        if isinstance(task, Denoise):
            row["task"] = f"denoise sigma {255 * row['sigma']:.0f}/255"
    print(f"{len(patches)} held-out 32x32 patches; {source}")
    print(f"{'task':38s} {'trained':>7s} {'x0 PSNR':>8s} {'clipped':>8s} {'|g| x0':>9s} {'|g_eta| x0':>10s} "
          f"{'|g| truth':>10s} {'|g_eta| truth':>13s}")
    for r in rows:
        print(f"{r['task'][:38]:38s} {'yes' if r['trained_on'] else 'no':>7s} {r['x0_psnr']:8.2f} "
              f"{100 * r['clipped']:7.1f}% {r['grad_rms_x0']:9.3g} {r['grad_eta_rms_x0']:10.3g} "
              f"{r['grad_rms_truth']:10.3g} {r['grad_eta_rms_truth']:13.3g}")
    if args.json:
        from rim_tf.atomic import atomic_write_text

        atomic_write_text(args.json, json.dumps({"patches": len(patches), "eps": eps, "link_eps": link_eps,
                                                 "rows": rows}, indent=2))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(cli(main))
