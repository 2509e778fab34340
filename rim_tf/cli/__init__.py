"""Command lines: the tools for people's own images (``rim-denoise``, ``rim-superres``,
``rim-export``), and the plumbing they share with the reproduction scripts
(:mod:`rim_tf.cli.evaluation`).

Each tool is a module with ``main(argv=None) -> int`` (the exit status), usable as a
console script, as ``python -m rim_tf.cli.denoise`` / ``python -m rim_tf.cli.superres``,
or from Python: ``main(["photo.jpg", "--sigma", "25", "-o", "out.png"])``.

Exit status: 0 on success; 2 for a usage error or bad input (missing or unreadable
image, unsupported format, impossible option), with a one-line ``<tool>: error: ...`` on
stderr; 1 when the work itself fails (out of memory, a failed write); 130 if interrupted.
Progress and information go to stderr (``--quiet`` silences them); the path of the
written file goes to stdout.
"""
from __future__ import annotations

import argparse
import math
import sys
from typing import Callable, Optional

from rim_tf.shipped import load_checked as load_model  # no TensorFlow until a model is loaded

__all__ = ["DEFAULT_OVERLAP", "DEFAULT_SR_OVERLAP", "DEFAULT_TILE", "add_model_arguments", "cli_main",
           "load_model", "log", "nonnegative_int", "output_file", "output_folder", "positive_float", "sigma255",
           "positive_int", "report_errors", "trained_range", "warn", "weights_summary"]

# rim_tf.inference.DEFAULT_TILE / DEFAULT_OVERLAP / DEFAULT_SR_OVERLAP, repeated so that building
# the parser does not import the inference module (tests/test_cli.py checks that they agree)
DEFAULT_TILE = 512
DEFAULT_OVERLAP = 64
DEFAULT_SR_OVERLAP = 96

_quiet = False


def log(message: str) -> None:
    """An information line on stderr (unless ``--quiet``)."""
    if not _quiet:
        print(message, file=sys.stderr, flush=True)


