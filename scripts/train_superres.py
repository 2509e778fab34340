#!/usr/bin/env python
"""Train the super-resolution RIM for scales 2, 3 and 4 at once (Table 3).

    python scripts/train_superres.py                         # ~30 min on a 2-core CPU (preset quick, reduced budget)
    python scripts/train_superres.py --preset cpu            # the long CPU training: 8 h, over several sittings
    python scripts/train_superres.py --preset paper          # the paper's setup (GPU)
    python scripts/train_superres.py --out runs/X --resume  # continue a stopped or killed run (its own settings)
"""
from rim_tf.training.cli import main

if __name__ == "__main__":
    main("superres", description=__doc__)
