"""What the RIM's cell sees at its first step, task by task (a diagnosis of transfer).

RIM-3task is trained on random projections only and is expected to denoise (Table 2) and to
inpaint (Figure 4). Its cell never sees the image itself, only the estimate ``x_t`` and the
likelihood gradient of eq. 9 in the logit space of the link,

    g_eta = x (1 - x) * A^T (y - A x) / (sigma^2 + eps),

so it can transfer to a new task only if the new task's ``(x_0, g_eta)`` look like something
it was trained on. :func:`first_step_statistics` measures that, per task, on the same patches:
the PSNR of the initial estimate ``x_0`` (the operator's ``initial_estimate``, clipped into the
link's range as the RIM does), the share of its pixels at the clip (where ``x (1 - x)`` is
~``link_eps`` and the gradient all but vanishes), and the root-mean-square of ``g_eta`` and of
the image-space gradient at ``x_0`` and at the true image (where only the noise is left).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import tensorflow as tf

from rim_tf.metrics import psnr


def first_step_statistics(tasks: Sequence, patches, *, eps: float = 0.0, link_eps: float = 1e-3,
                          seed: int = 0, batch_size: int = 250) -> list:
    """One row per task: the statistics of the module docstring, over ``patches``.

    Args:
      tasks: :class:`rim_tf.physics.base.Degradation` objects (training tasks and others).
      patches: ``float32 [N, H, W, C]`` clean images in ``[0, 1]``.
      eps: the likelihood's learned ``eps`` (``sigma^2 + eps``); 0 shows the bare eq. 9.
      link_eps: the RIM's clip of ``x_0`` (:class:`rim_tf.models.RIM`'s ``link_eps``).
      seed: the tasks' randomness (the same draws for every task of one call).
    """
    patches = np.asarray(patches, np.float32)
    if patches.ndim != 4 or patches.size == 0:
        raise ValueError(f"patches must be a non-empty [N, H, W, C] batch, got shape {patches.shape}")
    rows = []
    for task in tasks:
        sums = {"x0_psnr": [], "clipped": [], "grad_rms_x0": [], "grad_eta_rms_x0": [],
                "grad_rms_truth": [], "grad_eta_rms_truth": []}
        for start in range(0, len(patches), batch_size):
            x = tf.constant(patches[start:start + batch_size])
            example = task(x, tf.constant([int(seed), start], tf.int64))
            operator = task.operator(example)
            y = example["y"]
            variance = tf.reshape(tf.square(tf.cast(example["sigma"], tf.float32)), [-1, 1, 1, 1]) + eps

            def gradient(at):
                return tf.math.real(operator.adjoint(y - operator.forward(at))) / variance

            x0 = tf.clip_by_value(tf.cast(tf.math.real(operator.initial_estimate(y)), tf.float32),
                                  link_eps, 1.0 - link_eps)
            truth = tf.clip_by_value(x, link_eps, 1.0 - link_eps)
            for name, at in (("x0", x0), ("truth", truth)):
                g = gradient(at)
                rms = tf.sqrt(tf.reduce_mean(tf.square(g), axis=[1, 2, 3]))
                rms_eta = tf.sqrt(tf.reduce_mean(tf.square(at * (1.0 - at) * g), axis=[1, 2, 3]))
                sums[f"grad_rms_{name}"].extend(rms.numpy().tolist())
                sums[f"grad_eta_rms_{name}"].extend(rms_eta.numpy().tolist())
            x0 = x0.numpy()
            sums["x0_psnr"].extend(psnr(x0, x.numpy(), data_range=1.0, batch=True).tolist())
            at_clip = (x0 <= link_eps * 1.0001) | (x0 >= 1.0 - link_eps * 1.0001)
            sums["clipped"].extend(at_clip.reshape(len(x0), -1).mean(axis=1).tolist())
        row = {"task": task.label, "sigma": float(np.mean(np.asarray(example["sigma"])))}
        row.update({k: float(np.mean(v)) for k, v in sums.items()})
        rows.append(row)
    return rows
