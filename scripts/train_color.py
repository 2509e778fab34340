#!/usr/bin/env python
"""Train the RGB denoising RIM (Table 1).

    python scripts/train_color.py --preset cpu            # ~30 min on a 2-core CPU (reduced budget)
    python scripts/train_color.py --preset paper          # the paper's setup (GPU)
    python scripts/train_color.py --preset cpu --resume   # continue a killed run
"""
from rim_tf.training.cli import main

if __name__ == "__main__":
    main("color", description=__doc__)
