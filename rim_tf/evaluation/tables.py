"""The paper's tables and figures: what ``scripts/reproduce_*.py`` print and write (a :class:`Report`)."""
from __future__ import annotations

import dataclasses
import itertools
from collections import OrderedDict
from typing import Iterable, Mapping, Optional, Sequence

import numpy as np

from rim_tf.data.testsets import TEST_SET_SIZES
from rim_tf.evaluation.results import EvalResult, Report
from rim_tf.evaluation.runners import (_bar, _image_list, bm3d_denoiser, evaluate_denoiser, evaluate_denoising,
                                       evaluate_patches, evaluate_superres, inpaint_image, random_test_patches)
from rim_tf.physics.inpainting import Inpaint
from rim_tf.physics.projections import RandomProjection
from rim_tf.report import ResultRow, RunInfo
from rim_tf.shipped import check_channels, projection_start, run_info

__all__ = ["table1", "table2", "table3", "figure3", "figure4", "spread_indices", "combine_run_info",
           "reused_results"]


def _paper(table: int, method: str, **query) -> Optional[float]:
    """The paper's value, or None for an empty cell."""
    from rim_tf.reference import ReferenceNotFoundError, reference_value
    try:
        return reference_value(table, method, **query)
    except ReferenceNotFoundError:
        return None


def _take(iterable: Iterable, limit: Optional[int], subset: Optional[int] = None) -> list:
    """The first ``limit`` items, or ``subset`` items evenly spaced over all of them."""
    if limit is not None and subset is not None:
        raise ValueError("give --limit (the first N images) or --subset (N evenly spaced), not both")
    if limit is not None and int(limit) < 1:
        raise ValueError(f"--limit must be >= 1, got {limit}")
    if subset is None:
        return list(itertools.islice(iterable, None if limit is None else int(limit)))
    if int(subset) < 1:
        raise ValueError(f"--subset must be >= 1, got {subset}")
    items = list(iterable)
    return [items[k] for k in spread_indices(len(items), int(subset))]


def spread_indices(n: int, k: int) -> list:
    """``min(k, n)`` indices evenly spaced over ``range(n)``, first and last included.

    ``spread_indices(68, 4) == [0, 22, 45, 67]``; all of them when ``k >= n``.
    """
    if k >= n:
        return list(range(n))
    if k == 1:
        return [0]
    return [int(round(i * (n - 1) / (k - 1))) for i in range(k)]


def _load(name: str, data_dir, limit, subset: Optional[int] = None) -> list:
    from rim_tf.data import iter_test_set
    return _take(iter_test_set(name, data_dir), limit, subset)


def combine_run_info(runs: Mapping, steps: Optional[int] = None) -> RunInfo:
    """One :class:`RunInfo` for a table made with several weights (``{label: (sidecar, weights)}``).

    The preset is shared if all agree (else ``"mixed: ..."``, which is a reduced budget
    unless all are ``paper``); patches seen only if all agree; each model is described in
    the notes.
    """
    infos = {label: run_info(side, weights, steps=steps) for label, (side, weights) in runs.items()}
    if not infos:
        raise ValueError("no weights to describe")
    if len(infos) == 1:
        return next(iter(infos.values()))
    presets = {i.preset for i in infos.values()}
    patches = {i.patches_seen for i in infos.values()}
    preset = presets.pop() if len(presets) == 1 else "mixed: " + ", ".join(
        f"{label}={i.preset}" for label, i in infos.items())
    notes = "; ".join(
        f"{label}: preset `{i.preset}`, "
        + (f"{i.patches_seen:,} patches seen" if i.patches_seen is not None else "patches seen not recorded")
        + f", weights `{i.weights}`" + (f" ({i.notes})" if i.notes else "")
        for label, i in infos.items())
    return RunInfo(preset=preset, patches_seen=patches.pop() if len(patches) == 1 else None,
                   weights=None, notes="Models: " + notes, per_model=len(patches) > 1)


