"""One trainer for every experiment: data, optimiser, checkpoints, logs, the final model.

The loop is an eager Python loop over a ``tf.data`` stream with one compiled
``tf.function`` step per task (a mixed-task batch stream, RIM-3task or the x2/x3/x4
super-resolution model, has a different forward model per batch, so each task gets its own
graph). What it guarantees:

* **Resumable.** A ``tf.train.CheckpointManager`` keeps the model, the optimiser (moments and
  iteration count), the iteration, the wall time and the patches seen. The data stream is a
  pure function of ``(seed, batch index)`` (patch order, task choice and noise all come from
  stateless seeds), so the data position and the RNG state *are* the iteration: ``resume``
  restores the latest checkpoint and restarts the stream at that batch. With
  ``deterministic=True`` a killed-and-resumed run ends with the same weights as an
  uninterrupted one.
* **Kill-safe.** ``CheckpointManager`` writes a checkpoint's files first and then replaces
  its index file atomically, so a run killed at any moment (SIGKILL) leaves the previous
  checkpoint intact; the final ``.keras`` model and its sidecar are written to temporary
  names and renamed into place.
* **Stoppable.** SIGTERM or Ctrl-C ends a run like its time budget does: after the current
  iteration, with a validation, a checkpoint and ``model.keras``.
* **Locked.** A run holds ``<out>/.lock`` (its pid) while it trains; a second run into the
  same folder refuses to start, and a lock left by a process that has ended is removed.
* **Damage-tolerant resume.** A checkpoint that cannot be restored is named and the next
  older one is used; history rows after the restored iteration are dropped.
* **Honest records.** ``model.json`` beside ``model.keras`` holds the preset, every setting,
  iterations, patches seen, wall time, validation PSNR and package versions; presets other
  than ``paper`` are marked ``reduced_budget``.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import platform
import sys
import time
from pathlib import Path
from typing import Optional

import keras
import numpy as np
import tensorflow as tf

from rim_tf.atomic import atomic_path, atomic_write_text
from rim_tf.losses import per_step_mse
from rim_tf.training.campaign import HISTORY_FILE, read_history
from rim_tf.precision import resolve_precision
from rim_tf.training.config import RESUMABLE_CHANGES, TrainConfig
from rim_tf.training.experiments import build_degradations, build_model
from rim_tf.training.lock import run_lock
from rim_tf.training.protocol import PROTOCOLS, format_scores, protocol_mean

CONFIG_FILE = "config.json"
MODEL_FILE = "model.keras"
SIDECAR_FILE = "model.json"
BEST_DIR = "best"  # the model of the best validation (config.keep_best)
CURVE_FILE = "curve.png"


def make_strategy(name: str) -> tf.distribute.Strategy:
    """``default`` (one device), ``mirrored`` (all local devices) or ``multi_worker``
    (a cluster described by ``TF_CONFIG``)."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"unknown strategy {name!r}")


def package_versions() -> dict:
    from rim_tf import __version__
    return {"rim_tf": __version__, "tensorflow": tf.__version__, "keras": keras.__version__,
            "numpy": np.__version__, "python": platform.python_version()}


def _psnr_per_sample(estimate, target):
    mse = tf.reduce_mean(tf.square(estimate - target), axis=[1, 2, 3])
    return -10.0 * tf.math.log(tf.maximum(mse, 1e-12)) / math.log(10.0)


