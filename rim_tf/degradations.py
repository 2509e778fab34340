"""The training tasks (degradations); the code now lives in :mod:`rim_tf.physics.tasks` (the
registry) and the files of the forward models (:mod:`rim_tf.physics`)."""
from rim_tf.physics.projections import ENSEMBLES
from rim_tf.physics.tasks import (TASKS, Degradation, Denoise, Downsample, Inpaint, RandomProjection,
                                  from_description, task_id)

__all__ = ["DOWNSAMPLE_TASK_OFFSET", "TASKS", "TASK_IDS", "Degradation", "Denoise", "Downsample", "Inpaint",
           "RandomProjection", "from_description", "task_id"]

# the former constants, read from the registry
TASK_IDS = {"denoise": TASKS["denoise"][1],
            **{f"projection_{e}": TASKS["projection"][1] + k for k, e in enumerate(ENSEMBLES)},
            "inpaint": TASKS["inpaint"][1]}
DOWNSAMPLE_TASK_OFFSET = TASKS["downsample"][1]
