"""rim_tf.evaluation.gradients: the first-step statistics behind the 3task diagnosis."""
import numpy as np
import pytest

from rim_tf.evaluation.gradients import first_step_statistics
from rim_tf.metrics import psnr
from rim_tf.physics.noise import Denoise
from rim_tf.physics.projections import RandomProjection


def _patches(rng, n=64):
    return rng.uniform(0.2, 0.8, (n, 16, 16, 1)).astype(np.float32)


def test_denoising_starts_at_the_observation_with_no_gradient(rng):
    x = rng.uniform(0.45, 0.55, (64, 16, 16, 1)).astype(np.float32)
    sigma = 0.05  # y stays inside the link's range (9 sigma), so nothing is clipped
    (row,) = first_step_statistics([Denoise((sigma, sigma))], x)
    # x_0 = y: its PSNR is the noise's, its gradient (y - x_0) / sigma^2 is zero but for the clip
    assert row["x0_psnr"] == pytest.approx(-10 * np.log10(sigma ** 2), abs=0.5)
    assert row["grad_rms_x0"] < 1e-3
    # at the truth only the noise is left: RMS (n / sigma^2) = 1 / sigma
    assert row["grad_rms_truth"] == pytest.approx(1 / sigma, rel=0.05)
    assert row["clipped"] == 0.0


def test_the_plain_adjoint_start_of_a_projection_is_saturated(rng):
    x = _patches(rng)
    (row,) = first_step_statistics([RandomProjection("gaussian", 128, 1.0)], x)
    assert row["clipped"] > 0.95 and row["x0_psnr"] < 8
    assert row["grad_rms_x0"] > 10 * row["grad_rms_truth"]  # far from the data at the start
    # the eta-space gradient is squashed by x (1 - x) ~ link_eps at the clip
    assert row["grad_eta_rms_x0"] < row["grad_rms_x0"] * 0.01


def test_bad_patches_are_refused():
    with pytest.raises(ValueError, match=r"\[N, H, W, C\]"):
        first_step_statistics([Denoise((0.1, 0.1))], np.zeros((4, 16, 16)))
