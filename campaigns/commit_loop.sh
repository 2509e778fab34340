#!/usr/bin/env bash
# Commit the campaign folders every INTERVAL seconds (default 1200) while trainings run, so a
# session that ends abruptly loses at most that much. Waits for a quiet moment (no file of the
# folder changed in the last 20 s: a checkpoint is never committed half-written).
#   nohup bash campaigns/commit_loop.sh > /dev/null 2>&1 &      (from the repository root)
set -u
INTERVAL="${INTERVAL:-1200}"
while true; do
  sleep "$INTERVAL"
  for i in $(seq 1 30); do
    recent=$(find campaigns -newermt "-20 seconds" -type f ! -path "*/tensorboard/*" ! -name "*.log" | head -1)
    [ -z "$recent" ] && break
    sleep 5
  done
  git add campaigns 2>/dev/null || continue
  if ! git diff --cached --quiet -- campaigns; then
    status=$(for d in campaigns/*/; do [ -f "$d/history.jsonl" ] && python scripts/campaign_status.py "$d" 2>/dev/null; done | head -3 | cut -c1-300)
    git commit -q -m "campaigns: snapshot $(date -u +%H:%M)" -m "$status" -- campaigns || true
  fi
done