def warn(message: str) -> None:
    """A warning on stderr, shown even with ``--quiet``."""
    print(f"warning: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- argument types
def _int_at_least(text: str, minimum: int, expected: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
    return value


def positive_int(text: str) -> int:
    return _int_at_least(text, 1, "a positive integer")


def nonnegative_int(text: str) -> int:
    return _int_at_least(text, 0, "an integer >= 0")


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def sigma255(text: str) -> float:
    """An argument type: a noise standard deviation on the 0..255 scale, the one unit of every
    user-facing sigma; a value plainly on the 0..1 scale is refused at parse time, before any work
    (the rule of :func:`rim_tf.physics.sigma.check_sigma`)."""
    from rim_tf.quiet import quiet_tensorflow

    quiet_tensorflow()  # the rule lives in rim_tf.physics, whose package imports TensorFlow
    from rim_tf.physics.sigma import check_sigma

    value = positive_float(text)
    try:
        return check_sigma(value, "sigma", unit="0..255")
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _writable(text: str, check: str, what: str) -> str:
    """``text`` if ``rim_tf.atomic.<check>(text, what)`` passes, else an argparse error (at parse
    time, so that no work is lost to an output that cannot be written)."""
    from rim_tf import atomic

    try:
        getattr(atomic, check)(text, what)
    except (OSError, ValueError) as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def output_folder(text: str) -> str:
    """An argument type: a folder that exists or can be created, and can be written to."""
    return _writable(text, "check_writable_folder", "the output folder")


def output_file(text: str) -> str:
    """An argument type: a file whose folder exists and can be written to."""
    return _writable(text, "check_writable_file", "the output")


def jpeg_quality(text: str) -> int:
    value = positive_int(text)
    if value > 95:
        raise argparse.ArgumentTypeError(f"JPEG quality must be 1..95, got {value}")
    return value


def add_model_arguments(parser: argparse.ArgumentParser, *, default_weights: str, default_overlap: int,
                        overlap_note: str) -> None:
    """``-o``, ``--weights``, ``--steps``, ``--tile``, ``--overlap``, ``--jpeg-quality``, ``--quiet``."""
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="the result: .png, .jpg/.jpeg or .tif/.tiff (16-bit input needs PNG or TIFF)")
    parser.add_argument("--weights", default=None, metavar="W",
                        help=f"a trained model (.keras file, or run folder holding model.keras) or the "
                             f"name of shipped weights (default: {default_weights})")
    parser.add_argument("--steps", type=positive_int, default=None,
                        help="RIM steps (default: the number the model was trained with)")
    parser.add_argument("--tile", type=nonnegative_int, default=DEFAULT_TILE,
                        help="process images larger than TILE x TILE pixels in overlapping tiles of at "
                             f"most this size (default {DEFAULT_TILE}; 0: the whole image at once, which "
                             "needs the most memory)")
    parser.add_argument("--overlap", type=nonnegative_int, default=default_overlap,
                        help="pixels shared by neighbouring tiles; each kept pixel has at least OVERLAP/2 "
                             f"pixels of context (default {default_overlap}). {overlap_note}")
    parser.add_argument("--jpeg-quality", type=jpeg_quality, default=95,
                        help="quality of a JPEG output, 1..95 (default 95)")
    add_weight_options(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress or information output")


def add_weight_options(parser: argparse.ArgumentParser) -> None:
    """``--precision`` and ``--allow-other-task``, for every command that loads weights."""
    from rim_tf.precision import INFERENCE_PRECISIONS

    parser.add_argument("--precision", default="float32", choices=INFERENCE_PRECISIONS,
                        help="numeric precision: float32 (default), mixed_bfloat16 (fast on GPUs and CPUs "
                             "with AVX512-BF16/AMX only; ~10x slower where bfloat16 is emulated), or auto "
                             "(mixed_bfloat16 where it is fast)")
    parser.add_argument("--allow-other-task", action="store_true",
                        help="use weights whose sidecar says they were trained for another task")


# --------------------------------------------------------------------------- weights
# load_model(arg, default_name, precision, expect, allow_other_task) -> (model, sidecar, path)
# is rim_tf.shipped.load_checked, imported above.


def weights_summary(model, sidecar: dict, path) -> str:
    """One line: where the weights come from, their training budget, their size."""
    from rim_tf.shipped import run_info

    info = run_info(sidecar)
    parts = [f"weights {path}", f"{type(model.cell).__name__}, {model.channels} channel(s)",
             f"trained {model.steps} steps", f"preset {info.preset}"]
    if info.patches_seen is not None:
        parts.append(f"{info.patches_seen:,} patches seen")
    line = "; ".join(parts)
    if info.reduced_budget:
        line += " (REDUCED BUDGET: not the paper's training)"
    return line


def trained_range(sidecar: dict, key: str):
    """A setting of the training config recorded in the sidecar, or ``None``."""
    config = sidecar.get("config") if isinstance(sidecar, dict) else None
    return config.get(key) if isinstance(config, dict) else None


# --------------------------------------------------------------------------- running
def _is_out_of_memory(err: BaseException) -> bool:
    return isinstance(err, MemoryError) or type(err).__name__ == "ResourceExhaustedError"


def report_errors(work: Callable[[], object], prog: Optional[str] = None, *,
                  memory_hint: str = "use a smaller --tile (e.g. --tile 128)") -> int:
    """Run ``work()``; expected failures become one-line messages and exit codes (the one error
    shell of every command line: the tools and the reproduction scripts).

    ``<prog>: error: ...`` (``error: ...`` without ``prog``) on stderr and 2 for bad input or
    usage (a missing or unreadable file, an impossible value, a missing package); 1 when the
    work itself fails (out of memory, with ``memory_hint``; other ``OSError``); 130 if
    interrupted; 0 on success. Anything else is a bug and keeps its traceback.
    """
    prefix = f"{prog}: " if prog else ""
    try:
        work()
    except KeyboardInterrupt:
        print(f"{prefix}interrupted", file=sys.stderr)
        return 130
    except (FileNotFoundError, FileExistsError, ValueError, ImportError, IsADirectoryError,
            PermissionError) as err:
        print(f"{prefix}error: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # noqa: BLE001
        if _is_out_of_memory(err):
            print(f"{prefix}error: out of memory ({type(err).__name__}); {memory_hint}", file=sys.stderr)
            return 1
        if isinstance(err, OSError):
            print(f"{prefix}error: {err}", file=sys.stderr)
            return 1
        raise
    return 0


def cli_main(parser: argparse.ArgumentParser, run: Callable, argv=None) -> int:
    """Parse ``argv``, call ``run(args)``, turn expected failures into messages and exit codes
    (:func:`report_errors`)."""
    global _quiet
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse: --help (0) or a usage error (2), message already printed
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 2)
    _quiet = bool(getattr(args, "quiet", False))

    def work():
        from rim_tf.quiet import quiet_tensorflow

        quiet_tensorflow()
        run(args)

    return report_errors(work, parser.prog)


def write_result(args, output, result, image, alpha=None) -> str:
    """Write a tool's ``result`` (float ``[H, W, C]`` in [0, 1]) like the input ``image`` (bit
    depth; ``alpha``) and print where it went, on stdout."""
    from rim_tf.imageio_utils import write_image

    write_image(output, result, bit_depth=image.bit_depth, alpha=alpha, jpeg_quality=args.jpeg_quality)
    print(f"wrote {output} ({result.shape[1]}x{result.shape[0]}, {image.bit_depth}-bit)")
    return str(output)


def read_input(args):
    """Read ``args.image`` and check ``args.output`` before any work: ``(image, output_path)``."""
    from rim_tf.imageio_utils import check_output_path, read_user_image

    image = read_user_image(args.image)
    output = check_output_path(args.output, bit_depth=image.bit_depth, has_alpha=image.alpha is not None,
                               input_path=args.image)
    log(f"read {args.image}: {image.describe()}")
    return image, output