def reused_results(record: Mapping, *, table: str, method: str, protocol: str) -> dict:
    """``{setting: EvalResult}`` of ``method`` from an earlier report JSON of the same table.

    Re-scoring a new model beside a slow baseline (BM3D: ~50 minutes for Table 2's twelve
    settings on two cores) need not rerun the baseline: the observations are a function of
    the image id and the noise level alone (:func:`rim_tf.evaluation.protocols.observation_seed`),
    so an earlier run's per-image values are the values this run would measure. That holds only
    under the same protocol, which is checked here; :func:`_reuse` checks, per setting, that the
    images are the same and that each one's noisy input has the stored PSNR.
    """
    if not isinstance(record, Mapping) or record.get("table") != table:
        found = record.get("table") if isinstance(record, Mapping) else type(record).__name__
        raise ValueError(f"the results to reuse are not a {table} report (found {found!r})")
    extra = record.get("extra") or {}
    if extra.get("protocol") != protocol:
        raise ValueError(f"the results to reuse were made under another protocol ({extra.get('protocol')!r}); "
                         f"this run's: {protocol!r}")
    out = {}
    for entry in extra.get("results") or []:
        if entry.get("method") == method:
            res = EvalResult.from_dict(entry)
            out[res.setting] = res
    if not out:
        raise ValueError(f"the results to reuse hold no per-image {method} results")
    return out


def _reuse(reused: Mapping, method: str, setting: str, images, source: str, *, sigma: float,
           quantize: bool) -> EvalResult:
    """The reused result of ``setting``, checked to cover exactly this run's images and to have
    been made from the very observations this run makes: each image's noisy-input PSNR is
    recomputed here and must equal the stored one."""
    from rim_tf.evaluation.protocols import noisy_observation, observation_psnr
    if setting not in reused:
        raise ValueError(f"the results to reuse ({source}) have no {method} row for '{setting}'; "
                         f"they have: {', '.join(reused)}")
    res = reused[setting]
    images = _image_list(images)
    ids = {image_id for image_id, _ in images}
    if set(res.psnr) != ids:
        raise ValueError(f"the reused {method} results for '{setting}' cover {len(res.psnr)} images, this run "
                         f"{len(ids)} ({len(ids - set(res.psnr))} of them missing there): use the same "
                         "--full / --limit / --subset as the run that made them")
    stored = res.input_psnr or {}
    for image_id, clean in images:
        now = observation_psnr(noisy_observation(clean, image_id, sigma, quantize), clean)
        if image_id not in stored or abs(stored[image_id] - now) > 1e-6:
            raise ValueError(f"the reused {method} results for '{setting}' were not made from this run's noisy "
                             f"images (image {image_id}: input PSNR {stored.get(image_id)} there, {now:.6f} "
                             "here); run the method again instead")
    return dataclasses.replace(res, info={**res.info, "reused_from": source})


def _timing_note(results: Sequence[EvalResult]) -> str:
    """Mean seconds per image of each method over its settings (per setting: the JSON)."""
    by_method: "OrderedDict[str, list]" = OrderedDict()
    reused = set()
    for r in results:
        if r.seconds:
            by_method.setdefault(r.method, []).extend(r.seconds.values())
        if r.info.get("reused_from"):
            reused.add(r.method)
    parts = [f"{m} {np.mean(v):.3g} s" + (" (in the run reused)" if m in reused else "")
             for m, v in by_method.items()]
    return ("Seconds per image (mean over settings; per setting in the JSON): " + ", ".join(parts)) if parts else ""


def _limit_note(limit, n: int, full: int, subset: Optional[int] = None) -> str:
    if subset is not None and n < full:
        return f"LIMITED to {n} of {full} images, evenly spaced (--subset {subset})"
    return f"LIMITED to {n} of {full} images (--limit {limit})" if limit is not None and n < full else ""