class Trainer:
    """Trains the model a :class:`TrainConfig` describes, into ``out_dir``.

    Args:
        config: the settings (see :func:`rim_tf.training.config.preset_config`).
        out_dir: where checkpoints, TensorBoard logs, ``model.keras`` and ``model.json`` go.
        data_dir: the folder holding ``BSDS300/`` (else ``$RIM_DATA``, else the cache).
        progress: show a progress bar (on stderr).
        plot_curve: redraw ``curve.png`` (validation PSNR against patches and hours) after
            every validation.
        degradations: the training tasks (instances of the tasks registered in
            :data:`rim_tf.physics.tasks.TASKS`, one drawn per batch); by default the
            experiment's own (:func:`rim_tf.training.experiments.build_degradations`). This is
            how a RIM is trained on a new forward model without a new experiment.
    """

    def __init__(self, config: TrainConfig, out_dir, data_dir=None, progress: bool = True,
                 plot_curve: bool = True, degradations=None):
        self.config = config.validate()
        self.plot_curve = plot_curve
        self.out_dir = Path(out_dir)
        self.data_dir = data_dir
        self.progress = progress
        if config.deterministic:
            tf.config.experimental.enable_op_determinism()
        keras.utils.set_random_seed(config.seed)
        self.precision = resolve_precision(config.precision)
        if self.precision != "float32":
            keras.mixed_precision.set_dtype_policy(self.precision)
        self.strategy = make_strategy(config.strategy)
        self.degradations = (build_degradations(config) if degradations is None
                             else list(degradations))
        # the held-out patches are scored at the paper's fixed levels (3task: sigma 1)
        self.val_degradations = (build_degradations(config, validation=True) if degradations is None
                                 else self.degradations)
        if not self.degradations:
            raise ValueError("degradations: at least one training task is needed")
        self._degradation_of = {d.task_id: d for d in self.degradations}
        with self.strategy.scope():
            self.model = build_model(config)
            schedule = keras.optimizers.schedules.ExponentialDecay(
                config.learning_rate, config.lr_decay_steps, config.lr_decay_rate)
            optimizer = keras.optimizers.Adam(schedule, global_clipnorm=config.clip_norm)
            if self.precision == "mixed_float16":
                optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
            self.optimizer = optimizer
            self.optimizer.build(self.model.trainable_variables)
            self.iteration = tf.Variable(0, dtype=tf.int64, trainable=False, name="iteration")
            self.wall_time = tf.Variable(0.0, dtype=tf.float64, trainable=False, name="wall_time")
            # the part of wall_time spent validating (so that runs validated at different
            # intervals can be compared on training time alone)
            self.val_time = tf.Variable(0.0, dtype=tf.float64, trainable=False, name="val_time")
            # Polyak averaging: a moving average of the weights, validated and exported
            self.ema_variables = []
            if config.ema:
                self.ema_variables = [
                    tf.Variable(v, trainable=False, name=f"ema_{i}",
                                aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
                    for i, v in enumerate(self.model.trainable_variables)]
        if self.precision != "float32":
            keras.mixed_precision.set_dtype_policy("float32")  # only this model is mixed
        tracked = dict(model=self.model, optimizer=self.optimizer, iteration=self.iteration,
                       wall_time=self.wall_time, val_time=self.val_time)
        if self.ema_variables:
            tracked["ema"] = self.ema_variables
        self.checkpoint = tf.train.Checkpoint(**tracked)
        self.manager = tf.train.CheckpointManager(self.checkpoint, str(self.out_dir / "checkpoints"),
                                                  max_to_keep=config.keep_checkpoints)
        self._train_steps: dict = {}
        self._eval_steps: dict = {}

    # ------------------------------------------------------------------ steps
    @property
    def patches_seen(self) -> int:
        return int(self.iteration.numpy()) * self.config.batch_size

    def _replica_slice(self, batch: dict) -> dict:
        """This replica's share of a global batch (every per-sample tensor is split)."""
        n = self.strategy.num_replicas_in_sync
        if n == 1:
            return batch
        ctx = tf.distribute.get_replica_context()
        i = ctx.replica_id_in_sync_group
        size = self.config.batch_size // n
        out = {}
        for key, value in batch.items():
            if value.shape.rank and value.shape[0] == self.config.batch_size:
                value = value[i * size:(i + 1) * size]
            out[key] = value
        return out

    def _forward(self, degradation, batch, steps):
        operator = degradation.operator(batch)
        return self.model(batch["y"], operator=operator, sigma=batch["sigma"], steps=steps,
                          training=True)

    def _train_step_for(self, task_id: int):
        if task_id in self._train_steps:
            return self._train_steps[task_id]
        degradation = self._degradation_of[task_id]
        variables = self.model.trainable_variables
        replicas = self.strategy.num_replicas_in_sync
        loss_scaled = isinstance(self.optimizer, keras.optimizers.LossScaleOptimizer)

        def replica_step(batch):
            batch = self._replica_slice(batch)
            with tf.GradientTape() as tape:
                per_step = per_step_mse(self._forward(degradation, batch, self.config.steps), batch["x"])
                loss = tf.reduce_mean(per_step)  # eq. 8, equal weights
                objective = loss / replicas
                if loss_scaled:
                    objective = self.optimizer.scale_loss(objective)
            grads = tape.gradient(objective, variables)
            self.optimizer.apply_gradients(zip(grads, variables))
            if self.ema_variables:
                # the usual warm-up: early averages do not remember the random start
                n = tf.cast(self.optimizer.iterations, tf.float32)
                decay = tf.minimum(self.config.ema, (1.0 + n) / (10.0 + n))
                for average, v in zip(self.ema_variables, variables):
                    average.assign(decay * average + (1.0 - decay) * v)
            return loss, per_step

        @tf.function(jit_compile=self.config.xla)
        def step(batch):
            loss, per_step = self.strategy.run(replica_step, args=(batch,))
            mean = tf.distribute.ReduceOp.MEAN
            return (self.strategy.reduce(mean, loss, axis=None),
                    self.strategy.reduce(mean, per_step, axis=None))

        self._train_steps[task_id] = step
        return step

    def _eval_step_for(self, task_id: int):
        if task_id not in self._eval_steps:
            degradation = self._degradation_of[task_id]

            @tf.function
            def step(batch):
                estimates = self._forward(degradation, batch, self.config.steps)
                return _psnr_per_sample(estimates[-1], batch["x"]), estimates[-1]

            self._eval_steps[task_id] = step
        return self._eval_steps[task_id]

    @staticmethod
    def _task_id(batch) -> int:
        return int(batch["task_id"].numpy())

    # ------------------------------------------------------------------ data
    def _data(self, start_batch: int):
        from rim_tf.data import bsds300_training_data

        c = self.config
        return bsds300_training_data(
            self.data_dir, batch_size=c.batch_size, seed=c.seed, degradation=self.degradations,
            patch_size=c.patch_size, stride=c.stride, color=c.patch_color,
            epochs=c.epochs, start_batch=start_batch, val_images=c.val_images,
            val_patches=c.val_patches, val_degradation=self.val_degradations,
            # mixed tasks stay separate tf.data branches merged in Python: each task keeps its
            # own dtypes (complex Fourier measurements) and static shapes (one graph per task)
            merge=len(self.degradations) == 1)

    def total_iterations(self, steps_per_epoch: int) -> int:
        total = self.config.epochs * steps_per_epoch
        if self.config.max_iterations is not None:
            total = min(total, self.config.max_iterations)
        return total

    # ------------------------------------------------------------------ validation
    @contextlib.contextmanager
    def averaged_weights(self):
        """Inside the block the model holds the moving average of its weights (``ema`` > 0);
        the raw weights, which training continues from, are put back afterwards."""
        if not self.ema_variables:
            yield
            return
        raw = [tf.identity(v) for v in self.model.trainable_variables]
        for v, average in zip(self.model.trainable_variables, self.ema_variables):
            v.assign(average)
        try:
            yield
        finally:
            for v, value in zip(self.model.trainable_variables, raw):
                v.assign(value)

    def validate(self, dataset, writer=None) -> float:
        """Mean PSNR (dB, range 1) of the final step's estimate over the validation set
        (of the averaged weights when ``ema`` > 0)."""
        with self.averaged_weights():
            return self._validate(dataset, writer)

    def _validate(self, dataset, writer=None) -> float:
        values, panels = [], None
        for batch in dataset:
            psnr, final = self._eval_step_for(self._task_id(batch))(batch)
            values.append(psnr.numpy())
            if panels is None and writer is not None and self.config.log_images:
                k = self.config.log_images
                operator = self._degradation_of[self._task_id(batch)].operator(batch)
                start = self.model.initial_estimate(batch["y"], operator)
                panels = tf.concat([start[:k], final[:k], batch["x"][:k]], axis=2)
        value = float(np.mean(np.concatenate(values)))
        if writer is not None:
            with writer.as_default(step=int(self.iteration.numpy())):
                tf.summary.scalar("validation/psnr", value)
                if panels is not None:
                    tf.summary.image("validation/initial_estimate_final_truth", panels,
                                     max_outputs=self.config.log_images)
        return value

    # ------------------------------------------------------------------ run
    def _check_out_dir(self, resume: bool) -> None:
        config_path = self.out_dir / CONFIG_FILE
        if self.checkpoint_candidates() and not resume:
            raise ValueError(f"{self.out_dir} already holds checkpoints of a run: pass --resume to "
                             f"continue it, or choose another output folder")
        if resume and config_path.exists():
            saved = json.loads(config_path.read_text())
            now = json.loads(json.dumps(self.config.to_dict()))
            # a setting added after the run began is absent from its config.json: its default
            defaults = json.loads(json.dumps(TrainConfig().to_dict()))
            saved = {**defaults, **saved}
            changed = sorted(k for k in now if k not in RESUMABLE_CHANGES and saved.get(k) != now[k])
            if changed:
                raise ValueError(f"--resume with different settings than the run in {self.out_dir}: "
                                 + ", ".join(f"{k}: {saved.get(k)!r} -> {now[k]!r}" for k in changed))

    def checkpoint_candidates(self) -> list:
        """Every checkpoint of the run, newest first: those of the index file and any others whose
        files are present (``ckpt-<iteration>.index``), so that a lost or damaged index loses
        nothing."""
        found = {}
        for path in list(self.manager.checkpoints) + [
                str(f.with_suffix("")) for f in (self.out_dir / "checkpoints").glob("ckpt-*.index")]:
            number = Path(path).name.rsplit("-", 1)[-1]
            if number.isdigit():
                found[int(number)] = path
        return [found[n] for n in sorted(found, reverse=True)]

    def _restore(self, resume: bool) -> None:
        """Restore the newest checkpoint that loads (``resume``) and drop history rows it does not
        cover. A damaged checkpoint is named and the next older one tried."""
        if not resume:
            return
        candidates = self.checkpoint_candidates()
        if not candidates:
            print(f"[rim_tf] --resume: {self.out_dir} holds no checkpoint yet; starting from "
                  f"iteration 0", flush=True)
            return
        if not self.manager.checkpoints:  # TensorFlow ignores an unreadable index with a warning
            print(f"[rim_tf] --resume: the checkpoint index {self.out_dir / 'checkpoints' / 'checkpoint'} "
                  f"is missing or unreadable; using the checkpoint files themselves",
                  file=sys.stderr, flush=True)
        latest = None
        for path in candidates:
            try:
                self.checkpoint.restore(path).assert_existing_objects_matched()
            except Exception as err:  # DataLossError, IndexError, assertion...: many kinds
                detail = getattr(err, "message", None) or str(err)
                print(f"[rim_tf] --resume: checkpoint {path} cannot be restored ({type(err).__name__}: "
                      f"{detail.splitlines()[0][:200] if detail else 'no detail'}); trying an older one",
                      file=sys.stderr, flush=True)
                continue
            latest = path
            break
        if latest is None:
            raise ValueError(f"--resume: none of the {len(candidates)} checkpoint(s) in "
                             f"{self.out_dir / 'checkpoints'} can be restored (all damaged); move the "
                             f"folder away to start the run again")
        if latest != candidates[0]:
            print(f"[rim_tf] --resume: fell back to {Path(latest).name}, the newest checkpoint that "
                  f"loads", file=sys.stderr, flush=True)
        done = int(self.iteration.numpy())
        history = self.out_dir / HISTORY_FILE
        if history.exists():
            # rows written after the checkpoint (a killed run's lost interval) describe weights
            # that no longer exist; the resumed run writes them anew
            rows = read_history(self.out_dir)
            kept = [row for row in rows if row["iteration"] <= done]
            if len(kept) != len(rows):
                atomic_write_text(history, "".join(json.dumps(row) + "\n" for row in kept))
                print(f"[rim_tf] --resume: dropped {len(rows) - len(kept)} history rows after "
                      f"iteration {done} (not covered by the checkpoint)", flush=True)
        print(f"[rim_tf] resumed from {Path(latest).name}: iteration {done}, "
              f"{self.patches_seen} patches, {float(self.wall_time.numpy()) / 3600:.2f} h of training",
              flush=True)

    def _record(self, row: dict) -> None:
        """Append one validation row to ``history.jsonl`` (and redraw the learning curve)."""
        with (self.out_dir / HISTORY_FILE).open("a") as f:
            f.write(json.dumps(row) + "\n")
        if self.plot_curve:
            from rim_tf.plotting import plot_learning_curve

            try:
                plot_learning_curve(read_history(self.out_dir), self.out_dir / CURVE_FILE,
                                    title=f"{self.config.experiment} / {self.config.model}")
            except Exception as err:  # a figure must never stop a training run
                print(f"[rim_tf] could not draw the learning curve: {err}", file=sys.stderr)

    def train(self, resume: bool = False) -> dict:
        """Train to the configured length (or continue a run with ``resume``); returns the sidecar.

        The run stops at the configured length (``epochs`` / ``max_iterations``) or, cleanly
        and with a checkpoint, after ``max_minutes`` of wall time; in both cases ``model.keras``
        and its sidecar are written, and ``resume=True`` continues from where it stopped.
        Checkpoints are written every ``checkpoint_every`` iterations or ``checkpoint_minutes``
        of wall time, whichever comes first, so a killed run loses at most that much.
        """
        self.out_dir.mkdir(parents=True, exist_ok=True)
        with run_lock(self.out_dir), self._stop_on_signals():  # one training process per run folder
            return self._train(resume)

    @contextlib.contextmanager
    def _stop_on_signals(self):
        """SIGTERM or SIGINT (Ctrl-C, ``kill``) ends the run cleanly after the current iteration:
        validation, checkpoint, ``model.keras`` and sidecar, as a time budget does. A second
        signal interrupts at once."""
        import signal
        import threading

        self._stop_requested = None
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def request(signum, frame):
            if self._stop_requested is not None:
                raise KeyboardInterrupt
            self._stop_requested = signal.Signals(signum).name
            print(f"[rim_tf] {self._stop_requested}: stopping after this iteration with a checkpoint "
                  f"(send it again to interrupt at once)", file=sys.stderr, flush=True)

        previous = {sig: signal.signal(sig, request) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _train(self, resume: bool) -> dict:
        self._check_out_dir(resume)
        self._restore(resume)
        atomic_write_text(self.out_dir / CONFIG_FILE, json.dumps(self.config.to_dict(), indent=2))
        start = int(self.iteration.numpy())
        data = self._data(start)
        total = self.total_iterations(data.steps_per_epoch)
        c = self.config
        budget = f" max_minutes={c.max_minutes:g}" if c.max_minutes else ""
        print(f"[rim_tf] experiment={c.experiment} preset={c.preset}"
              f"{' (REDUCED BUDGET)' if c.reduced_budget else ''} model={c.model} "
              f"patches={data.patches.train.num_patches} iterations={start}->{total}{budget} "
              f"batch={c.batch_size} replicas={self.strategy.num_replicas_in_sync} "
              f"precision={self.precision}", flush=True)
        writer = tf.summary.create_file_writer(str(self.out_dir / "tensorboard"))
        protocol = self._protocol(data)
        bar = None
        if self.progress:
            from tqdm.auto import tqdm
            # no bar when stderr is not a terminal (nohup logs keep only the lines below)
            bar = tqdm(total=total, initial=start, unit="it", dynamic_ncols=True, file=sys.stderr,
                       disable=None)
        say = ((lambda text: bar.write(text, file=sys.stdout)) if bar is not None
               else (lambda text: print(text, flush=True)))
        session_start = time.perf_counter()
        deadline = session_start + 60.0 * c.max_minutes if c.max_minutes else math.inf
        last_save = session_start

        def wall_time_now() -> float:
            return float(self.wall_time.numpy()) + time.perf_counter() - last_save

        def validate_and_record(it: int, loss=None) -> dict:
            began = time.perf_counter()
            with self.averaged_weights():
                value = self._validate(data.validation, writer)
                scores = protocol(self.model) if protocol is not None else None
            self.val_time.assign_add(time.perf_counter() - began)
            row = {"iteration": it, "patches_seen": it * c.batch_size,
                   "wall_time_s": round(wall_time_now(), 1),
                   "val_time_s": round(float(self.val_time.numpy()), 1), "val_psnr": value}
            if scores is not None:
                if protocol.stop_signal:
                    row["protocol_psnr"] = protocol_mean(scores)
                row[protocol.key] = {k: round(v, 4) for k, v in scores.items()}
                with writer.as_default(step=it):
                    for k, v in scores.items():
                        tf.summary.scalar(f"validation/{protocol.key}_{k}", v)
            if loss is not None:
                row["loss"] = loss
            row["precision"] = self.precision
            row["load_avg_1min"] = round(os.getloadavg()[0], 2)
            self._record(row)
            self.keep_best(row, protocol, num_train_patches=data.patches.train.num_patches)
            return row

        val_psnr, validated_at = None, -1
        if start == 0 and data.validation is not None:
            # the untrained model's score (its initial estimate): the baseline to beat
            (self.out_dir / HISTORY_FILE).write_text("")
            val_psnr, validated_at = validate_and_record(0)["val_psnr"], 0
            say(f"[rim_tf] validation PSNR before training: {val_psnr:.2f} dB")
        window = (time.perf_counter(), start)
        it = start
        loop_start = time.perf_counter()
        first_done = None  # when the first iteration of this session (which traces the graph) ended
        step_seconds = 0.0  # inside the training step, after the first iteration (drift-free overhead)
        for batch in itertools.islice(data.train, max(total - start, 0)):
            step_began = time.perf_counter()
            loss, per_step = self._train_step_for(self._task_id(batch))(batch)
            loss = float(loss)  # waits for the step
            if first_done is not None:
                step_seconds += time.perf_counter() - step_began
            self.iteration.assign_add(1)
            it = int(self.iteration.numpy())
            if not math.isfinite(loss):
                raise FloatingPointError(f"the training loss became {loss} at iteration {it}; "
                                         f"lower --learning-rate or --clip-norm")
            now = time.perf_counter()
            if first_done is None:
                first_done = now
            out_of_time = now >= deadline or getattr(self, "_stop_requested", None) is not None
            if bar is not None:
                rate = (it - window[1]) * c.batch_size / max(now - window[0], 1e-9)
                bar.set_postfix(loss=f"{loss:.5f}", patches_per_s=f"{rate:.1f}", refresh=False)
                bar.update(1)
                if it % 50 == 0:
                    window = (now, it)
            if it % 10 == 0 or it == total:
                with writer.as_default(step=it):
                    tf.summary.scalar("train/loss", loss)
                    tf.summary.scalar("train/learning_rate",
                                      float(self.optimizer.learning_rate.numpy())
                                      if hasattr(self.optimizer.learning_rate, "numpy") else 0.0)
                    for t, mse in enumerate(per_step.numpy()):
                        tf.summary.scalar(f"train_mse_per_step/t{t + 1:02d}", mse)
            if data.validation is not None and (it % c.val_every == 0 or it == total or out_of_time):
                row = validate_and_record(it, loss)
                val_psnr, validated_at = row["val_psnr"], it
                hours = wall_time_now() / 3600
                protocol_text = ("" if protocol is None
                                 else f"; {protocol.key} {format_scores(row[protocol.key])}")
                say(f"[rim_tf] iteration {it} ({it * c.batch_size} patches, {hours:.2f} h): "
                    f"validation PSNR {val_psnr:.2f} dB{protocol_text}")
            if (it % c.checkpoint_every == 0 or it == total or out_of_time
                    or time.perf_counter() - last_save >= 60.0 * c.checkpoint_minutes):
                now = time.perf_counter()
                self.wall_time.assign_add(now - last_save)
                last_save = now
                self.manager.save(checkpoint_number=it)
            if out_of_time:
                why = (f"by {self._stop_requested}" if getattr(self, "_stop_requested", None)
                       else f"after {c.max_minutes:g} minutes")
                say(f"[rim_tf] stopped {why} at iteration {it} of {total} "
                    f"(checkpoint saved; continue with --resume)")
                break
        if bar is not None:
            bar.close()
        loop_end = time.perf_counter()
        self.session_throughput = self._throughput(it - start, loop_start, first_done, loop_end, step_seconds)
        self.wall_time.assign_add(time.perf_counter() - last_save)
        last_save = time.perf_counter()
        if data.validation is not None and validated_at != it:
            val_psnr = validate_and_record(it)["val_psnr"]
        writer.flush()
        return self.export(val_psnr, num_train_patches=data.patches.train.num_patches,
                           complete=it >= total)

    def _protocol(self, data):
        """The experiment's own protocol on crops of the held-out images (``PROTOCOLS``: Table 3's
        scoring for super-resolution, the out-of-training tasks for 3task), else None."""
        c = self.config
        kind = PROTOCOLS.get(c.experiment)
        if kind is None or not c.protocol_crop or not data.patches.val_ids:
            return None
        from rim_tf.data.images import read_image
        from rim_tf.data.locate import bsds300_split

        paths = dict(bsds300_split(self.data_dir, "train"))
        ids = list(data.patches.val_ids)
        protocol = kind.from_config(c, ids, [read_image(paths[i]) for i in ids])
        print(f"[rim_tf] {protocol.key} validation: {protocol.title} on central "
              f"{c.protocol_crop}x{c.protocol_crop} crops of the {len(ids)} held-out images; "
              f"{protocol.baseline_name} {format_scores(protocol.baseline())} dB",
              flush=True)
        return protocol

    def _throughput(self, iterations: int, loop_start: float, first_done, loop_end: float,
                    step_seconds: float = 0.0) -> dict:
        """Patches/s of this session's loop: data, step, logging, validation and checkpoints
        together, over the iterations after the first (which traces the step's graph).

        ``step_share`` is the part of that loop time spent inside the training step itself, and
        ``step_patches_per_s`` the rate of the step alone, both measured in the same run: the
        loop's own cost (data, logging, validation, checkpoints) is ``1 - step_share``, a
        figure that a drift of the machine's speed cannot distort (a bare step timed before or
        after the run can be 5-10% off on a 2-core machine).
        """
        if iterations < 2 or first_done is None:
            return {"iterations": iterations, "patches_per_s": None}
        seconds = loop_end - first_done
        patches = (iterations - 1) * self.config.batch_size
        out = {"iterations": iterations, "seconds": round(loop_end - loop_start, 2),
               "first_iteration_s": round(first_done - loop_start, 2),
               "patches_per_s": round(patches / seconds, 2)}
        if step_seconds > 0:
            out["step_patches_per_s"] = round(patches / step_seconds, 2)
            out["step_share"] = round(step_seconds / seconds, 4)
        return out

    def keep_best(self, row: dict, protocol=None, num_train_patches=None) -> Optional[dict]:
        """Save the model of a validation ``row`` to ``best/`` if it is the best so far.

        The score is ``config.keep_best``'s: the validation PSNR (``"val"``) or the mean of the
        protocol's scores (``"protocol"``; for 3task the out-of-training tasks, whose best comes
        ~10k iterations before the in-task validation flattens). The best so far is the one in
        ``best/model.json``, so a resumed run goes on comparing with it. Returns the new sidecar,
        or None when nothing was saved.
        """
        criterion = self.config.keep_best
        if criterion == "none":
            return None
        if criterion == "val":
            score = row["val_psnr"]
        else:
            if protocol is None or protocol.key not in row:
                return None  # no protocol validation in this run (e.g. protocol_crop 0)
            score = protocol_mean(row[protocol.key])
        folder = self.out_dir / BEST_DIR
        previous = folder / SIDECAR_FILE
        if previous.exists():
            best = json.loads(previous.read_text()).get("selected_by", {}).get("score")
            if best is not None and not score > best:
                return None
        what = ("validation PSNR" if criterion == "val"
                else f"mean {protocol.key} PSNR ({', '.join(row[protocol.key])})")
        selected = {"criterion": criterion, "score": round(float(score), 4), "iteration": row["iteration"],
                    "wall_time_s": row["wall_time_s"], "note": f"the best {what} of the run's validations so far"}
        return self.export(row["val_psnr"], num_train_patches=num_train_patches, complete=False,
                           folder=folder, selected_by=selected)

    def export(self, val_psnr, num_train_patches=None, complete: bool = True, folder=None,
               selected_by: Optional[dict] = None) -> dict:
        """Save ``model.keras`` and its ``model.json`` sidecar (atomically) to ``folder`` (default:
        the run folder; :meth:`keep_best` writes ``best/`` with ``selected_by`` in the sidecar).

        ``complete`` is False for a run stopped by its time budget before its configured length.
        """
        c = self.config
        folder = self.out_dir if folder is None else Path(folder)
        sidecar = {
            "experiment": c.experiment,
            "preset": c.preset,
            "reduced_budget": c.reduced_budget,
            "label": ("REDUCED BUDGET: preset " + c.preset) if c.reduced_budget else "paper preset",
            "model": c.model,
            "iterations": int(self.iteration.numpy()),
            "patches_seen": self.patches_seen,
            "training_patches": num_train_patches,
            "wall_time_s": round(float(self.wall_time.numpy()), 1),
            "complete": complete,
            "precision": self.precision,
            "session_throughput": getattr(self, "session_throughput", None),
            "val_psnr": val_psnr,
            "val_psnr_note": "mean PSNR (dB, range [0,1]) of the final step on the held-out patches",
            "weights": (f"moving average of the weights, decay {c.ema}" if c.ema else "the last iterate"),
            "degradations": [d.describe() for d in self.degradations],
            "config": c.to_dict(),
            "versions": package_versions(),
        }
        if selected_by is not None:
            sidecar["selected_by"] = selected_by
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(folder / MODEL_FILE) as tmp, self.averaged_weights():
            self.model.save(tmp)
        atomic_write_text(folder / SIDECAR_FILE, json.dumps(sidecar, indent=2))
        return sidecar
