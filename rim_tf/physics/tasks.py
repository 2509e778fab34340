"""The training tasks (degradations): a clean batch to ``(x, y, sigma, operator)``, by name.

Each task lives in the file of its forward model (``noise.py``: :class:`Denoise`,
``projections.py``: :class:`RandomProjection`, ``inpainting.py``: :class:`Inpaint`,
``bicubic.py``: :class:`Downsample`, ``blur.py``: :class:`Blur`) and follows the protocol
of :class:`rim_tf.physics.base.Degradation`. :data:`TASKS` registers them; adding a task
is one new file plus one line there.

``task_id`` is stable (it is written into every run's sidecar) so that mixed-task training
(RIM-3task, the super-resolution model over scales 2, 3, 4) can tell batches apart. The
rule, :func:`task_id`: the registered first id plus the task's ``variant`` (the ensemble's
index for projections, the scale for down-sampling; 0 for tasks without variants).
"""
from __future__ import annotations

from rim_tf.physics.base import Degradation
from rim_tf.physics.bicubic import Downsample
from rim_tf.physics.blur import Blur
from rim_tf.physics.inpainting import Inpaint
from rim_tf.physics.noise import Denoise
from rim_tf.physics.projections import RandomProjection

__all__ = ["TASKS", "Blur", "Degradation", "Denoise", "Downsample", "Inpaint", "RandomProjection",
           "from_description", "task_id"]

TASKS = {  # name: (task, its first task id); the ids of its variants follow
    "denoise": (Denoise, 0),
    "projection": (RandomProjection, 1),  # gaussian 1, binary 2, fourier 3
    "inpaint": (Inpaint, 4),
    "blur": (Blur, 5),
    "downsample": (Downsample, 10),  # 10 + scale, last: any integer scale
}

_FIRST_ID = {task: first for task, first in TASKS.values()}


def task_id(task: Degradation) -> int:
    """The stable id of a task: its registered first id plus its ``variant``."""
    first = _FIRST_ID.get(type(task))
    if first is None:
        raise ValueError(f"{type(task).__name__} is not a registered task: add it to "
                         "rim_tf.physics.tasks.TASKS")
    return first + int(task.variant)


def from_description(description: dict) -> Degradation:
    """Rebuild a task from :meth:`Degradation.describe`'s dict (``name``: the registered
    name, or ``<name>_<variant>`` such as ``projection_gaussian``)."""
    name = str(description.get("name", ""))
    entry = TASKS.get(name) or TASKS.get(name.partition("_")[0])
    if entry is None:
        raise ValueError(f"unknown degradation description {description!r}")
    return entry[0].from_description(description)