def table1(model, sidecar, weights_label: str, *, testsets=("cbsd68",), sigma: float = 25,
           steps=None, limit=None, subset=None, data_dir=None, batch_size: int = 4, bm3d: bool = False,
           bm3d_workers: int = 1, progress: bool = True) -> Report:
    """Table 1: RGB denoising, sigma 25, 8-bit quantized, on cbsd68 (and all 100 test images).
    ``bm3d_workers``: images denoised at once by CBM3D (:func:`evaluate_denoiser`)."""
    if model is None:
        raise ValueError("Table 1 needs an RGB RIM (--weights); 'none' is only for Table 3's bicubic row")
    check_channels(model, 3, "Table 1 (colour denoising)")
    rows, results = [], []
    denoiser = bm3d_denoiser() if bm3d else None
    for testset in testsets:
        if testset not in ("cbsd68", "bsds300-test"):
            raise ValueError(f"Table 1 test sets are cbsd68 and bsds300-test, got {testset!r}")
        images = _load(testset, data_dir, limit, subset)
        setting = f"sigma={sigma:g}, 8-bit, {testset}"
        note = _limit_note(limit, len(images), TEST_SET_SIZES[testset], subset)
        q = dict(testset=testset, sigma=int(sigma), quantized=True)
        if denoiser is not None:
            res = evaluate_denoiser(denoiser, images, sigma=sigma, quantize=True, method="CBM3D",
                                    setting=setting, progress=progress, workers=bm3d_workers)
            results.append(res)
            rows.append(ResultRow.from_per_image("CBM3D", _paper(1, "CBM3D", **q), res.psnr, setting=setting,
                                                 note=_join(note, "bm3d package (CBM3D, opp colour space)")))
        elif _paper(1, "CBM3D", **q) is not None:
            rows.append(ResultRow("CBM3D", _paper(1, "CBM3D", **q), None, setting=setting, note="published"))
        if _paper(1, "RTF-5", **q) is not None:
            rows.append(ResultRow("RTF-5", _paper(1, "RTF-5", **q), None, setting=setting, note="published"))
        res = evaluate_denoising(model, images, sigma=sigma, quantize=True, steps=steps,
                                 batch_size=batch_size, method="RIM", setting=setting, progress=progress)
        results.append(res)
        rows.append(ResultRow.from_per_image("RIM", _paper(1, "RIM", **q), res.psnr, setting=setting, note=note))
    run = run_info(sidecar, weights_label, steps=steps)
    run = dataclasses.replace(run, notes=_join(run.notes, _timing_note(results)))
    return Report("table1", "RGB denoising, sigma 25, 8-bit quantized (mean PSNR)", rows, run,
                  layout=_testset_layout,
                  extra={"results": [r.to_dict() for r in results],
                         "protocol": _DENOISE_PROTOCOL, "data_dir": str(data_dir or "")},
                  summary=[f"{r.method:10s} {r.setting:36s} {r.mean_psnr:.3f} dB  "
                           f"{r.mean_seconds:.2f} s/image  ({len(r.psnr)} images)" for r in results])


_DENOISE_PROTOCOL = ("noise N(0, (sigma/255)^2) with a seed per image id and sigma; 8-bit: rounded and "
                     "clipped, likelihood keeps sigma; PSNR of the estimate clipped to [0,1], not rounded, "
                     "on 0..255 against the uint8 clean image")


_TESTSET_BLOCK = {"bsd68": "BSD68", "bsds300-test": "BSDS300 test", "cbsd68": "CBSD68"}


def _denoise_layout(row) -> tuple:
    """Table 2: one block per test set; columns sigma 15 / 25 / 50, plain then 8-bit."""
    parts = row.setting.split(", ")  # "sigma=25[, 8-bit], bsd68"
    column = parts[0].replace("sigma=", "s=") + (" 8b" if "8-bit" in parts else "")
    return _TESTSET_BLOCK.get(parts[-1], parts[-1]), column


def _testset_layout(row) -> tuple:
    """Table 1: one column per test set."""
    testset = row.setting.split(", ")[-1]
    return "sigma=25, 8-bit", {"cbsd68": "CBSD68", "bsds300-test": "all 100"}.get(testset, testset)


def _scale_layout(row) -> tuple:
    """Table 3: one column per scale."""
    return "scale", row.setting


def _join(*parts) -> str:
    return "; ".join(p for p in parts if p)


