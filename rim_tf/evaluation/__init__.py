"""Evaluation of trained RIMs on whole test images (Tables 1-3) and test patches (Figures 3-4).

Protocols
---------
* **Denoising (Tables 1 and 2).** The clean test image (uint8) is scaled to ``[0, 1]``
  and gets Gaussian noise of std ``sigma / 255``, drawn with a stateless seed derived from
  the image id and ``sigma`` (:func:`observation_seed`): every run, every model and every
  baseline sees the same noisy image. The noisy image is *not* clipped; with
  ``quantize=True`` it is rounded to 8 bits and clipped to ``[0, 1]`` (Table 2's "8-bit"
  columns, Table 1), while the likelihood keeps the Gaussian ``sigma``.
  PSNR: the estimate is clipped to ``[0, 1]`` and compared *in floating point* with the
  clean 8-bit image on the 0..255 range (``10 log10(255^2 / MSE)``); it is **not** rounded
  to uint8 first (``round_to_uint8=True`` does that instead). Means are over images.
* **Super-resolution (Table 3).** SelfExSR's LR file is converted to the Y channel of
  MATLAB ``rgb2ycbcr`` (in floating point, divided by 255); the RIM runs with
  :class:`~rim_tf.physics.BicubicDownsample` and starts from its bicubic up-sampling
  of the LR Y. The estimate's Y is rounded to uint8 and scored with
  :func:`rim_tf.metrics.sr_psnr` (shave ``scale``, range 255) against the HR image's
  rounded Y. The bicubic baseline is that same initial estimate, scored by the same code.
* **Random projections and inpainting (Figure 3).** Random 32x32 patches of the BSDS300
  test images (gray), degraded by the tasks of :mod:`rim_tf.physics.tasks` with a fixed seed per batch
  (every model sees the same measurements); PSNR in floating point on ``[0, 1]`` after
  every step, step 0 being the initial estimate the RIM starts from.

Models run on whole images in batches of images of equal shape (481x321 and 321x481 are
separate groups), with a tqdm progress bar; seconds per image are the wall time of a batch
divided by its size (the first batch includes one-off start-up costs).

The functions :func:`table1`, :func:`table2`, :func:`table3`, :func:`figure3` and
:func:`figure4` do the work of ``scripts/reproduce_*.py`` and return a :class:`Report`.

One job per module: :mod:`~rim_tf.evaluation.results` (what is returned),
:mod:`~rim_tf.evaluation.protocols` (observations and scores), :mod:`~rim_tf.evaluation.runners`
(models and baselines over images and patches), :mod:`~rim_tf.evaluation.tables` (the
paper's tables and figures). The scripts' command-line plumbing is
:mod:`rim_tf.cli.evaluation`; its names are re-exported here as before.
"""
from rim_tf.cli.evaluation import add_common_arguments, cli, finish, load_model_arg
from rim_tf.evaluation.protocols import (estimate_psnr, group_by_shape, noisy_observation, observation_seed,
                                         sr_y_psnr)
from rim_tf.evaluation.results import CurveResult, EvalResult, Report
from rim_tf.evaluation.runners import (bm3d_denoiser, compiled_denoiser, evaluate_denoiser, evaluate_denoising,
                                       evaluate_patches, evaluate_superres, inpaint_image, random_test_patches)
from rim_tf.evaluation.tables import (combine_run_info, figure3, figure4, spread_indices, table1, table2,
                                      table3)

__all__ = [
    "EvalResult",
    "CurveResult",
    "Report",
    "observation_seed",
    "noisy_observation",
    "group_by_shape",
    "spread_indices",
    "compiled_denoiser",
    "estimate_psnr",
    "evaluate_denoising",
    "evaluate_denoiser",
    "bm3d_denoiser",
    "sr_y_psnr",
    "evaluate_superres",
    "random_test_patches",
    "evaluate_patches",
    "inpaint_image",
    "combine_run_info",
    "table1",
    "table2",
    "table3",
    "figure3",
    "figure4",
    "add_common_arguments",
    "load_model_arg",
    "finish",
    "cli",
]
