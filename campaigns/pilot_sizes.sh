#!/usr/bin/env bash
# The size pilot of issue 11: RIM-denoise at three widths, T=10, precision auto, 30 minutes
# of wall time each (validation every ~5 min), one after the other (never two trainings at once).
# auto is float32 on a CPU without native bfloat16 (10x faster there than emulated bfloat16). Every pilot uses the
# settings its size would use as a long campaign (lr 1e-3 decayed 0.96 every 5000 iterations,
# stride 4, batch 16), so the pilot that wins continues as the campaign with --resume.
#   bash campaigns/pilot_sizes.sh            # from the repository root; RIM_DATA must be set
set -euo pipefail
MINUTES="${PILOT_MINUTES:-30}"
for size in "32 64 450" "48 96 250" "64 128 150"; do
  set -- $size
  out="campaigns/denoise-pilot-${1}x${2}"
  python scripts/train_denoise.py --preset cpu --out "$out" --hidden-features "$1" --gru-features "$2" \
    --steps 10 --precision auto --stride 4 --batch-size 16 --learning-rate 1e-3 \
    --lr-decay-steps 5000 --max-iterations 1000000 --epochs 20 --val-patches 1000 --val-every "$3" \
    --checkpoint-every 100000 --checkpoint-minutes 5 --keep-checkpoints 1 \
    --max-minutes "$MINUTES" --no-progress
done
