#!/usr/bin/env python
"""Train the gray-scale denoising RIM (RIM-denoise, Table 2).

    python scripts/train_denoise.py --preset cpu            # ~30 min on a 2-core CPU (reduced budget)
    python scripts/train_denoise.py --preset paper          # the paper's setup (GPU)
    python scripts/train_denoise.py --preset cpu --resume   # continue a killed run
"""
from rim_tf.training.cli import main

if __name__ == "__main__":
    main("denoise", description=__doc__)