def table2(models: Mapping, *, sigmas=(15, 25, 50), quantize=(False, True), testsets=("bsd68",),
           steps=None, limit=None, subset=None, data_dir=None, batch_size: int = 4, bm3d: bool = False,
           bm3d_workers: int = 1, bm3d_from: Optional[Mapping] = None, bm3d_source: str = "",
           progress: bool = True) -> Report:
    """Table 2: gray denoising. ``models`` is ``{"RIM-3task": (model, sidecar, label), ...}``.
    ``bm3d_workers``: images denoised at once by BM3D (:func:`evaluate_denoiser`).
    ``bm3d_from``: an earlier ``table2.json`` whose per-image BM3D values are taken instead of
    running BM3D again (:func:`reused_results`; ``bm3d_source`` names it in the rows' notes).

    ``limit`` takes the first N images of each test set, ``subset`` N evenly spaced ones
    (the quick default of ``scripts/reproduce_table2.py``); both are noted in every row.
    """
    if not models:
        raise ValueError("Table 2 needs at least one of RIM-3task / RIM-denoise")
    for label, (model, _, _) in models.items():
        check_channels(model, 1, f"Table 2 (gray denoising) with {label}")
    from rim_tf.reference import load_table
    ref = load_table(2)
    baselines = [m for m in ref.methods if not m.startswith("RIM")]
    if bm3d and bm3d_from is not None:
        raise ValueError("run BM3D (--bm3d) or reuse its earlier results (--bm3d-from), not both")
    denoiser = bm3d_denoiser() if bm3d else None
    source = bm3d_source or "an earlier run"
    reused = (reused_results(bm3d_from, table="table2", method="BM3D", protocol=_DENOISE_PROTOCOL)
              if bm3d_from is not None else None)
    for testset in testsets:
        if testset not in ("bsd68", "bsds300-test"):
            raise ValueError(f"Table 2 test sets are bsd68 and bsds300-test, got {testset!r}")

    test_images = {testset: _load("bsd68" if testset == "bsd68" else "bsds300-test-gray", data_dir, limit, subset)
                   for testset in testsets}

    def settings(testset):
        return [(q, sigma, f"sigma={sigma:g}{', 8-bit' if q else ''}, {testset}") for q in quantize for sigma in sigmas]

    checked = {}  # every reused setting checked before anything runs
    if reused is not None:
        for testset, images in test_images.items():
            for q, sigma, setting in settings(testset):
                checked[setting] = _reuse(reused, "BM3D", setting, images, source, sigma=sigma, quantize=q)
    rows, results = [], []
    for testset, images in test_images.items():
        note = _limit_note(limit, len(images), TEST_SET_SIZES[testset], subset)
        for q, sigma, setting in settings(testset):
            cell = dict(testset=testset, sigma=int(sigma), quantized=bool(q))
            for method in baselines:
                paper = _paper(2, method, **cell)
                if method == "BM3D" and (denoiser is not None or checked):
                    if checked:
                        res = checked[setting]
                        how = f"bm3d package, per-image values reused from {source}"
                    else:
                        res = evaluate_denoiser(denoiser, images, sigma=sigma, quantize=q,
                                                method="BM3D", setting=setting, progress=progress,
                                                workers=bm3d_workers)
                        how = "bm3d package"
                    results.append(res)
                    rows.append(ResultRow.from_per_image("BM3D", paper, res.psnr, setting=setting,
                                                         note=_join(note, how)))
                elif paper is not None:
                    rows.append(ResultRow(method, paper, None, setting=setting, note="published"))
            for label, (model, _, _) in models.items():
                res = evaluate_denoising(model, images, sigma=sigma, quantize=q, steps=steps,
                                         batch_size=batch_size, method=label, setting=setting,
                                         progress=progress)
                results.append(res)
                rows.append(ResultRow.from_per_image(label, _paper(2, label, **cell), res.psnr,
                                                     setting=setting, note=note))
    run = combine_run_info({label: (side, w) for label, (_, side, w) in models.items()}, steps=steps)
    run = dataclasses.replace(run, notes=_join(run.notes, _timing_note(results)))
    return Report("table2", "Gray-scale denoising (mean PSNR)", rows, run, layout=_denoise_layout,
                  extra={"results": [r.to_dict() for r in results], "protocol": _DENOISE_PROTOCOL,
                         "data_dir": str(data_dir or "")},
                  summary=[f"{r.method:12s} {r.setting:30s} {r.mean_psnr:.3f} dB  "
                           f"{r.mean_seconds:.2f} s/image  ({len(r.psnr)} images)" for r in results])


