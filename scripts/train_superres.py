#!/usr/bin/env python
"""Train the super-resolution RIM for scales 2, 3 and 4 at once (Table 3).

    python scripts/train_superres.py --preset cpu            # ~30 min on a 2-core CPU (reduced budget)
    python scripts/train_superres.py --preset paper          # the paper's setup (GPU)
    python scripts/train_superres.py --preset cpu --resume   # continue a killed run
"""
from rim_tf.training.cli import main

if __name__ == "__main__":
    main("superres", description=__doc__)
