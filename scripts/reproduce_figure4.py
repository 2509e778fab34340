#!/usr/bin/env python
"""Figure 4: inpainting of a 128x128 test crop by models trained on 32x32 patches.

    python scripts/reproduce_figure4.py --weights runs/3task/model.keras --gdn ... --ffn ... \\
        [--denoise runs/denoise/model.keras] [--image-id 101085 --fraction 0.5]

Draws the original, the observed (masked) crop and every model's reconstruction with its
PSNR in the title; the table also gives each model's mean over the central crops of all 100
test images (--mean-crops N for fewer, 0 for none). Writes results/figure4.png, figure4.json and figure4.md.
"""
import argparse
import sys

from rim_tf.quiet import quiet_tensorflow  # noqa: E402

quiet_tensorflow()  # before anything imports TensorFlow

from rim_tf.cli import add_weight_options, output_folder, sigma255
from rim_tf.cli.evaluation import cli, finish, load_model_arg
from rim_tf.evaluation import figure4


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", default="3task", help="the RIM (default: shipped 3task); none to skip")
    parser.add_argument("--gdn", default="gdn", help="the GDN (default: shipped gdn); none to skip")
    parser.add_argument("--ffn", default="ffn", help="the FFN (default: shipped ffn); none to skip")
    parser.add_argument("--denoise", default="none", help="also RIM-denoise (a path or shipped name; default none)")
    parser.add_argument("--image-id", default=None, help="BSDS300 test id (default: the first in lexicographic order)")
    parser.add_argument("--crop", type=int, default=128, help="size of the centred crop (default 128)")
    parser.add_argument("--fraction", type=float, default=0.5, help="fraction of pixels removed (our choice: 0.5)")
    parser.add_argument("--sigma", type=sigma255, default=None,
                        help="noise std on kept pixels, on the 0..255 scale (default 255/32 = 7.97, i.e. 1/32 of the range)")
    parser.add_argument("--mean-crops", type=int, default=100,
                        help="also the mean PSNR over the central crops of the first N test images "
                             "(default 100: all of them; 0: only the drawn crop)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--steps", type=int, default=None, help="RIM steps (default: trained number)")
    parser.add_argument("--out", default="results", type=output_folder,
                        help="output folder (default: results/), checked before any work")
    add_weight_options(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    models = {}
    for label, arg, default in (("RIM", args.weights, "3task"), ("GDN", args.gdn, "gdn"),
                                ("FFN", args.ffn, "ffn"), ("RIM-denoise", args.denoise, "denoise")):
        loaded = load_model_arg(arg, default, precision=args.precision,
                                allow_other_task=args.allow_other_task)
        if loaded is not None:
            models[label] = loaded
    report = figure4(models, image_id=args.image_id, crop=args.crop, fraction=args.fraction,
                     sigma=None if args.sigma is None else args.sigma / 255.0,
                     steps=args.steps, data_dir=args.data_dir, seed=args.seed,
                     mean_crops=args.mean_crops, progress=not args.quiet)
    return finish(report, args.out)


if __name__ == "__main__":
    sys.exit(cli(main))
