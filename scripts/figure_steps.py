#!/usr/bin/env python
"""The RIM's estimate step by step on one test image, as in the paper's figures 4-6.

    python scripts/figure_steps.py --task denoise  [--weights denoise] [--image-id 101085] [--sigma 25]
    python scripts/figure_steps.py --task superres [--weights superres] [--image-id 101085] [--scale 3]

One row of panels: the observation, the estimate after several steps, and the truth, each
titled with its PSNR on the whole image (``--crop`` only narrows what is drawn).

* denoise: a BSDS300 test image (gray for a 1-channel model, RGB for a 3-channel one) with
  Gaussian noise of std ``sigma/255``, drawn with the evaluation's seed for that image and
  sigma (the same noisy image as in Tables 1-2); PSNR as in the tables (estimate clipped
  to [0, 1], not rounded, range 255).
* superres: the SelfExSR BSD100 pair of that image; the RIM on the Y channel, starting
  from bicubic up-sampling (the first panel, "bicubic"); PSNR by the SelfExSR protocol
  (Y rounded to 8 bits, ``scale`` pixels shaved). Panels show RGB with bicubic chroma.

Writes the PNG (``--out``, default ``results/figure_steps_<task>.png``) and a JSON file
beside it with the PSNR after every step; prints that table.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np


def parse_args(argv=None):
    from rim_tf.cli import add_weight_options, output_file, sigma255
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", choices=("denoise", "superres"), default="denoise")
    parser.add_argument("--weights", default=None,
                        help="a .keras file or shipped name (default: shipped denoise / superres)")
    parser.add_argument("--image-id", default=None,
                        help="BSDS300 test id, or img_NNN for superres (default: the first test id)")
    parser.add_argument("--sigma", type=sigma255, default=25.0, help="denoise: noise std on the 0..255 scale (25)")
    parser.add_argument("--scale", type=int, choices=(2, 3, 4), default=3, help="superres: the scale (3)")
    parser.add_argument("--steps", type=int, default=None, help="RIM steps (default: the trained number)")
    parser.add_argument("--show-steps", default=None,
                        help="comma-separated steps to draw (default: 1, T/4, T/2, T)")
    parser.add_argument("--crop", type=int, default=0, help="draw only a centred square of this size (0: all)")
    parser.add_argument("--data-dir", default=None, help="folder holding BSDS300/ and SelfExSR/")
    parser.add_argument("--out", default=None, type=output_file, help="the PNG to write (default results/figure_steps_<task>.png)")
    add_weight_options(parser)
    return parser.parse_args(argv)


def _show_steps(arg, steps):
    if arg:
        try:
            chosen = sorted({int(s) for s in arg.split(",") if s.strip()})
        except ValueError:
            raise ValueError(f"--show-steps must be comma-separated integers, got {arg!r}") from None
        bad = [s for s in chosen if not 1 <= s <= steps]
        if bad or not chosen:
            raise ValueError(f"--show-steps must lie in 1..{steps} (the steps run), got {arg!r}")
        return chosen
    return sorted({1, max(1, round(steps / 4)), max(1, round(steps / 2)), steps})


def _crop(image, size):
    if not size:
        return image
    h, w = image.shape[:2]
    size = min(size, h, w)
    r, c = (h - size) // 2, (w - size) // 2
    return image[r:r + size, c:c + size]


def _test_ids(data_dir):
    from rim_tf.data.locate import bsds300_split
    return dict(bsds300_split(data_dir, "test"))


def denoise_panels(model, args):
    from rim_tf.data.images import convert_color, read_dataset_image
    from rim_tf.evaluation import estimate_psnr, noisy_observation
    from rim_tf.inference import denoise_image

    paths = _test_ids(args.data_dir)
    image_id = args.image_id or sorted(paths)[0]
    if image_id not in paths:
        raise ValueError(f"{image_id!r} is not a BSDS300 test id (e.g. {sorted(paths)[0]})")
    clean = convert_color(read_dataset_image(paths[image_id]), "gray" if model.channels == 1 else "rgb")
    noisy = noisy_observation(clean, image_id, args.sigma)
    estimates = denoise_image(model, noisy, args.sigma, steps=args.steps, tile=0, all_steps=True)
    curve = [estimate_psnr(e, clean) for e in estimates]
    first = ("noisy (sigma=%g)" % args.sigma, np.clip(noisy, 0, 1), estimate_psnr(noisy, clean))
    truth = ("clean", clean.astype(np.float32) / 255.0, None)
    return image_id, first, estimates, curve, truth, {"sigma": args.sigma}


def superres_panels(model, args):
    from rim_tf.data.images import read_dataset_image
    from rim_tf.data.locate import selfexsr_path
    from rim_tf.data.testsets import sr_names
    from rim_tf.evaluation import sr_y_psnr
    from rim_tf.inference import bicubic_upscale, rgb_to_ycbcr, superres_y, ycbcr_to_rgb

    names = sr_names(list(_test_ids(args.data_dir)))
    wanted = args.image_id or names[0][1]
    match = [(k, name, i) for k, (name, i) in enumerate(names, start=1) if wanted in (name, i)]
    if not match:
        raise ValueError(f"{wanted!r} is neither a BSDS300 test id nor a SelfExSR name img_001..img_100")
    number, name, image_id = match[0]
    hr = read_dataset_image(selfexsr_path(args.data_dir, args.scale, number, "HR"))
    lr = read_dataset_image(selfexsr_path(args.data_dir, args.scale, number, "LR"))
    ycbcr = rgb_to_ycbcr(lr.astype(np.float32) / 255.0)
    estimates = superres_y(model, ycbcr[..., :1], args.scale, steps=args.steps, tile=0, all_steps=True)
    bicubic = bicubic_upscale(ycbcr, args.scale)

    def rgb(y):
        return np.clip(ycbcr_to_rgb(np.concatenate([y, bicubic[..., 1:]], axis=-1)), 0, 1)

    curve = [sr_y_psnr(e, hr, args.scale) for e in estimates]
    first = (f"bicubic x{args.scale}", rgb(bicubic[..., :1]), sr_y_psnr(bicubic[..., :1], hr, args.scale))
    truth = ("high resolution", hr.astype(np.float32) / 255.0, None)
    shown = np.stack([rgb(e) for e in estimates])
    return f"{image_id} ({name})", first, shown, curve, truth, {"scale": args.scale}


def main(argv=None):
    args = parse_args(argv)
    from rim_tf.atomic import atomic_write_text
    from rim_tf.cli.evaluation import load_model_arg
    from rim_tf.plotting import plot_image_grid
    from rim_tf.shipped import run_info

    expect = ("superres",) if args.task == "superres" else ("denoise", "color", "3task")
    model, sidecar, label = load_model_arg(args.weights, args.task, precision=args.precision,
                                           allow_other_task=args.allow_other_task, expect=expect)
    if args.steps is not None and args.steps < 1:
        raise ValueError(f"--steps must be >= 1, got {args.steps}")
    steps = model.steps if args.steps is None else args.steps
    show = _show_steps(args.show_steps, steps)
    build = denoise_panels if args.task == "denoise" else superres_panels
    image_id, first, estimates, curve, truth, setting = build(model, args)
    panels = [(first[0], _crop(first[1], args.crop), first[2])]
    panels += [(f"step {t}", _crop(estimates[t - 1], args.crop), curve[t - 1]) for t in show]
    panels.append((truth[0], _crop(truth[1], args.crop), truth[2]))
    info = run_info(sidecar, weights=label)
    budget = "" if not info.reduced_budget else ", REDUCED BUDGET"
    title = f"RIM {args.task}, image {image_id} (weights: preset {info.preset}{budget})"
    out = Path(args.out or f"results/figure_steps_{args.task}.png")
    plot_image_grid(panels, out, title=title)
    record = {"task": args.task, "image": image_id, "weights": label, "preset": info.preset,
              "reduced_budget": info.reduced_budget, "steps": steps, "shown_steps": show,
              "observation_psnr": first[2], "step_psnr": curve, **setting}
    atomic_write_text(out.with_suffix(".json"), json.dumps(record, indent=2))
    print(f"{first[0]:>24s}: {first[2]:.2f} dB")
    for t, value in enumerate(curve, start=1):
        print(f"{'step %d' % t:>24s}: {value:.2f} dB")
    print(f"wrote {out} and {out.with_suffix('.json')}")
    return record


if __name__ == "__main__":
    from rim_tf.quiet import quiet_tensorflow

    quiet_tensorflow()  # before rim_tf.evaluation (in main) imports TensorFlow
    from rim_tf.cli.evaluation import cli
    sys.exit(cli(main))
