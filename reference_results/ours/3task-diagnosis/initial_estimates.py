"""Candidate initial estimates x_0 for RIM-3task's projection tasks, on 500 held-out patches.

    python reference_results/ours/3task-diagnosis/initial_estimates.py

The package starts every projection from the plain adjoint A^T y (LinearOperator.initial_estimate);
this prints, per training task, the PSNR and the share of clipped pixels of A^T y / m (unbiased:
E[A^T A] = m I for all three ensembles) and of A^T y / n (about the minimum-norm solution, since
A A^T ~ n I; the "zero-filled" start of compressed sensing), after the RIM's clip to [1e-3, 1 - 1e-3].
"""
import numpy as np
import tensorflow as tf

from rim_tf.data.patches import load_bsds300_patches
from rim_tf.metrics import psnr
from rim_tf.training import preset_config
from rim_tf.training.experiments import build_degradations

config = preset_config("3task", "cpu")
split = load_bsds300_patches(None, patch_size=32, stride=config.stride, color="gray", val_images=10,
                             val_patches=500, seed=0)
x = split.val.cut(np.arange(500)).astype(np.float32) / 255.0
n = x[0].size
print(f"{'task':16s} {'x0':10s} {'PSNR':>6s} {'clipped':>8s} {'error std':>9s}")
for task in build_degradations(config):
    example = task(tf.constant(x), tf.constant([0, 0], tf.int64))
    back = tf.math.real(task.operator(example).adjoint(example["y"])).numpy()
    for name, scale in (("A^T y", 1), ("A^T y / m", task.num_measurements), ("A^T y / n", n)):
        x0 = back / scale
        clipped = np.clip(x0, 1e-3, 1 - 1e-3)
        print(f"{task.label:16s} {name:10s} {np.mean(psnr(clipped, x, data_range=1.0, batch=True)):6.2f} "
              f"{100 * np.mean(clipped != x0):7.1f}% {np.std(x0 - x):9.3f}")
