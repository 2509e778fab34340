"""The shipped models give the stored outputs: moving code around changed no number.

``tests/data/shipped_outputs.npz`` was written by ``tests/make_shipped_outputs.py`` with the
code as it was before the package was re-roomed (issue 16); every shipped model is loaded
with the public loader and run on the same fixed input again.
"""
import numpy as np
import pytest

from rim_tf.shipped import SHIPPED_NAMES
from tests.make_shipped_outputs import OUTPUTS, compute_outputs


@pytest.fixture(scope="module")
def outputs():
    return compute_outputs()


@pytest.fixture(scope="module")
def stored():
    with np.load(OUTPUTS) as data:
        return dict(data)


def test_every_shipped_name_is_stored(stored):
    assert sorted(stored) == sorted(f"{n}/{k}" for n in SHIPPED_NAMES for k in ("y", "estimates"))


@pytest.mark.parametrize("name", SHIPPED_NAMES)
def test_shipped_outputs_are_identical(name, outputs, stored):
    np.testing.assert_allclose(outputs[f"{name}/y"], stored[f"{name}/y"], rtol=0, atol=1e-6,
                               err_msg=f"{name}: the fixed observation changed")
    np.testing.assert_allclose(outputs[f"{name}/estimates"], stored[f"{name}/estimates"], rtol=0, atol=1e-6,
                               err_msg=f"{name}: the shipped model's estimates changed")
