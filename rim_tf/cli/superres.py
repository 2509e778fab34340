"""rim-superres: enlarge a photograph 2, 3 or 4 times with a trained super-resolution RIM.

    rim-superres small.png --scale 3 -o large.png
    rim-superres small.jpg --scale 2 --weights runs/superres-atrous-cpu/model.keras -o large.tif

As in the paper's protocol (Huang et al.'s SelfExSR evaluation), an RGB image is
converted with MATLAB 'rgb2ycbcr'; the RIM restores the luma Y, with MATLAB bicubic
down-sampling as its forward model and bicubic up-sampling as its starting point; the
chroma Cb and Cr are up-sampled bicubically; the inverse MATLAB transform gives RGB back
(clipped to the valid range). A gray image is super-resolved by the RIM directly. An
alpha channel is up-sampled bicubically. The default weights are the shipped
'superres' ones. --tile and --overlap are in output (high-resolution) pixels.
"""
from __future__ import annotations

import argparse
import sys

from rim_tf.cli import (DEFAULT_SR_OVERLAP, add_model_arguments, cli_main, load_model, log, sigma255,
                        read_input, weights_summary, write_result)

SCALES = (2, 3, 4)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rim-superres", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("image", help="the low-resolution image: PNG, JPEG or TIFF; gray or RGB (+ alpha); 8 or 16 bit")
    parser.add_argument("--scale", type=int, choices=SCALES, required=True,
                        help="the enlargement factor: 2, 3 or 4 (the scales the model is trained for)")
    parser.add_argument("--sigma", type=sigma255, default=None,
                        help="the likelihood's noise std on the 0..255 scale (default: 8-bit rounding, "
                             "1/sqrt(12) = 0.29, as in training)")
    add_model_arguments(parser, default_weights="shipped 'superres'", default_overlap=DEFAULT_SR_OVERLAP,
                        overlap_note="In output pixels. Tiled and whole results differ by at most about "
                                     "1e-6 of the full range at 96, 2e-5 at 72, 1e-3 at 48 (a trained "
                                     "SR model, 10 steps; 5e-5 at 96 with 20 steps)")
    return parser


def run(args) -> str:
    image, output = read_input(args)

    import numpy as np

    from rim_tf.inference import bicubic_upscale, superres_image  # imports TensorFlow

    model, sidecar, path = load_model(args.weights, "superres", precision=args.precision,
                                        expect=("superres",), allow_other_task=args.allow_other_task)
    log(weights_summary(model, sidecar, path))
    if model.channels != 1:
        raise ValueError(f"super-resolution runs the RIM on the luma channel and needs a 1-channel model; "
                         f"the weights {path} restore {model.channels}-channel images")
    s = args.scale
    steps = model.steps if args.steps is None else args.steps
    log(f"super-resolving x{s} to {s * image.width}x{s * image.height}: "
        f"{'RIM on Y, bicubic Cb/Cr' if image.channels == 3 else 'RIM on the gray image'}, {steps} steps, "
        f"tile {args.tile or 'off'}, overlap {args.overlap}")
    result = superres_image(model, image.color, s, steps=steps, tile=args.tile, overlap=args.overlap,
                            sigma=args.sigma, progress=not args.quiet)
    alpha = None if image.alpha is None else np.clip(bicubic_upscale(image.alpha, s), 0.0, 1.0)
    return write_result(args, output, result, image, alpha=alpha)


def main(argv=None) -> int:
    """``rim-superres`` with ``argv`` (``sys.argv[1:]`` by default); returns the exit status."""
    return cli_main(build_parser(), run, argv)


if __name__ == "__main__":
    sys.exit(main())
