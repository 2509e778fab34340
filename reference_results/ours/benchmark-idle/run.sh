#!/usr/bin/env bash
# Bare training-step throughput at the pilot sizes (T=10, batch 16, 32x32) and at paper size,
# float32 and mixed_bfloat16, one process at a time on an otherwise idle machine.
#   bash reference_results/ours/benchmark-idle/run.sh   (from the repository root)
set -euo pipefail
OUT=reference_results/ours/benchmark-idle
for precision in float32 mixed_bfloat16; do
  for size in "32 64" "48 96" "64 128"; do
    set -- $size
    python scripts/benchmark.py --hidden-features "$1" --gru-features "$2" --steps 10 --batch-size 16 \
      --iterations 5 --skip-plain --precision "$precision" --json "$OUT/${1}x${2}-T10-$precision.json"
  done
done
python scripts/benchmark.py --iterations 2 --skip-plain --precision float32 --json "$OUT/paper-float32.json"
