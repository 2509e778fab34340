"""Super-resolution validation by Table 3's protocol, RIM-3task's validation on the tasks it is
not trained on, and the colour of the training patches."""
import json

import numpy as np
import pytest

from rim_tf.color import rgb2y
from rim_tf.data.images import read_image
from rim_tf.data.locate import bsds300_split
from rim_tf.imresize_reference import imresize_reference
from rim_tf.training import Trainer, preset_config
from rim_tf.training.campaign import read_history, summarize
from rim_tf.training.protocol import SuperresProtocol, TransferProtocol, protocol_mean


def _images(rng, n=2, shape=(70, 101, 3)):
    return [str(100 + k) for k in range(n)], [rng.integers(0, 256, shape, dtype=np.uint8) for _ in range(n)]


def test_protocol_pairs_are_matlab_bicubic_of_rgb_crops(rng):
    ids, images = _images(rng)
    protocol = SuperresProtocol.from_images(ids, images, scales=(2, 3, 4), crop=200)
    assert protocol.num_images == 2 and sorted(protocol.pairs) == [2, 3, 4]
    for scale, pairs in protocol.pairs.items():
        for pair, image in zip(pairs, images):
            # the whole image, trimmed to a multiple of 12 (lcm of the scales), centred
            assert pair.hr.shape == (60, 96, 3)
            np.testing.assert_array_equal(pair.hr, image[5:65, 2:98])
            # the LR image is made from the RGB crop with MATLAB's uint8 imresize, as SelfExSR's
            np.testing.assert_array_equal(pair.lr, imresize_reference(pair.hr, scale=1 / scale))
    small = SuperresProtocol.from_images(ids, images, scales=(2, 3), crop=40)
    assert small.pairs[2][0].hr.shape == (36, 36, 3)  # 40 -> a multiple of 6


def test_protocol_refuses_what_cannot_be_scored(rng):
    ids, images = _images(rng)
    with pytest.raises(ValueError, match="held-out images"):
        SuperresProtocol.from_images([], [], crop=48)
    with pytest.raises(ValueError, match="least common multiple"):
        SuperresProtocol.from_images(ids, images, scales=(3, 4), crop=10)
    with pytest.raises(ValueError, match="uint8"):
        SuperresProtocol.from_images(ids[:1], [images[0].astype(np.float32)], crop=48)
    assert protocol_mean({"x2": 30.0, "x3": 27.0, "x4": 24.0}) == 27.0


def _smoke_run_history(experiment, out, data_dir, **settings) -> list:
    """The history rows of a smoke run of ``experiment`` (stride 8) into ``out``."""
    config = preset_config(experiment, "smoke", stride=8, **settings)
    Trainer(config, out, data_dir=data_dir, progress=False).train()
    return read_history(out)


def test_superres_run_records_the_protocol_per_scale(fake_data, tmp_path):
    rows = _smoke_run_history("superres", tmp_path, fake_data, max_iterations=4, val_patches=4,
                              protocol_crop=48)
    assert len(rows) >= 2
    for row in rows:
        assert sorted(row["protocol"]) == ["x2", "x3", "x4"]
        assert row["protocol_psnr"] == pytest.approx(np.mean(list(row["protocol"].values())), abs=1e-3)
        assert all(np.isfinite(v) for v in row["protocol"].values())
    status = summarize(tmp_path)
    assert status["stop_signal"] == "protocol_psnr" and status["protocol"] == rows[-1]["protocol"]


def test_denoise_run_has_no_protocol(fake_data, tmp_path):
    rows = _smoke_run_history("denoise", tmp_path, fake_data, max_iterations=2, val_patches=4)
    assert all("protocol" not in r for r in rows)
    assert summarize(tmp_path)["stop_signal"] == "val_psnr"


