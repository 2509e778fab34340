"""Training settings: one dataclass, four experiments of the paper, named presets.

Every experiment (``denoise``, ``3task``, ``color``, ``superres``) has three presets:

* ``paper`` -- the paper's setup as far as it is known (docs/paper.md): widths 64/256, 20
  steps, 32x32 patches with stride 4 (36x36 for super-resolution), about 400k patches,
  two epochs, Adam with gradients clipped at global norm 5 and a learning rate decayed
  by 0.96 every 5000 iterations. Batch size and learning rate are not in the paper:
  ours (32, 1e-3) are marked as such in :data:`PAPER_UNKNOWNS`. Meant for a GPU.
* ``cpu`` -- the long training of a 2-core CPU: a size chosen by a measured pilot (see
  ``reference_results/ours/pilot-sizes/``), 10 steps, stride 4, a budget of 8 hours of wall
  time (``max_minutes``) spent over several sittings with ``--resume``.
* ``quick`` -- about 30 minutes on a 2-core CPU, for people who just want to try it.
* ``smoke`` -- seconds; for tests and for checking an installation.

Results of the reduced presets are labelled "REDUCED BUDGET" wherever they are stored.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Optional

from rim_tf.precision import PRECISIONS  # auto, float32, mixed_float16, mixed_bfloat16
from rim_tf.training.protocol import PROTOCOLS  # the experiments with a protocol validation

EXPERIMENTS = ("denoise", "3task", "color", "superres")
MODELS = ("rim", "gdn", "ffn", "atrous")
PRESETS = ("paper", "cpu", "quick", "smoke")
STRATEGIES = ("default", "mirrored", "multi_worker")
TRAIN_COLORS = ("auto", "gray", "y", "rgb")
PROJECTION_STARTS = ("adjoint", "min_norm", "unbiased")  # rim_tf.physics.projections.STARTS
# what a run's best/ model is chosen by (rim_tf.training.trainer.Trainer.keep_best): nothing,
# the validation PSNR, or the mean of the experiment's protocol scores (3task: the transfer)
KEEP_BEST = ("none", "val", "protocol")

# settings that may change between a run and its resumption (length and bookkeeping only)
RESUMABLE_CHANGES = {"max_iterations", "max_minutes", "epochs", "val_every", "checkpoint_every",
                     "checkpoint_minutes", "keep_checkpoints", "log_images", "preset",
                     "protocol_crop", "keep_best",
                     # variables and optimiser state are float32 under every policy
                     "precision"}

PAPER_UNKNOWNS = {
    "batch_size": "not given in the paper; 32 is our choice",
    "learning_rate": "not given (the authors' later code used problem-specific rates); 1e-3 is ours",
    "sigma_range": "the noise levels RIM-denoise was trained on are not given; 5..60 (/255) is ours",
    "measurement_ratios": "the m/n ratios of the random projections are in a figure only; ours",
    "projection_start": "the paper does not say what a projection task's RIM starts from; the "
                        "plain adjoint A^T y clips ~all of x_0 (values ~m times the image's) while "
                        "denoising starts from the noisy image, so RIM-3task saw no state like "
                        "denoising's start. The 3task presets start from A^T y / n "
                        "(~minimum-norm; for Fourier the zero-filled inverse DFT), 10-17 dB on "
                        "32x32 patches (reference_results/ours/3task-diagnosis/). Configs without "
                        "the field (the first 4,000-patch models) started from A^T y",
    "projection_sigma_range": "the paper gives the measurement noise of its evaluation (sigma 1), "
                              "not of training. Trained at sigma 1 alone, RIM-3task's denoising of "
                              "held-out crops peaked (26.9 dB at sigma 25) at ~9k iterations and "
                              "fell as the projections fitted better (25.7 at 17k), most at sigma "
                              "50 (23.4 -> 21.5): the likelihood gradient at the truth, "
                              "A^T n / sigma^2, has RMS ~16-23 at sigma 1 but 10 and 5 in "
                              "denoising at sigma 25 and 50. The 3task presets draw sigma per sample "
                              "from 0.5..4, whose gradients span those of denoising at sigma ~5-60; "
                              "validation and Figure 3 stay at sigma 1 "
                              "(reference_results/ours/3task-diagnosis/, section 4)",
    "keep_best": "the paper does not say how long RIM-3task trained or which iterate it kept. Even "
                 "with the noise range our transfer peaks (~9-11k iterations, 27.97 dB at sigma 25 "
                 "on held-out crops) and falls while the in-task score still rises (26.6 at 23.7k), "
                 "so the 3task presets keep the model of the best mean transfer score on the 10 "
                 "held-out training-split images in best/ (never the test sets); the same rule for "
                 "GDN and FFN (reference_results/ours/3task-diagnosis/, section 5)",
    "atrous widths": "the super-resolution model's widths were lost from the text; ours",
    "train_color": "the paper does not say which gray the super-resolution RIM was trained on; "
                   "we train it on the Y channel that Table 3 scores (range 16..235), not on "
                   "rgb2gray (0..255)",
    "stride": "the text says stride 4 and 'about 400 thousand' patches, but stride 4 over the 200 "
              "images gives 1,649,800 32x32 patches (stride 8 gives 421,800); we follow the "
              "stated stride",
}


@dataclass
class TrainConfig:
    """All settings of one training run; every field is a command-line flag."""

    experiment: str = "denoise"
    preset: str = "paper"
    model: str = "rim"              # rim | gdn | ffn (3task ablations) | atrous (superres)
    # model size
    hidden_features: int = 64
    gru_features: int = 256
    num_gru: int = 1
    steps: int = 20                 # RIM steps T during training
    # data
    patch_size: int = 32
    stride: int = 4
    batch_size: int = 32
    epochs: int = 2
    max_iterations: Optional[int] = None   # stop earlier than `epochs` (reduced budgets)
    max_minutes: Optional[float] = None    # stop cleanly after this much wall time (this invocation)
    val_images: int = 10                   # whole training images held out for validation
    val_patches: int = 1000
    # super-resolution: also score Table 3's protocol (Y, 8 bits, shave = scale, per scale);
    # 3task: also score the out-of-training tasks (denoising, inpainting); both on central crops
    # of this size of the held-out images at every validation (0: off);
    # rim_tf.training.protocol.PROTOCOLS
    protocol_crop: int = 192
    # colour of the training patches: auto = rgb for color, y (the BT.601 luma Table 3 scores)
    # for superres, gray (MATLAB rgb2gray, how the denoising test images are made) otherwise
    train_color: str = "auto"
    # tasks
    sigma_range: tuple = (5 / 255, 60 / 255)           # denoise, color (training noise)
    measurement_ratios: tuple = (0.25, 0.5)            # 3task: m / n per ensemble
    projection_sigma: float = 1.0                      # 3task measurement noise (docs/paper.md, section 3.1);
                                                       # the in-task validation's and Figure 3's level
    # 3task: train with the measurement noise drawn per sample uniformly from (lo, hi) instead
    # of the fixed projection_sigma (None, what configs written without the field meant)
    projection_sigma_range: Optional[tuple] = None
    # 3task: x_0 of a projection, "adjoint" (A^T y), "min_norm" (A^T y / n) or "unbiased"
    # (A^T y / m), see rim_tf.physics.projections; the default is what configs written
    # without the field meant
    projection_start: str = "adjoint"
    scales: tuple = (2, 3, 4)                          # superres
    # optimisation
    learning_rate: float = 1e-3
    lr_decay_rate: float = 0.96
    lr_decay_steps: int = 5000
    clip_norm: float = 5.0
    ema: float = 0.0                # decay of the weights' moving average that is validated and
                                    # exported (Polyak averaging; 0: the raw weights)
    seed: int = 0
    # bookkeeping
    val_every: int = 1000
    checkpoint_every: int = 200            # iterations between checkpoints ...
    checkpoint_minutes: float = 5.0        # ... or this much wall time, whichever comes first
    keep_checkpoints: int = 3
    # also keep the model of the best validation so far in best/ (KEEP_BEST): for RIM-3task,
    # whose transfer to denoising peaks long before its in-task validation does
    keep_best: str = "none"
    log_images: int = 4
    # performance
    precision: str = "float32"            # or auto: mixed_bfloat16 where the hardware has it
    xla: bool = False
    strategy: str = "default"
    deterministic: bool = False

    def validate(self) -> "TrainConfig":
        """Refuse settings that cannot work, naming the offending field."""
        def positive(name):
            value = getattr(self, name)
            if value is None or value < 1:
                raise ValueError(f"{name} must be >= 1, got {value!r}")
        if self.experiment not in EXPERIMENTS:
            raise ValueError(f"unknown experiment {self.experiment!r}; choose one of {EXPERIMENTS}")
        if self.preset not in PRESETS:
            raise ValueError(f"unknown preset {self.preset!r}; choose one of {PRESETS}")
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose one of {MODELS}")
        if self.model in ("gdn", "ffn") and self.experiment != "3task":
            raise ValueError(f"the {self.model.upper()} ablation belongs to the 3task experiment")
        if self.model == "atrous" and self.experiment != "superres":
            raise ValueError("the atrous model is the super-resolution model (experiment superres)")
        for name in ("hidden_features", "gru_features", "num_gru", "steps", "patch_size", "stride",
                     "batch_size", "epochs", "val_images", "val_patches", "lr_decay_steps",
                     "val_every", "checkpoint_every", "keep_checkpoints"):
            positive(name)
        if self.max_iterations is not None:
            positive("max_iterations")
        if self.max_minutes is not None and not self.max_minutes > 0:
            raise ValueError(f"max_minutes must be > 0, got {self.max_minutes!r}")
        if self.keep_best not in KEEP_BEST:
            raise ValueError(f"unknown keep_best {self.keep_best!r}; choose one of {KEEP_BEST}")
        if self.keep_best == "protocol" and self.experiment not in PROTOCOLS:
            raise ValueError("keep_best 'protocol' needs an experiment with a protocol validation "
                             f"({', '.join(PROTOCOLS)}), not {self.experiment!r}")
        if not self.checkpoint_minutes > 0:
            raise ValueError(f"checkpoint_minutes must be > 0, got {self.checkpoint_minutes!r}")
        if not self.learning_rate > 0 or not self.clip_norm > 0 or not 0 < self.lr_decay_rate <= 1:
            raise ValueError("learning_rate and clip_norm must be > 0 and lr_decay_rate in (0, 1]")
        if not 0.0 <= self.ema < 1.0:
            raise ValueError(f"ema (the decay of the weights' moving average) must be in [0, 1), got {self.ema}")
        lo, hi = self.sigma_range
        if not 0 < lo <= hi:
            raise ValueError(f"sigma_range must satisfy 0 < lo <= hi, got {self.sigma_range}")
        bad = [s for s in self.scales if s not in (2, 3, 4)]
        if bad:
            raise ValueError(f"super-resolution scales must be among 2, 3, 4; got {bad}")
        if self.experiment == "superres":
            for s in self.scales:
                if self.patch_size % s:
                    raise ValueError(f"patch_size {self.patch_size} is not divisible by scale {s}")
        for r in self.measurement_ratios:
            if not 0 < r <= 1:
                raise ValueError(f"measurement ratios must lie in (0, 1], got {r}")
        if not (math.isfinite(self.projection_sigma) and self.projection_sigma > 0):
            raise ValueError(f"projection_sigma (the noise of the projection measurements) must be > 0, "
                             f"got {self.projection_sigma}")
        if self.projection_sigma_range is not None:
            rng = self.projection_sigma_range
            if len(rng) != 2 or not all(math.isfinite(v) for v in rng) or not 0 < rng[0] <= rng[1]:
                raise ValueError(f"projection_sigma_range (the training noise of the projection "
                                 f"measurements) must be (lo, hi) with 0 < lo <= hi, got {rng!r}")
        if self.projection_start not in PROJECTION_STARTS:
            raise ValueError(f"unknown projection_start {self.projection_start!r}; "
                             f"choose one of {PROJECTION_STARTS}")
        if self.train_color not in TRAIN_COLORS:
            raise ValueError(f"unknown train_color {self.train_color!r}; choose one of {TRAIN_COLORS}")
        if self.train_color == "rgb" and self.experiment != "color" or \
                self.experiment == "color" and self.train_color not in ("auto", "rgb"):
            raise ValueError("only the color experiment trains on RGB patches")
        if self.protocol_crop < 0:
            raise ValueError(f"protocol_crop must be >= 0 (0: no protocol validation), got {self.protocol_crop}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown precision {self.precision!r}; choose one of {PRECISIONS}")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}; choose one of {STRATEGIES}")
        return self

    @property
    def channels(self) -> int:
        return 3 if self.experiment == "color" else 1

    @property
    def patch_color(self) -> str:
        """The colour mode of the training patches (see ``train_color``)."""
        if self.train_color != "auto":
            return self.train_color
        return {"color": "rgb", "superres": "y"}.get(self.experiment, "gray")

    @property
    def reduced_budget(self) -> bool:
        return self.preset != "paper"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


# Paper-size settings shared by all experiments; the per-experiment deltas follow.
_PAPER = {}
_EXPERIMENT_DEFAULTS = {
    "denoise": {},
    # protocol crop: the size of Figure 4's crop; the start: see PAPER_UNKNOWNS; best/ keeps the
    # model of the best transfer (its peak comes long before the in-task curve flattens:
    # reference_results/ours/3task-diagnosis/, section 5)
    "3task": {"protocol_crop": 128, "projection_start": "min_norm", "projection_sigma_range": (0.5, 4.0),
              "keep_best": "protocol"},
    "color": {},
    "superres": {"model": "atrous", "patch_size": 36, "gru_features": 64},
}
# The long CPU training; its size was chosen by the pilot of reference_results/ours/pilot-sizes/.
_CPU = {
    "hidden_features": 48, "gru_features": 96, "steps": 10, "stride": 4, "batch_size": 16,
    "epochs": 20, "max_minutes": 480.0, "val_patches": 1000, "val_every": 720,
    "checkpoint_every": 100000, "checkpoint_minutes": 5.0, "keep_checkpoints": 1,
    # lr 1e-3 x 0.96 per 600 iterations: ~0.2x after the ~23k iterations of 8 h at 48/96 on
    # 2 cores; the validated and exported weights are their moving average (BasicSR's 0.999)
    "learning_rate": 1e-3, "lr_decay_steps": 600, "ema": 0.999, "precision": "auto",
}
# About 30 minutes on 2 cores (the former `cpu` preset, bounded by time instead of iterations).
_QUICK = {
    "hidden_features": 32, "gru_features": 64, "steps": 10, "stride": 8, "batch_size": 16,
    "epochs": 1, "max_minutes": 30.0, "val_patches": 256, "val_every": 300,
    "checkpoint_every": 100000, "checkpoint_minutes": 5.0, "learning_rate": 2e-3,
    "lr_decay_steps": 1000, "precision": "auto",
}
_SMOKE = {
    "hidden_features": 4, "gru_features": 8, "steps": 3, "patch_size": 16, "stride": 16,
    "batch_size": 4, "epochs": 1, "max_iterations": 6, "val_images": 2, "val_patches": 8,
    "val_every": 3, "checkpoint_every": 2, "log_images": 2,
}
_PRESET_VALUES = {"paper": _PAPER, "cpu": _CPU, "quick": _QUICK, "smoke": _SMOKE}
_EXPERIMENT_PRESET = {
    # super-resolution needs patches divisible by 2, 3 and 4
    ("superres", "smoke"): {"patch_size": 12, "stride": 12},
    # the à-trous cell runs its GRU at full resolution: ~4x the FLOPs per patch of the strided
    # 48/96 denoiser; fewer validation patches, since Table 3's protocol is validated too
    # widths 32/16: the SR size pilot (reference_results/ours/pilot-sr/)
    ("superres", "cpu"): {"patch_size": 36, "hidden_features": 32, "gru_features": 16, "stride": 12,
                          "val_patches": 500, "val_every": 600},
    ("superres", "quick"): {"patch_size": 36, "gru_features": 32, "stride": 12},
}


def preset_config(experiment: str, preset: str, **overrides) -> TrainConfig:
    """The named preset of an experiment, with ``overrides`` (field=value) applied."""
    if experiment not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {experiment!r}; choose one of {EXPERIMENTS}")
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {PRESETS}")
    values = {"experiment": experiment, "preset": preset}
    values.update(_EXPERIMENT_DEFAULTS[experiment])
    values.update(_PRESET_VALUES[preset])
    values.update(_EXPERIMENT_PRESET.get((experiment, preset), {}))
    unknown = set(overrides) - {f.name for f in dataclasses.fields(TrainConfig)}
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}")
    values.update({k: v for k, v in overrides.items() if v is not None})
    return TrainConfig(**values).validate()