def table3(model, sidecar, weights_label: Optional[str], *, scales=(2, 3, 4), steps=None, limit=None,
           subset=None, data_dir=None, batch_size: int = 4, sigma: Optional[float] = None,
           progress: bool = True) -> Report:
    """Table 3: super-resolution on SelfExSR BSD100; ``model=None`` computes bicubic only."""
    from rim_tf.reference import load_table
    ref = load_table(3)
    bar_method = ref.stand_in("RIM") or "SRCNN"
    rows, results = [], []
    for scale in scales:
        if int(scale) not in (2, 3, 4):
            raise ValueError(f"Table 3 scales are 2, 3, 4, got {scale!r}")
        pairs = _load(f"bsd100-sr-x{int(scale)}", data_dir, limit, subset)
        note = _limit_note(limit, len(pairs), TEST_SET_SIZES[f"bsd100-sr-x{int(scale)}"], subset)
        bicubic, rim = evaluate_superres(model, pairs, steps=steps, sigma=sigma,
                                         batch_size=batch_size, progress=progress)
        setting = f"x{int(scale)}"
        cell = dict(scale=int(scale))
        results.append(bicubic)
        rows.append(ResultRow.from_per_image("Bicubic", _paper(3, "Bicubic", **cell), bicubic.psnr,
                                             setting=setting, note=_join(note, "computed here")))
        for method in ref.methods:
            if method in ("Bicubic", "RIM"):
                continue
            rows.append(ResultRow(method, _paper(3, method, **cell), None, setting=setting,
                                  note="published" + (" — bar to beat" if method == bar_method else "")))
        bar = _paper(3, bar_method, **cell)
        if rim is not None:
            results.append(rim)
            gap = rim.mean_psnr - bar if bar is not None else None
            rows.append(ResultRow.from_per_image(
                "RIM", _paper(3, "RIM", **cell), rim.psnr, setting=setting,
                note=_join(note, f"paper value unknown; bar to beat: {bar_method} "
                           + (f"{bar:.2f} (ours − {bar_method} = {gap:+.2f})" if gap is not None else "(value unknown)"))))
    if model is None:
        run = RunInfo(preset="none", weights=None,
                      notes="No model (--weights none): only the bicubic baseline was computed; "
                            "the budget label does not apply")
    else:
        run = run_info(sidecar, weights_label, steps=steps)
    run = dataclasses.replace(run, notes=_join(run.notes, _timing_note(results)))
    return Report("table3", "Super-resolution on SelfExSR BSD100, Y channel (mean PSNR)", rows, run,
                  decimals=2, layout=_scale_layout,
                  extra={"results": [r.to_dict() for r in results],
                         "protocol": ref.protocol, "data_dir": str(data_dir or "")},
                  summary=[f"{r.method:8s} {r.setting:4s} {r.mean_psnr:.3f} dB  "
                           f"{r.mean_seconds:.3f} s/image  ({len(r.psnr)} images)" for r in results])