def test_stop_rule_watches_the_protocol_where_recorded(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(
        {"experiment": "superres", "model": "atrous", "hidden_features": 4, "gru_features": 8,
         "steps": 3, "batch_size": 4}))
    rows = []
    for k in range(10):  # patch validation still rising by 0.1 dB a row; the protocol flat
        rows.append({"iteration": k * 100, "patches_seen": k * 400, "val_psnr": 30 + 0.1 * k,
                     "protocol_psnr": 28.0 + (0.01 if k > 5 else 0.0),
                     "protocol": {"x2": 31.0, "x3": 28.0, "x4": 25.0}})
    (tmp_path / "history.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    status = summarize(tmp_path)
    assert status["stop_signal"] == "protocol_psnr" and status["flat"] is True
    for r in rows:
        del r["protocol_psnr"], r["protocol"]
    (tmp_path / "history.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert summarize(tmp_path)["flat"] is False


def test_training_patch_colour(fake_data):
    assert preset_config("superres", "cpu").patch_color == "y"
    assert preset_config("denoise", "cpu").patch_color == "gray"
    assert preset_config("color", "cpu").patch_color == "rgb"
    assert preset_config("superres", "cpu", train_color="gray").patch_color == "gray"
    with pytest.raises(ValueError, match="RGB"):
        preset_config("denoise", "smoke", train_color="rgb")
    with pytest.raises(ValueError, match="train_color"):
        preset_config("denoise", "smoke", train_color="blue")
    with pytest.raises(ValueError, match="protocol_crop"):
        preset_config("superres", "smoke", protocol_crop=-1)
    # super-resolution trains on the luma that Table 3 scores: BT.601 Y spans 16..235
    trainer = Trainer(preset_config("superres", "smoke", stride=8, val_patches=4), "unused",
                      data_dir=fake_data, progress=False)
    train = trainer._data(0).patches.train
    paths = dict(bsds300_split(fake_data, "train"))
    np.testing.assert_array_equal(train.image(0)[..., 0], rgb2y(read_image(paths[train.ids[0]])))
    assert train.pixels.min() >= 16 and train.pixels.max() <= 235


def test_resume_of_a_run_that_predates_new_settings(fake_data, tmp_path):
    """A config.json written before a setting existed resumes with that setting's default."""
    config = preset_config("denoise", "smoke", max_iterations=2, stride=8, val_patches=4)
    Trainer(config, tmp_path, data_dir=fake_data, progress=False).train()
    saved = json.loads((tmp_path / "config.json").read_text())
    for name in ("train_color", "protocol_crop"):
        del saved[name]
    (tmp_path / "config.json").write_text(json.dumps(saved))
    resumed = preset_config("denoise", "smoke", max_iterations=3, stride=8, val_patches=4)
    sidecar = Trainer(resumed, tmp_path, data_dir=fake_data, progress=False).train(resume=True)
    assert sidecar["iterations"] == 3


# ------------------------------------------------------------------ RIM-3task's transfer
def test_transfer_crops_are_gray_central_and_of_one_size(rng):
    from rim_tf.data.images import convert_color

    ids, images = _images(rng, n=2, shape=(70, 101, 3))
    images.append(rng.integers(0, 256, (60, 90, 3), dtype=np.uint8))
    ids.append("102")
    protocol = TransferProtocol.from_images(ids, images, crop=64)
    assert [i for i, _ in protocol.images] == ids
    assert {img.shape for _, img in protocol.images} == {(60, 60, 1)}  # the smallest image bounds it
    np.testing.assert_array_equal(protocol.images[0][1], convert_color(images[0], "gray")[5:65, 20:80])
    with pytest.raises(ValueError, match="held-out images"):
        TransferProtocol.from_images([], [], crop=64)


def test_transfer_scores_are_table2_and_figure4_on_the_crops(rng):
    """The scores are the Table 2 function's means on the crops (same noise per id), and the
    baseline is the observations' own PSNR: a model that returns its input scores it exactly."""
    from rim_tf.evaluation import evaluate_denoising
    from rim_tf.models.rim import build_rim

    ids, images = _images(rng, n=2, shape=(40, 40, 3))
    protocol = TransferProtocol.from_images(ids, images, crop=32, steps=2)
    model = build_rim(1, hidden_features=4, gru_features=8, steps=2)
    scores = protocol(model)
    assert sorted(scores) == ["denoise15", "denoise25", "denoise50", "inpaint50"]
    direct = evaluate_denoising(model, protocol.images, sigma=25, steps=2, progress=False)
    assert scores["denoise25"] == pytest.approx(direct.mean_psnr, abs=1e-9)
    baseline = protocol.baseline()
    assert baseline["denoise25"] == pytest.approx(direct.mean_input_psnr, abs=1e-6)
    assert baseline["denoise15"] > baseline["denoise25"] > baseline["denoise50"]
    assert 3 < baseline["inpaint50"] < 12  # half the pixels set to 0: a few dB only
    assert protocol(model) == scores  # the same observations on every call


def test_3task_run_records_the_transfer_but_stops_on_its_own_tasks(fake_data, tmp_path):
    rows = _smoke_run_history("3task", tmp_path, fake_data, max_iterations=3, val_patches=6,
                              protocol_crop=32)
    assert len(rows) >= 2
    for row in rows:
        assert sorted(row["transfer"]) == ["denoise15", "denoise25", "denoise50", "inpaint50"]
        assert all(np.isfinite(v) for v in row["transfer"].values())
        assert "protocol_psnr" not in row and "protocol" not in row
    status = summarize(tmp_path)
    assert status["stop_signal"] == "val_psnr" and status["transfer"] == rows[-1]["transfer"]
    from rim_tf.training.campaign import describe

    assert "not-trained tasks on held-out crops denoise15" in describe(status)
    assert (tmp_path / "curve.png").stat().st_size > 0


def _best_of(rows, key):
    best = None
    for row in rows:  # the first of equal scores, as a strictly-better rule keeps it
        score = float(np.mean(list(row[key].values()))) if key != "val_psnr" else row[key]
        if best is None or score > best[1]:
            best = (row["iteration"], score)
    return best


def test_keep_best_saves_the_model_of_the_best_transfer_and_goes_on_after_resume(fake_data, tmp_path):
    settings = dict(stride=8, val_patches=6, protocol_crop=32, val_every=1, keep_best="protocol")
    Trainer(preset_config("3task", "smoke", max_iterations=3, **settings), tmp_path, data_dir=fake_data,
            progress=False, plot_curve=False).train()
    Trainer(preset_config("3task", "smoke", max_iterations=6, **settings), tmp_path, data_dir=fake_data,
            progress=False, plot_curve=False).train(resume=True)
    rows = read_history(tmp_path)
    assert [r["iteration"] for r in rows] == list(range(7))
    iteration, score = _best_of(rows, "transfer")
    sidecar = json.loads((tmp_path / "best" / "model.json").read_text())
    assert sidecar["selected_by"]["criterion"] == "protocol"
    assert sidecar["selected_by"]["iteration"] == sidecar["iterations"] == iteration
    assert sidecar["selected_by"]["score"] == pytest.approx(score, abs=1e-3)
    assert sidecar["complete"] is False and sidecar["experiment"] == "3task"
    from rim_tf.shipped import load_weights

    model, _ = load_weights(tmp_path / "best" / "model.keras")
    assert model.count_params() > 0


def test_keep_best_none_writes_no_best_folder_and_protocol_needs_a_protocol(fake_data, tmp_path):
    Trainer(preset_config("denoise", "smoke", stride=8, max_iterations=2, val_every=1), tmp_path,
            data_dir=fake_data, progress=False, plot_curve=False).train()
    assert not (tmp_path / "best").exists()
    with pytest.raises(ValueError, match="keep_best 'protocol' needs an experiment with a protocol"):
        preset_config("denoise", "smoke", keep_best="protocol").validate()
    with pytest.raises(ValueError, match="unknown keep_best 'last'"):
        preset_config("3task", "smoke", keep_best="last").validate()


def test_keep_best_replaces_best_only_on_a_strictly_better_score(fake_data, tmp_path):
    trainer = Trainer(preset_config("denoise", "smoke", stride=8, keep_best="val"), tmp_path,
                      data_dir=fake_data, progress=False, plot_curve=False)

    def row(it, psnr):
        return {"iteration": it, "val_psnr": psnr, "wall_time_s": float(it)}

    assert trainer.keep_best(row(1, 20.0))["selected_by"]["iteration"] == 1
    assert trainer.keep_best(row(2, 19.0)) is None and trainer.keep_best(row(3, 20.0)) is None
    assert trainer.keep_best(row(4, 21.5))["selected_by"]["score"] == 21.5
    saved = json.loads((tmp_path / "best" / "model.json").read_text())["selected_by"]
    assert (saved["iteration"], saved["criterion"]) == (4, "val")
