#!/usr/bin/env bash
# The section 3.1 ablations of issue 14, one after the other within one sitting's budget:
# GDN, then FFN, each at the 3task campaign's settings and budget (preset cpu, seed 0,
# 23,734 iterations, --keep-best protocol). A run that exists is resumed from its committed
# folder; one that has reached its iterations returns at once. FFN starts only if GDN finished
# and at least 10 minutes of the budget are left. Never two trainings at once.
#   MINUTES=140 nohup bash campaigns/ablations.sh >> campaigns/ablations.log 2>&1 &
#   MODELS=ffn MINUTES=140 ... runs only the FFN (GDN was stopped flat at 18,001 iterations)
#   (from the repository root; RIM_DATA must be set; stop with: pkill -TERM -f train_3task.py)
set -euo pipefail
MINUTES="${MINUTES:-140}"
ITERATIONS=23734
start=$(date +%s)
for model in ${MODELS:-gdn ffn}; do
  out="campaigns/3task-$model"
  left=$(( MINUTES - ($(date +%s) - start) / 60 ))
  if [ "$left" -lt 10 ]; then echo "[ablations] $(date -u +%H:%M) $left min left: not starting $model"; break; fi
  if [ -f "$out/config.json" ]; then
    args=(--out "$out" --resume)
  else
    args=(--preset cpu --model "$model" --out "$out")
  fi
  echo "[ablations] $(date -u +%H:%M) $model: ${args[*]} --max-minutes $left"
  python scripts/train_3task.py "${args[@]}" --max-iterations "$ITERATIONS" --max-minutes "$left" --no-progress
  done_iterations=$(python -c "import json,sys; print(json.load(open('$out/model.json'))['iterations'])")
  if [ "$done_iterations" -lt "$ITERATIONS" ]; then
    echo "[ablations] $(date -u +%H:%M) $model stopped at $done_iterations of $ITERATIONS iterations: resume next time"
    break
  fi
done