def figure3(models: Mapping, *, ratios=(0.25, 0.5), inpaint_fractions=(0.5,), n: int = 5000,
            size: int = 32, steps: Optional[int] = None, projection_sigma: float = 1.0,
            inpaint_sigma: Optional[float] = None, data_dir=None, batch_size: int = 250,
            seed: int = 0, progress: bool = True) -> Report:
    """Figure 3: per-step PSNR of RIM/GDN/FFN on random projections and inpainting.

    ``models`` is ``{"RIM": (model, sidecar, label), "GDN": ..., "FFN": ...}``. Each model
    starts a projection from the start its training config names (``projection_start``;
    ``"adjoint"`` where the sidecar has none), on the same measurements as the others.
    ``steps`` defaults to twice the largest trained number of steps. ``inpaint_sigma``
    defaults to ``projection_sigma / size``: the per-pixel noise that the unnormalised
    Fourier ensemble's measurement noise amounts to (same SNR per pixel).

    The projection tasks are RIM-3task's training tasks at ``ratios``
    (:func:`rim_tf.training.experiments.build_degradations`, the one list of them).
    """
    from rim_tf.training.config import preset_config
    from rim_tf.training.experiments import build_degradations

    if not models:
        raise ValueError("Figure 3 needs at least one model")
    nets = {label: m for label, (m, _, _) in models.items()}
    trained = max(int(m.steps) for m in nets.values())
    steps = 2 * trained if steps is None else int(steps)
    inpaint_sigma = projection_sigma / size if inpaint_sigma is None else float(inpaint_sigma)
    pixels = size * size
    starts = {label: projection_start(side) for label, (_, side, _) in models.items()}
    # the tasks as scored (validation=True): at projection_sigma, not the presets' training range
    tasks = build_degradations(preset_config("3task", "paper", patch_size=size, measurement_ratios=tuple(ratios),
                                             projection_sigma=projection_sigma,
                                             projection_start=next(iter(starts.values()))),
                               validation=True)
    tasks += [Inpaint(f, inpaint_sigma) for f in inpaint_fractions]
    patches, ids = random_test_patches(data_dir, n=n, size=size, seed=seed)
    curves, rows = {}, []
    for k, deg in enumerate(tasks):
        task = deg.label
        groups = {None: nets}
        if isinstance(deg, RandomProjection):
            task = f"{deg.ensemble} m/n={deg.num_measurements / pixels:.2f}"
            groups = {start: {label: nets[label] for label in nets if starts[label] == start}
                      for start in sorted(set(starts.values()))}
        res = {}
        for start, group in groups.items():  # same seed: the same measurements for every group
            run_deg = deg if start is None else RandomProjection(
                deg.ensemble, deg.num_measurements, deg.sigma, start=start)
            res.update(evaluate_patches(group, patches, run_deg, steps=steps, ids=ids,
                                        batch_size=batch_size, seed=seed * 1000 + k,
                                        progress=progress, task=task))
        res = {label: res[label] for label in nets}
        curves[task] = res
        for label, c in res.items():
            final = c.patch_psnr[:, min(c.trained_steps, c.steps)]
            best = int(np.argmax(c.step_psnr))
            rows.append(ResultRow.from_per_image(
                label, None, dict(zip(ids, (float(v) for v in final))), setting=task,
                note=f"at trained step {c.trained_steps}; step {c.steps}: {c.at_step(c.steps):.2f} dB; "
                     f"best {c.step_psnr[best]:.2f} dB at step {best}"))
    run = combine_run_info({label: (side, w) for label, (_, side, w) in models.items()})
    run = dataclasses.replace(run, notes=_join(
        run.notes, f"{n} random {size}x{size} gray test patches (seed {seed}); projection noise "
                   f"sigma={projection_sigma:g}; inpainting noise sigma={inpaint_sigma:.4g}; "
                   f"{steps} steps; projections start from "
                   + ", ".join(f"{label} {start}" for label, start in starts.items())
                   + ". The paper's Figure 3 has no table values."))
    extra = {"steps": steps, "curves": {t: {m: c.to_dict() for m, c in r.items()} for t, r in curves.items()},
             "tasks": [d.describe() for d in tasks], "projection_start": starts}

    def draw(path):
        from rim_tf.plotting import plot_step_curves
        plot_step_curves({t: {m: c.step_psnr for m, c in r.items()} for t, r in curves.items()},
                         path, trained_steps=trained,
                         title=f"Per-step PSNR on {n} test patches ({size}x{size})")

    return Report("figure3", "Per-step PSNR on random projections and inpainting (Figure 3)", rows, run,
                  extra=extra, figures={".png": draw},
                  summary=[f"{t:28s} " + "  ".join(f"{m} {c.at_step(c.trained_steps):.2f}/{c.at_step(c.steps):.2f}"
                                                   for m, c in r.items()) for t, r in curves.items()])


def _central_crop(gray, crop: int):
    h, w = gray.shape[:2]
    if crop > min(h, w):
        raise ValueError(f"crop {crop} is larger than the image ({h}x{w})")
    r, c = (h - crop) // 2, (w - crop) // 2
    return gray[r:r + crop, c:c + crop].astype(np.float32) / 255.0, r, c


