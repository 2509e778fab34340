"""Run by test_training.py in its own process: two logical CPUs must exist before TF starts."""
import sys

import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

from rim_tf.training import preset_config  # noqa: E402
from rim_tf.training.trainer import Trainer  # noqa: E402

data, out = sys.argv[1], sys.argv[2]
runs = {}
for strategy in ("default", "mirrored"):
    config = preset_config("denoise", "smoke", max_iterations=3, stride=8, strategy=strategy,
                           deterministic=True)
    trainer = Trainer(config, f"{out}/{strategy}", data_dir=data, progress=False)
    trainer.train()
    runs[strategy] = [v.numpy() for v in trainer.model.weights]
diff = max(float(np.max(np.abs(a - b))) for a, b in zip(runs["default"], runs["mirrored"]))
print(f"max weight difference {diff:.3g}")
assert diff < 1e-5, diff
