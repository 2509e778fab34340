#!/usr/bin/env python
"""Train the RIM-3task on random projections (section 3.1); --model gdn|ffn trains the ablations.

    python scripts/train_3task.py                         # ~30 min on a 2-core CPU (preset quick, reduced budget)
    python scripts/train_3task.py --preset cpu            # the long CPU training: 8 h, over several sittings
    python scripts/train_3task.py --preset paper          # the paper's setup (GPU)
    python scripts/train_3task.py --out runs/X --resume  # continue a stopped or killed run (its own settings)
"""
from rim_tf.training.cli import main

if __name__ == "__main__":
    main("3task", description=__doc__)
