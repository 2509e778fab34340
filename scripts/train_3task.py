#!/usr/bin/env python
"""Train the RIM-3task on random projections (section 3.1); --model gdn|ffn trains the ablations.

    python scripts/train_3task.py --preset cpu            # ~30 min on a 2-core CPU (reduced budget)
    python scripts/train_3task.py --preset paper          # the paper's setup (GPU)
    python scripts/train_3task.py --preset cpu --resume   # continue a killed run
"""
from rim_tf.training.cli import main

if __name__ == "__main__":
    main("3task", description=__doc__)
