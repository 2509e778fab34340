"""Numeric precision of training and inference: float32, or Keras mixed precision.

``mixed_bfloat16`` computes the convolutions in bfloat16 and keeps the variables, the
iterate, the likelihood gradient and the GRU state in float32 (see :mod:`rim_tf.models`).
It only pays where the hardware multiplies bfloat16 natively: GPUs, and CPUs with
AVX512-BF16 or AMX (1.7x the float32 training step measured on such a CPU). On a CPU
without them oneDNN emulates bfloat16 and it is *slower* than float32 (measured here:
an AVX2-only CPU, 93.6 against 104 GFLOP/s for 2048x2048 matmuls), so ``auto`` chooses
per machine.
"""
from __future__ import annotations

PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")
INFERENCE_PRECISIONS = ("auto", "float32", "mixed_bfloat16")  # what the commands offer


def cpu_flags() -> set:
    """The instruction-set flags of this machine's CPU (Linux ``/proc/cpuinfo``; empty elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def has_native_bfloat16() -> bool:
    """True if the CPU multiplies bfloat16 natively (AVX512-BF16 or AMX-BF16)."""
    return bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})


def resolve_precision(name: str) -> str:
    """``auto`` -> ``mixed_bfloat16`` on a GPU or a CPU with native bfloat16, else ``float32``;
    any other name is checked and returned as it is."""
    if name not in PRECISIONS:
        raise ValueError(f"unknown precision {name!r}; choose one of {PRECISIONS}")
    if name != "auto":
        return name
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU") or has_native_bfloat16():
        return "mixed_bfloat16"
    return "float32"


def with_precision(model, precision: str):
    """The same trained RIM computing in ``precision`` (weights copied, float32 variables).

    A model saved in float32 carries its layers' float32 policy; this rebuilds its cell under
    the requested Keras policy and copies every weight, so ``mixed_bfloat16`` inference uses
    the bfloat16 convolutions while the iterate, the likelihood gradient and the GRU state
    stay float32. Returns ``model`` itself when it already computes in that precision.
    """
    import keras
    import tensorflow as tf

    from rim_tf.models.rim import RIM

    precision = resolve_precision(precision)
    if precision == model.cell.dtype_policy.name:
        return model
    config = model.get_config()
    cell_config = dict(config["cell"], config=dict(config["cell"]["config"]))
    cell_config["config"].pop("dtype", None)  # take the policy in force while it is rebuilt
    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy(precision)
    try:
        cell = keras.saving.deserialize_keras_object(cell_config)
    finally:
        keras.mixed_precision.set_dtype_policy(previous)
    config["cell"] = cell
    config["likelihood"] = keras.saving.deserialize_keras_object(config["likelihood"])
    clone = RIM(**config)
    clone(tf.zeros([1, 8, 8, model.channels]), sigma=0.1, steps=1)  # create the variables
    clone.set_weights(model.get_weights())
    return clone
