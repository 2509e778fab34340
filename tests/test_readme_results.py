"""The README's result tables are the numbers the reproduction scripts wrote.

Each check names a README section, a row label and the JSON in ``reference_results/ours/``
that ``scripts/reproduce_*.py --out`` wrote; the row's cells must be the JSON means rounded
to two decimals, over the whole test set.
"""
import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
OURS = REPO / "reference_results" / "ours"

_T2 = [f"sigma={s}{q}, bsd68" for q in ("", ", 8-bit") for s in (15, 25, 50)]
_F3 = [f"{e} m/n={r}" for e in ("gaussian", "binary", "fourier") for r in ("0.25", "0.50")] + ["inpaint 50% removed"]
CHECKS = [
    # (README section heading, row label, json file, method in the json, settings in column order, images)
    ("### Table 1", "RIM, ours", "table1-full/table1.json", "RIM", ["sigma=25, 8-bit, cbsd68"], 68),
    ("### Table 1", "RIM, ours", "table1-full/table1.json", "RIM", ["sigma=25, 8-bit, cbsd68",
                                                                    "sigma=25, 8-bit, bsds300-test"], None),
    ("### Table 1", "CBM3D, ours", "table1-full/table1.json", "CBM3D", ["sigma=25, 8-bit, cbsd68",
                                                                        "sigma=25, 8-bit, bsds300-test"], None),
    ("### Table 2", "RIM-denoise, ours", "table2-full/table2.json", "RIM-denoise", _T2, 68),
    ("### Table 2", "RIM-3task, ours", "table2-full/table2.json", "RIM-3task", _T2, 68),
    ("### Table 2", "BM3D, ours", "table2-full/table2.json", "BM3D", _T2, 68),
    ("### Table 3", "Bicubic, ours", "table3-full/table3.json", "Bicubic", ["x2", "x3", "x4"], 100),
    ("### Table 3", "RIM, ours", "table3-full/table3.json", "RIM", ["x2", "x3", "x4"], 100),
] + [("### Figure 3", f"{m}, ours", "figure3-full/figure3.json", m, _F3, 5000) for m in ("RIM", "GDN", "FFN")]


def _section(readme: str, heading: str) -> str:
    start = readme.index(heading + " ")
    rest = readme[start + len(heading):]
    end = re.search(r"^#{1,3} ", rest, flags=re.M)
    return rest if end is None else rest[:end.start()]


def _row(section: str, label: str) -> list:
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].startswith(label):
            return cells[1:]
    raise AssertionError(f"no README row starting with {label!r}")


@pytest.mark.parametrize("heading,label,path,method,settings,images", CHECKS,
                         ids=[f"{c[0][4:]}-{c[1]}" for c in CHECKS])
def test_readme_row_is_what_the_script_wrote(heading, label, path, method, settings, images):
    readme = (REPO / "README.md").read_text()
    record = json.loads((OURS / path).read_text())
    rows = {r["setting"]: r for r in record["rows"] if r["method"] == method}
    expected = []
    for setting in settings:
        row = rows[setting]
        full = images if images is not None else {"cbsd68": 68, "bsds300-test": 100}[setting.split(", ")[-1]]
        assert row["n_images"] == full, f"{path} {method} {setting}: not the whole test set"
        assert not row["note"].startswith("LIMITED")
        expected.append(f"{row['ours']:.2f}")
    assert _row(_section(readme, heading), label)[:len(expected)] == expected
    # reduced-budget numbers sit under a heading that says so
    assert record["run"]["reduced_budget"]
    results = readme.index("## Results with the shipped weights (REDUCED BUDGET)")
    assert results < readme.index(heading + " ") < readme.index("\n## ", results + 1)


def test_readme_names_the_commands_of_every_committed_result():
    """Every folder of reference_results/ours/ appears in its README with the command."""
    index = (OURS / "README.md").read_text()
    for folder in sorted(p.name for p in OURS.iterdir() if p.is_dir()):
        assert f"`{folder}`" in index, f"reference_results/ours/README.md does not describe {folder}/"
