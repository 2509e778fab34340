"""rim-denoise: remove Gaussian noise from a photograph with a trained RIM.

    rim-denoise photo.jpg --sigma 25 -o clean.png
    rim-denoise scan16.tif -o clean16.tif                      # noise level estimated
    rim-denoise photo.png --weights runs/denoise-rim-cpu/model.keras --steps 10 -o out.png

Gray images use the shipped 'denoise' weights, RGB images the shipped 'color'
weights, unless --weights says otherwise (a gray model on an RGB image denoises each
channel on its own). An alpha channel is passed through unchanged.

The noise level --sigma is the standard deviation on the 0..255 scale whatever the
bit depth: for a 16-bit image, --sigma 25 means 25/255 of the full range, i.e. about
6425 in 16-bit counts. Without --sigma it is estimated from the image with
Donoho's median absolute deviation of the finest diagonal Haar wavelet coefficients
(divided by 0.6745); texture can bias that estimate up, JPEG compression down.
"""
from __future__ import annotations

import argparse
import sys

from rim_tf.cli import (DEFAULT_OVERLAP, add_model_arguments, cli_main, load_model, log, sigma255,
                        read_input, trained_range, warn, weights_summary, write_result)

MIN_SIGMA = 0.5
"""The smallest noise level used when the estimate is lower (a clean or synthetic image)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rim-denoise", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("image", help="the noisy image: PNG, JPEG or TIFF; gray or RGB (+ alpha); 8 or 16 bit")
    parser.add_argument("--sigma", type=sigma255, default=None,
                        help="noise standard deviation on the 0..255 scale, also for 16-bit images "
                             "(default: estimated from the image)")
    add_model_arguments(parser, default_weights="shipped 'denoise' for gray, 'color' for RGB images",
                        default_overlap=DEFAULT_OVERLAP,
                        overlap_note="Tiled and whole results differ by at most about 1e-6 of the full "
                                     "range at 64, 1e-3 at 32, 1e-2 at 16 (a trained denoiser, 20 steps)")
    return parser


def run(args) -> str:
    image, output = read_input(args)

    from rim_tf.inference import denoise_image, estimate_noise_sigma  # imports TensorFlow

    sigma = args.sigma
    if sigma is None:
        sigma = estimate_noise_sigma(image.color)
        log(f"estimated noise sigma: {sigma:.2f} on the 0..255 scale (Donoho's wavelet MAD estimator; "
            "pass --sigma to set it)")
        if sigma < MIN_SIGMA:
            warn(f"the estimated noise level {sigma:.3f} is very low (a clean image?); using {MIN_SIGMA}")
            sigma = MIN_SIGMA
    default = "denoise" if image.channels == 1 else "color"
    model, sidecar, path = load_model(args.weights, default, precision=args.precision,
                                        expect=("denoise", "color", "3task"), allow_other_task=args.allow_other_task)
    log(weights_summary(model, sidecar, path))
    if model.channels == 1 and image.channels == 3:
        log("a gray model on an RGB image: each colour channel is denoised on its own")
    trained = trained_range(sidecar, "sigma_range")
    if isinstance(trained, (list, tuple)) and len(trained) == 2:
        lo, hi = (255.0 * float(v) for v in trained)
        if not lo - 1e-6 <= sigma <= hi + 1e-6:
            warn(f"sigma {sigma:.3g} is outside the noise levels these weights were trained on "
                 f"({lo:.3g}..{hi:.3g} on the 0..255 scale); results may be poor")
    steps = model.steps if args.steps is None else args.steps
    log(f"denoising with sigma {sigma:.3g}, {steps} steps, tile {args.tile or 'off'}, overlap {args.overlap}")
    result = denoise_image(model, image.color, sigma, steps=steps, tile=args.tile, overlap=args.overlap,
                           progress=not args.quiet)
    return write_result(args, output, result, image, alpha=image.alpha)


def main(argv=None) -> int:
    """``rim-denoise`` with ``argv`` (``sys.argv[1:]`` by default); returns the exit status."""
    return cli_main(build_parser(), run, argv)


if __name__ == "__main__":
    sys.exit(main())
