#!/usr/bin/env bash
# The size pilot of issue 13: the à-trous super-resolution RIM (x2, x3, x4 in one model) at three
# widths (hidden/GRU features), T=10, precision auto, PILOT_MINUTES of wall time each (default
# 12), one after the other (never two trainings at once). Every pilot uses the settings its size
# would use as a long campaign (the `cpu` preset: lr 1e-3 decayed 0.96 every 600 iterations, EMA
# 0.999, 36x36 patches at stride 12, batch 16, Y-channel patches), validated every VAL_EVERY
# iterations on the 500 held-out patches and by Table 3's protocol on 192x192 crops of the 10
# held-out images; the pilot that wins continues as the campaign with --resume.
#   bash campaigns/pilot_sr.sh            # from the repository root; RIM_DATA must be set
set -euo pipefail
MINUTES="${PILOT_MINUTES:-12}"
for size in "32 16 200" "32 32 100" "48 32 80"; do
  set -- $size
  out="campaigns/superres-pilot-${1}x${2}"
  python scripts/train_superres.py --preset cpu --out "$out" --hidden-features "$1" --gru-features "$2" \
    --val-every "$3" --max-minutes "$MINUTES" --no-progress
done
