"""What each experiment of the paper trains: its model and its degradations."""
from __future__ import annotations

from rim_tf.physics.tasks import Denoise, Downsample, RandomProjection
from rim_tf.models.rim import RIM, build_atrous_rim, build_ffn, build_gdn, build_rim
from rim_tf.training.config import TrainConfig

_BUILDERS = {"rim": build_rim, "gdn": build_gdn, "ffn": build_ffn}


def build_model(config: TrainConfig) -> RIM:
    """The model a config describes (the paper's RIM, an ablation, or the à-trous SR RIM)."""
    common = dict(hidden_features=config.hidden_features, gru_features=config.gru_features,
                  steps=config.steps)
    if config.model == "atrous":
        return build_atrous_rim(config.channels, **common)
    return _BUILDERS[config.model](config.channels, num_gru=config.num_gru, **common)


def build_degradations(config: TrainConfig, validation: bool = False) -> list:
    """The training tasks; a mixed-task experiment draws one of them per batch.

    * ``denoise`` / ``color``: Gaussian noise, sigma uniform in ``sigma_range`` per sample;
    * ``3task``: Gaussian, binary and Fourier random projections of the 32x32 patches, at
      each of ``measurement_ratios`` (m = ratio * pixels), measurement noise drawn from
      ``projection_sigma_range`` (or the fixed ``projection_sigma``), starting from
      ``projection_start``;
    * ``superres``: bicubic down-sampling at each of ``scales`` (one model for all).

    ``validation=True``: the tasks the held-out patches are scored on. They are the training
    tasks except for 3task's noise, which is the fixed ``projection_sigma`` (section 3.1's
    sigma = 1, Figure 3's level) however training drew it.
    """
    if config.experiment in ("denoise", "color"):
        return [Denoise(tuple(config.sigma_range))]
    if config.experiment == "3task":
        pixels = config.patch_size * config.patch_size * config.channels
        sigma = config.projection_sigma
        if config.projection_sigma_range is not None and not validation:
            sigma = tuple(config.projection_sigma_range)
        return [RandomProjection(ensemble, max(1, int(round(ratio * pixels))), sigma,
                                 start=config.projection_start)
                for ensemble in ("gaussian", "binary", "fourier") for ratio in config.measurement_ratios]
    if config.experiment == "superres":
        return [Downsample(scale) for scale in config.scales]
    raise ValueError(f"unknown experiment {config.experiment!r}")
