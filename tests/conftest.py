"""Shared test fixtures: tiny sizes, fixed seeds, and the real data folder when present."""
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]


def _data_dir():
    env = os.environ.get("RIM_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "data")
    for c in candidates:
        if (c / "BSDS300" / "iids_train.txt").exists():
            return c
    return None


@pytest.fixture(scope="session")
def data_dir():
    """The real BSDS300/SelfExSR folder; tests that need it are skipped without it."""
    d = _data_dir()
    if d is None:
        pytest.skip("real data not found: set RIM_DATA to the folder holding BSDS300/ and SelfExSR/")
    return d


@pytest.fixture(scope="module")
def fake_data(tmp_path_factory):
    """A small self-made BSDS300 tree (6 training, 2 test images of 64x96) for trainer tests."""
    from rim_tf.data.synthetic import write_fake_bsds300

    root = tmp_path_factory.mktemp("data")
    write_fake_bsds300(root, n_train=6, n_test=2, size=(64, 96), seed=0)
    return root


@pytest.fixture
def rng():
    return np.random.default_rng(0)
