#!/usr/bin/env bash
# The GPU path: RIM-denoise at the paper's preset (64/256, T=20, stride 4), time-bounded, its
# checkpoints written under $OUT so that the device tool brings them back. Run on a lent GPU:
#   MINUTES=8 bash campaigns/gpu_paper.sh                   # $OUT and $RIM_DATA set by the caller
# and checked on this CPU with the smoke preset (seconds):
#   OUT=/tmp/gpu-check PRESET=smoke MINUTES=0.5 bash campaigns/gpu_paper.sh
# precision auto = mixed_bfloat16 on a GPU; the batch is the largest the paper's setup
# reasonably uses (a GPU holds far more, but the learning rate was chosen for 32).
set -euo pipefail
: "${OUT:?set OUT to the folder that comes back}"
PRESET="${PRESET:-paper}"
MINUTES="${MINUTES:-8}"
BATCH="${BATCH:-32}"
python -c "import tensorflow as tf; print('devices:', tf.config.list_physical_devices())"
extra=()
if [ "$PRESET" = "paper" ]; then extra=(--checkpoint-minutes 2 --val-every 500); fi
python scripts/train_denoise.py --preset "$PRESET" --out "$OUT/denoise-$PRESET" --precision auto \
  --batch-size "$BATCH" --keep-checkpoints 1 --max-minutes "$MINUTES" --max-iterations 1000000 \
  --no-progress "${extra[@]}"
python scripts/campaign_status.py "$OUT/denoise-$PRESET"