def figure4(models: Mapping, *, image_id: Optional[str] = None, crop: int = 128, fraction: float = 0.5,
            sigma: Optional[float] = None, steps: Optional[int] = None, data_dir=None,
            seed: int = 0, mean_crops: int = 0, progress: bool = False) -> Report:
    """Figure 4: inpainting of a ``crop x crop`` gray test crop by models trained on patches.

    ``image_id`` defaults to the first test id (lexicographic); the crop is centred.
    ``sigma`` defaults to ``1/32`` (see :func:`figure3`). With ``mean_crops`` N > 0 the rows
    also give the mean PSNR over the central crops of the first N test images (lexicographic;
    image k's mask and noise drawn with seed ``[seed, k]``): one crop can flatter or shame a model.
    """
    from rim_tf.data.images import convert_color, read_dataset_image
    from rim_tf.data.locate import bsds300_split

    if not models:
        raise ValueError("Figure 4 needs at least one model")
    pairs = dict(bsds300_split(data_dir, "test"))
    image_id = image_id or sorted(pairs)[0]
    if image_id not in pairs:
        raise ValueError(f"{image_id!r} is not a BSDS300 test id")
    clean, r, c = _central_crop(convert_color(read_dataset_image(pairs[image_id]), "gray"), crop)
    sigma = 1.0 / 32.0 if sigma is None else float(sigma)
    mean_crops = int(mean_crops)
    if not 0 <= mean_crops <= len(pairs):
        raise ValueError(f"mean_crops must be in [0, {len(pairs)}] (the test images), got {mean_crops}")
    nets = {label: m for label, (m, _, _) in models.items()}
    steps = max(int(m.steps) for m in nets.values()) if steps is None else int(steps)
    out = inpaint_image(nets, clean, fraction=fraction, sigma=sigma, steps=steps, seed=seed)
    setting = f"{image_id} {crop}x{crop}, {100 * fraction:.0f}% removed"
    def on_removed(values, mean=""):
        values = [v for v in values if v is not None]
        return f"; removed pixels {np.mean(values):.2f} dB{mean}" if values else ""

    rows = [ResultRow("Observed", None, out["observed_psnr"], setting=setting,
                      note="masked input" + on_removed([out["observed_psnr_removed"]]))]
    rows += [ResultRow(label, None, out["psnr"][label], setting=setting,
                       note=f"{steps} steps, {out['seconds'][label]:.2f} s" + on_removed([out["psnr_removed"][label]]))
             for label in nets]
    if mean_crops:
        per_crop = {label: {} for label in ["Observed", *nets]}
        removed = {label: [] for label in per_crop}  # PSNR over the removed pixels, per crop
        ids = sorted(pairs)[:mean_crops]
        with _bar(len(ids), "inpainting crops", progress, unit="crop") as bar:
            for k, crop_id in enumerate(ids):
                clean_k, _, _ = _central_crop(convert_color(read_dataset_image(pairs[crop_id]), "gray"), crop)
                res = inpaint_image(nets, clean_k, fraction=fraction, sigma=sigma, steps=steps,
                                    seed=seed, index=k)
                per_crop["Observed"][crop_id] = res["observed_psnr"]
                removed["Observed"].append(res["observed_psnr_removed"])
                for label in nets:
                    per_crop[label][crop_id] = res["psnr"][label]
                    removed[label].append(res["psnr_removed"][label])
                bar.update(1)
        mean_setting = f"mean of {len(ids)} central {crop}x{crop} crops, {100 * fraction:.0f}% removed"
        rows += [ResultRow.from_per_image(label, None, values, setting=mean_setting,
                                          note=("masked input" if label == "Observed" else f"{steps} steps")
                                          + on_removed(removed[label], " (mean)"))
                 for label, values in per_crop.items()]
    run = combine_run_info({label: (side, w_) for label, (_, side, w_) in models.items()})
    run = dataclasses.replace(run, notes=_join(
        run.notes, f"crop at row {r}, col {c}; noise sigma={sigma:.4g}; mask seed {seed}. "
                   "The paper's Figure 4 has no table values."))

    def draw(path):
        from rim_tf.plotting import plot_image_grid
        panels = [("original", clean, None), ("observed", np.clip(out["observed"], 0, 1), out["observed_psnr"])]
        panels += [(label, out["estimates"][label], out["psnr"][label]) for label in nets]
        plot_image_grid(panels, path, title=f"Inpainting, {setting}")

    return Report("figure4", "Inpainting a 128x128 crop with models trained on 32x32 patches (Figure 4)",
                  rows, run, extra={"image_id": image_id, "crop": [r, c, crop], "fraction": fraction,
                                    "sigma": sigma, "steps": steps, "seconds": out["seconds"]},
                  figures={".png": draw},
                  summary=[f"{row.method:10s} {row.ours:.2f} dB  ({row.setting})" for row in rows])
