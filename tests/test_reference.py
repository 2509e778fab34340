"""The paper's reference numbers: transcription, queries, and validation of the files."""
import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from rim_tf import reference
from rim_tf.reference import (ReferenceNotFoundError, load_all, load_table, parse_table,
                              reference_dir, reference_entry, reference_value)

REPO = Path(__file__).resolve().parents[1]
FACTS = Path(os.environ.get("RIM_FACTS", REPO.parent / "shared" / "paper" / "FACTS.md"))


# --------------------------------------------------------------------------- queries


def test_documented_query():
    assert reference_value(table=2, method="RIM-denoise", sigma=25, quantized=False, testset="bsd68") == 28.91
    assert reference_value(2, "rim-denoise", sigma=25, quantized=False, testset="bsds300-test") == 28.72
    assert reference_value(1, "RIM", testset="cbsd68") == 30.84
    assert reference_value(3, "SRCNN", scale=3) == 28.20


def test_entry_carries_its_provenance():
    e = reference_entry(2, "BM3D", sigma=50, quantized=False, testset="bsds300-test")
    assert (e.value, e.source, e.status, e.channels) == (25.45, "Burger et al. 2013", "confirmed", "gray")
    e = reference_entry(2, "BM3D", sigma=25, quantized=True)
    assert (e.value, e.source, e.testset) == (28.31, "Schmidt et al. 2016", "bsd68")
    assert "ICLR 2017" in e.status_note


def test_table3_rim_row_is_explicitly_unknown_with_srcnn_as_bar():
    t = load_table(3)
    for scale in (2, 3, 4):
        e = t.entry("RIM", scale=scale)
        assert e.status == "unknown" and e.value is None and not e.known
        assert reference_value(3, "RIM", scale=scale) is None
    assert t.stand_in("RIM") == "SRCNN"
    assert t.stand_in("Bicubic") is None


def test_empty_cells_are_absent():
    with pytest.raises(ReferenceNotFoundError, match="no cell"):
        reference_value(2, "MLP", sigma=15, quantized=False, testset="bsd68")
    with pytest.raises(ReferenceNotFoundError, match="no cell"):
        reference_value(2, "KSVD", sigma=25, quantized=True, testset="bsd68")
    with pytest.raises(ReferenceNotFoundError, match="methods:"):
        reference_value(2, "DnCNN", sigma=25)


def test_ambiguous_query_lists_the_candidates():
    with pytest.raises(ValueError, match="3 cells match"):
        reference_value(2, "BM3D", sigma=25)
    with pytest.raises(ValueError, match="testset"):
        reference_value(2, "BM3D", sigma=25, testset="set12")
    with pytest.raises(ValueError, match="tables"):
        load_table(4)


def test_every_entry_is_complete():
    tables = load_all()
    assert [len(tables[t].entries) for t in (1, 2, 3)] == [4, 54, 15]
    for t in tables.values():
        for e in t.entries:
            assert e.source and e.status_note and e.column
            if e.method.startswith("RIM"):
                assert e.source == "Putzky & Welling 2017"
            elif e.quantized:  # every quantized baseline value comes from Schmidt et al.
                assert e.source == "Schmidt et al. 2016"


# --------------------------------------------------------------------------- transcription

_NUMBER = r"\d+\.\d+"


def _facts_table(text, heading):
    """Rows of the first Markdown table after ``heading`` as lists of cell strings."""
    start = text.index(heading)
    lines = text[start:].splitlines()[1:]
    rows, started = [], False
    for line in lines:
        if line.startswith("|"):
            started = True
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif started:
            break
    return rows[0], rows[2:]  # header, body (skip the |---| line)


@pytest.fixture(scope="module")
def facts_text():
    if not FACTS.is_file():
        pytest.skip(f"FACTS.md not found at {FACTS} (set RIM_FACTS)")
    return FACTS.read_text(encoding="utf-8")


def test_table2_matches_facts_cell_by_cell(facts_text):
    header, body = _facts_table(facts_text, "### Table 2")
    columns = []
    for h in header[1:]:
        sigma, _, bits = h.partition(",")
        columns.append((int(sigma), bool(bits.strip())))
    expected = {}
    for row in body:
        method = row[0]
        for (sigma, quantized), cell in zip(columns, row[1:]):
            outside = re.sub(r"\(.*?\)", "", cell)
            inside = re.findall(r"\((" + _NUMBER + r")\)", cell)
            for testset, found in (("bsd68", re.findall(_NUMBER, outside)), ("bsds300-test", inside)):
                if found:
                    expected[(method, testset, sigma, quantized)] = float(found[0])
    ours = {(e.method, e.testset, e.sigma, e.quantized): e.value for e in load_table(2).entries}
    assert ours == expected


