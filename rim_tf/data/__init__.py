"""BSDS300 and SelfExSR/BSD100: locating and downloading the files, the paper's test sets,
and ``tf.data`` training pipelines of patches degraded on the fly.

Typical use::

    from rim_tf import data

    test = data.load_test_set("bsd68")                 # 68 x EvalImage(id, uint8 [H, W, 1])
    run = data.bsds300_training_data(batch_size=32, seed=0, degradation=my_degradation)
    for batch in run.train: ...                        # {"x": clean, "y": measured, ...}

The data folder is ``data_dir=``, else ``$RIM_DATA``, else ``~/.cache/rim_tf``; see
:mod:`rim_tf.data.locate` for the layout and ``scripts/download_data.py`` to fetch it.
"""
from rim_tf.data.download import download_all, download_bsds300, download_selfexsr
from rim_tf.data.locate import (
    CorruptDataError,
    DataNotFoundError,
    bsds300_split,
    default_cache_dir,
    resolve_data_dir,
)
from rim_tf.data.manifest import verify_tree
from rim_tf.data.patches import (
    PatchSet,
    PatchSplit,
    grid_index,
    load_bsds300_images,
    load_bsds300_patches,
    patches_per_image,
    split_bsds300,
)
from rim_tf.data.pipeline import (
    PatchCutter,
    TaskMixture,
    TrainingData,
    batch_tasks,
    bsds300_training_data,
    steps_per_epoch,
    training_dataset,
    validation_dataset,
)
from rim_tf.data.testsets import (BSD68_IDS, TEST_SET_SIZES, TEST_SETS, EvalImage, SRPair, iter_test_set,
                                  load_test_set)

__all__ = [
    "BSD68_IDS",
    "TEST_SETS",
    "TEST_SET_SIZES",
    "CorruptDataError",
    "DataNotFoundError",
    "EvalImage",
    "PatchCutter",
    "PatchSet",
    "PatchSplit",
    "SRPair",
    "TaskMixture",
    "TrainingData",
    "batch_tasks",
    "bsds300_split",
    "bsds300_training_data",
    "default_cache_dir",
    "download_all",
    "download_bsds300",
    "download_selfexsr",
    "grid_index",
    "iter_test_set",
    "load_bsds300_images",
    "load_bsds300_patches",
    "load_test_set",
    "patches_per_image",
    "resolve_data_dir",
    "split_bsds300",
    "steps_per_epoch",
    "training_dataset",
    "validation_dataset",
    "verify_tree",
]
