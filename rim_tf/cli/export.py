"""rim-export: a trained RIM as a TensorFlow SavedModel or a LiteRT (TFLite) file.

    rim-export denoise --format tflite -o denoise.tflite
    rim-export denoise --format tflite --weight-type int8 -o denoise-int8.tflite
    rim-export denoise --format savedmodel -o denoise_savedmodel
    rim-export superres --format tflite --lr-size 128 128 -o superres.tflite    # x2, x3, x4 inside
    rim-export runs/denoise-rim-cpu/model.keras --steps 10 -o mine.tflite

WEIGHTS is a shipped name (denoise, color, 3task, gdn, ffn, superres), a .keras file or a
run folder holding model.keras. Denoisers export one function, denoise(noisy, sigma):
noisy is a float32 [batch, height, width, channels] image in [0, 1] of any size, sigma
the noise level on the 0..255 scale. The super-resolution RIM exports one function per
scale, x2 / x3 / x4, low_res -> estimate, on the Y channel at the fixed low-resolution
size --lr-size (the MATLAB bicubic operator is planned per size). In LiteRT the
functions are the model's signatures (interpreter.get_signature_runner("denoise")).
The output must not exist yet; it appears whole or not at all.
"""
from __future__ import annotations

import argparse
import sys

from rim_tf.cli import cli_main, log, positive_int

_TASK_SCALES = (2, 3, 4)


def _scale(text: str) -> int:
    value = positive_int(text)
    if value not in _TASK_SCALES:
        raise argparse.ArgumentTypeError(f"scale must be one of 2, 3, 4, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from rim_tf.export import FORMATS, WEIGHT_TYPES  # light: no model is built at import

    parser = argparse.ArgumentParser(prog="rim-export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("weights", help="shipped name, .keras file or run folder")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="the .tflite file, or the SavedModel folder, to create (must not exist)")
    parser.add_argument("--format", default="tflite", choices=FORMATS, help="default tflite")
    parser.add_argument("--weight-type", default="float32", choices=WEIGHT_TYPES,
                        help="LiteRT weights: float32 (default), float16, or int8 (dynamic-range "
                             "quantization); a SavedModel is float32")
    parser.add_argument("--steps", type=positive_int, default=None,
                        help="RIM steps built into the model (default: the number it was trained with)")
    parser.add_argument("--scale", type=_scale, nargs="+", default=None,
                        help="super-resolution scales to export (default: every trained scale)")
    parser.add_argument("--lr-size", type=positive_int, nargs=2, default=None, metavar=("H", "W"),
                        help="super-resolution: the fixed low-resolution input size (default 128 128)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no information output")
    return parser


def run(args) -> str:
    from pathlib import Path

    from rim_tf.atomic import check_writable_file

    out = Path(args.output).expanduser()
    if out.exists():  # before loading anything
        raise FileExistsError(f"{out} exists; remove it or choose another -o (nothing is overwritten)")
    check_writable_file(out, "the export")

    from rim_tf.export import DEFAULT_LR_SIZE, export_model  # imports TensorFlow
    from rim_tf.shipped import load_checked

    model, sidecar, path = load_checked(args.weights, args.weights, precision=None, allow_other_task=True)
    superres = (sidecar or {}).get("experiment") == "superres"
    if not superres and (args.scale or args.lr_size):
        raise ValueError("--scale and --lr-size are super-resolution options; these weights denoise")
    log(f"exporting {path} ({(sidecar or {}).get('experiment', 'unknown task')}) as {args.format}, "
        f"{args.weight_type} weights")
    result = export_model(model, sidecar, out, fmt=args.format, weight_type=args.weight_type,
                          steps=args.steps, scales=args.scale,
                          lr_size=tuple(args.lr_size) if args.lr_size else DEFAULT_LR_SIZE)
    print(f"wrote {result.describe()}")
    return str(result.path)


def main(argv=None) -> int:
    """``rim-export`` with ``argv`` (``sys.argv[1:]`` by default); returns the exit status."""
    return cli_main(build_parser(), run, argv)


if __name__ == "__main__":
    sys.exit(main())