def test_table1_and_table3_match_facts(facts_text):
    _, body = _facts_table(facts_text, "### Table 1")
    expected = {}
    for method, cell in body:
        numbers = re.findall(_NUMBER, cell)
        expected[(method, "cbsd68")] = float(numbers[0])
        if len(numbers) > 1:
            expected[(method, "bsds300-test")] = float(numbers[1])
    ours = {(e.method, e.testset): e.value for e in load_table(1).entries}
    assert ours == expected

    header, body = _facts_table(facts_text, "### Table 3")
    expected = {}
    for row in body:
        scale = int(row[0].lstrip("x"))
        for method, cell in zip(header[1:], row[1:]):
            expected[(method, scale)] = float(cell)
    ours = {(e.method, e.scale): e.value for e in load_table(3).entries if e.known}
    assert ours == expected


# --------------------------------------------------------------------------- files


@pytest.fixture
def table_copy(tmp_path):
    """A writable copy of the reference folder."""
    for t in (1, 2, 3):
        shutil.copy(reference_dir() / f"table{t}.json", tmp_path / f"table{t}.json")
    return tmp_path


def _rewrite(folder, table, change):
    path = folder / f"table{table}.json"
    raw = json.loads(path.read_text())
    change(raw)
    path.write_text(json.dumps(raw))


def test_canonical_copy_is_the_repository_folder():
    assert reference_dir() == REPO / "reference_results"


def test_environment_variable_and_directory_argument(table_copy, monkeypatch):
    _rewrite(table_copy, 1, lambda raw: raw["entries"][0].update(value=1.0))
    assert reference_value(1, "CBM3D", directory=table_copy) == 1.0
    monkeypatch.setenv("RIM_REFERENCE_DIR", str(table_copy))
    assert reference_value(1, "CBM3D") == 1.0


def test_installed_location_is_searched_last(monkeypatch, tmp_path):
    monkeypatch.delenv("RIM_REFERENCE_DIR", raising=False)
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    candidates = reference._candidate_dirs()
    assert candidates[-1] == tmp_path / "share" / "rim_tf" / "reference_results"


def test_missing_folder_and_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="reference tables"):
        load_table(1, directory=tmp_path / "nowhere")
    (tmp_path / "table1.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="table2.json"):
        load_table(2, directory=tmp_path)


@pytest.mark.parametrize(
    "table, change, message",
    [
        (1, lambda raw: raw.pop("entries"), "missing keys"),
        (1, lambda raw: raw.update(schema="v0"), "schema"),
        (1, lambda raw: raw.update(table=2), "holds table 2"),
        (1, lambda raw: raw["entries"][0].pop("source"), r"entries\[0\].*missing keys \['source'\]"),
        (1, lambda raw: raw["entries"][1].update(testset="set14"), r"entries\[1\].*testset"),
        (1, lambda raw: raw["entries"][0].update(value="30.18"), "finite number"),
        (1, lambda raw: raw["entries"][0].update(value=None), "null exactly when"),
        (1, lambda raw: raw["entries"][0].update(quantized="yes"), "quantized"),
        (1, lambda raw: raw["entries"][0].update(colour="rgb"), "unknown keys"),
        (1, lambda raw: raw["entries"].append(dict(raw["entries"][0])), "duplicate cell"),
        (2, lambda raw: raw["entries"][3].pop("sigma"), "need 'sigma'"),
        (3, lambda raw: raw["entries"][0].update(sigma=25), "must not have 'sigma'"),
        (3, lambda raw: raw["entries"][0].update(status="recalled"), "status"),
        (3, lambda raw: raw["stand_ins"]["RIM"].update(method="VDSR"), "stand_ins"),
    ],
)
def test_malformed_files_give_clear_errors(table_copy, table, change, message):
    _rewrite(table_copy, table, change)
    with pytest.raises(ValueError, match=message) as info:
        load_table(table, directory=table_copy)
    assert f"table{table}.json" in str(info.value)


def test_invalid_json_names_the_file(table_copy):
    (table_copy / "table2.json").write_text('{"table": 2,')
    with pytest.raises(ValueError, match=r"table2\.json: not valid JSON"):
        load_table(2, directory=table_copy)


def test_parse_table_accepts_a_minimal_table():
    raw = {
        "schema": "rim_tf.reference/v1", "table": 3, "title": "t", "metric": "PSNR", "unit": "dB",
        "entries": [{"method": "Bicubic", "column": "x2", "testset": "bsd100-sr", "channels": "y",
                     "scale": 2, "quantized": False, "value": 29.55, "status": "confirmed",
                     "source": "Huang et al. 2015"}],
    }
    t = parse_table(raw)
    assert t.methods == ("Bicubic",) and t.entry("Bicubic").value == 29.55
