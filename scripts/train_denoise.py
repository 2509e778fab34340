#!/usr/bin/env python
"""Train the gray-scale denoising RIM (RIM-denoise, Table 2).

    python scripts/train_denoise.py                         # ~30 min on a 2-core CPU (preset quick, reduced budget)
    python scripts/train_denoise.py --preset cpu            # the long CPU training: 8 h, over several sittings
    python scripts/train_denoise.py --preset paper          # the paper's setup (GPU)
    python scripts/train_denoise.py --out runs/X --resume  # continue a stopped or killed run (its own settings)
"""
from rim_tf.training.cli import main

if __name__ == "__main__":
    main("denoise", description=__doc__)
