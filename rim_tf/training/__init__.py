"""Training of the paper's models: presets, the trainer, its command line."""
from rim_tf.training.config import EXPERIMENTS, PRESETS, TrainConfig, preset_config

__all__ = ["EXPERIMENTS", "PRESETS", "TrainConfig", "preset_config", "Trainer"]


def __getattr__(name):  # the trainer pulls in the data pipeline; import it on demand
    if name == "Trainer":
        from rim_tf.training.trainer import Trainer
        return Trainer
    raise AttributeError(name)
