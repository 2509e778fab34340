#!/usr/bin/env python
"""Train the RGB denoising RIM (Table 1).

    python scripts/train_color.py                         # ~30 min on a 2-core CPU (preset quick, reduced budget)
    python scripts/train_color.py --preset cpu            # the long CPU training: 8 h, over several sittings
    python scripts/train_color.py --preset paper          # the paper's setup (GPU)
    python scripts/train_color.py --out runs/X --resume  # continue a stopped or killed run (its own settings)
"""
from rim_tf.training.cli import main

if __name__ == "__main__":
    main("color", description=__doc__)
