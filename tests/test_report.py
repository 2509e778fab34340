"""The result-table writer: Markdown content, the REDUCED BUDGET label, JSON with per-image values."""
import json
import math

import numpy as np
import pytest

from rim_tf.report import ResultRow, RunInfo, format_markdown, write_results


def _table_lines(markdown):
    return [line for line in markdown.splitlines() if line.startswith("|")]


def _rows():
    return [
        ResultRow("RIM-denoise", 28.91, 28.50, setting="sigma=25, bsd68"),
        ResultRow("RIM-3task", 28.67, 28.71, setting="sigma=25, bsd68"),
        ResultRow("BM3D", 28.56, None, setting="sigma=25, bsd68", note="not run"),
    ]


def test_markdown_has_one_row_per_method_with_differences():
    md = format_markdown("table2", _rows(), RunInfo("paper", patches_seen=800_000), title="Gray denoising")
    lines = _table_lines(md)
    assert lines[0] == "| Method | Setting | Paper PSNR (dB) | Ours PSNR (dB) | Ours − paper | Note |"
    assert lines[2] == "| RIM-denoise | sigma=25, bsd68 | 28.91 | 28.50 | -0.41 |  |"
    assert lines[3] == "| RIM-3task | sigma=25, bsd68 | 28.67 | 28.71 | +0.04 |  |"
    assert lines[4] == "| BM3D | sigma=25, bsd68 | 28.56 | — | — | not run |"
    assert len(lines) == 2 + 3
    assert all(line.count("|") == lines[0].count("|") for line in lines)
    assert md.startswith("# table2: Gray denoising\n")


def test_header_names_the_weights_and_flags_reduced_budget():
    reduced = format_markdown("table1", _rows(), RunInfo("tiny", patches_seen=12_345, weights="runs/tiny/rim.keras"))
    header = reduced.splitlines()[2]
    assert "preset `tiny`" in header and "12,345 patches seen" in header
    assert "runs/tiny/rim.keras" in header and "REDUCED BUDGET" in header
    full = format_markdown("table1", _rows(), RunInfo("paper", patches_seen=800_000))
    assert "REDUCED BUDGET" not in full and "800,000 patches seen" in full
    unknown = format_markdown("table1", _rows(), RunInfo("paper"))
    assert "patches seen not recorded" in unknown


def test_table_of_several_models_points_to_each_budget():
    from rim_tf.evaluation import combine_run_info
    side = lambda n: {"preset": "cpu", "patches_seen": n, "config": {}}  # noqa: E731
    run = combine_run_info({"A": (side(100), "a.keras"), "B": (side(200), "b.keras")})
    header = run.header()
    assert "patches seen: per model, below" in header and "not recorded" not in header
    assert "A: preset `cpu`, 100 patches seen" in run.notes and "B: preset `cpu`, 200 patches seen" in run.notes
    same = combine_run_info({"A": (side(100), "a.keras"), "B": (side(100), "b.keras")})
    assert same.patches_seen == 100 and "100 patches seen" in same.header()


def test_optional_columns_only_when_used():
    md = format_markdown("t", [ResultRow("RIM", 30.84, 30.90)], RunInfo("paper"))
    assert _table_lines(md)[0] == "| Method | Paper PSNR (dB) | Ours PSNR (dB) | Ours − paper |"
    assert _table_lines(md)[2] == "| RIM | 30.84 | 30.90 | +0.06 |"


def test_difference_is_ours_minus_paper_and_rounding_has_no_negative_zero():
    assert ResultRow("a", 28.91, 28.50).difference == pytest.approx(-0.41)
    assert ResultRow("a", None, 28.50).difference is None
    md = format_markdown("t", [ResultRow("a", 28.910, 28.908)], RunInfo("paper"))
    assert "| +0.00 |" in md


def test_write_results_files_and_per_image_json(tmp_path):
    per_image = {"101085": 29.0, "101087": 31.0, "102061": 30.0}
    rows = [
        ResultRow.from_per_image("RIM", None, per_image, setting="x2", note="paper value unknown; bar: SRCNN"),
        ResultRow("SRCNN", 31.11, None, setting="x2"),
    ]
    assert rows[0].ours == pytest.approx(30.0)
    out = tmp_path / "results" / "nested"
    paths = write_results(out, "table3", rows, RunInfo("small", 5000, "w.keras"), title="SR", extra={"seed": 0})
    assert paths == {"json": out / "table3.json", "markdown": out / "table3.md"}

    record = json.loads(paths["json"].read_text())
    assert record["table"] == "table3" and record["extra"] == {"seed": 0}
    assert record["run"] == {"preset": "small", "patches_seen": 5000, "weights": "w.keras",
                             "reduced_budget": True, "notes": ""}
    rim, srcnn = record["rows"]
    assert rim["per_image"] == per_image and rim["n_images"] == 3
    assert rim["paper"] is None and rim["difference"] is None and rim["ours"] == pytest.approx(30.0)
    assert srcnn["paper"] == 31.11 and srcnn["ours"] is None and srcnn["per_image"] is None

    md = paths["markdown"].read_text()
    assert "REDUCED BUDGET" in md and "Per-image values: `table3.json`" in md
    assert "| RIM | x2 | — | 30.00 | — | 3 | paper value unknown; bar: SRCNN |" in md


def test_numpy_values_are_accepted(tmp_path):
    row = ResultRow("RIM", np.float32(30.5), np.float64(30.25), per_image={"a": np.float32(30.25)})
    paths = write_results(tmp_path, "t", [row], RunInfo("paper", np.int64(10)))
    assert json.loads(paths["json"].read_text())["rows"][0]["difference"] == pytest.approx(-0.25)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: ResultRow("RIM", 30.0, math.nan), "finite"),
        (lambda: ResultRow("RIM", "30.0", 29.0), "number"),
        (lambda: ResultRow("", 30.0, 29.0), "method"),
        (lambda: ResultRow("RIM", 30.0, 29.0, per_image={"a": math.inf}), "finite"),
        (lambda: ResultRow("RIM", 30.0, 29.0, per_image={}), "non-empty"),
        (lambda: RunInfo(""), "preset"),
        (lambda: RunInfo("paper", patches_seen=-1), "patches_seen"),
        (lambda: RunInfo("paper", patches_seen=1.5), "patches_seen"),
    ],
)
def test_bad_rows_and_runs_are_rejected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_write_results_rejects_bad_names_and_empty_tables(tmp_path):
    with pytest.raises(ValueError, match="table name"):
        write_results(tmp_path, "../escape", _rows(), RunInfo("paper"))
    with pytest.raises(ValueError, match="no rows"):
        write_results(tmp_path, "t", [], RunInfo("paper"))
    with pytest.raises(ValueError, match="JSON-serialisable"):
        write_results(tmp_path, "t", _rows(), RunInfo("paper"), extra={"x": object()})
    assert not list(tmp_path.iterdir())  # nothing half-written
