#!/usr/bin/env bash
# (h) Language model: `tessera train` vs Hugging Face transformers' GPT-2 (bench/lm_transformers.py)
# at the nanoGPT "CPU" shape (4 layers, 4 heads, n_embd 128, window 64, batch 12, dropout 0) on the
# English corpus, the same number of steps and optimizer settings, in one run. Reports each side's
# final validation loss (target: within 0.05 nats) and training tokens/s (target: ours >= 1.2x).
#
#   bench/run_lm.sh [BUILD_DIR]        # needs BUILD_DIR/tessera; STEPS=2000 THREADS=2 by default
set -euo pipefail

BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[[ $BUILD = /* ]] || BUILD="$ROOT/$BUILD"
PY=${PYTHON:-/opt/tessera/venv/bin/python}
DATA=${BENCH_DATA:-/tmp/tessera-bench}
STEPS_PER_EPOCH=${STEPS_PER_EPOCH:-250}
EPOCHS=${EPOCHS:-8}                 # 2000 steps, nanoGPT's CPU example
WARMUP_STEPS=${WARMUP_STEPS:-100}
THREADS=${THREADS:-2}
RESULTS=${RESULTS:-$ROOT/bench/RESULTS.md}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}  # see bench/run.sh: spinning threads on a shared box

mkdir -p "$DATA"
CORPUS="$DATA/corpus-en/fortunes.txt"
[[ -f "$CORPUS" ]] || "$BUILD/tessera" prepare corpus-en --out "$DATA/corpus-en"
STEPS=$((STEPS_PER_EPOCH * EPOCHS))
WARMUP_EPOCHS=$("$PY" -c "print($WARMUP_STEPS / $STEPS_PER_EPOCH)")

echo "== tessera: $STEPS steps"
rm -rf "$DATA/lm-runs"
"$BUILD/tessera" train configs/lm_char_en.yaml \
  --set data.train="$CORPUS" --set data.val= --set data.test= --set runtime.output_dir="$DATA/lm-runs" \
  --set runtime.name=bench --set runtime.threads="$THREADS" --set runtime.seed=0 \
  --set model.context=64 --set model.n_layer=4 --set model.n_head=4 --set model.n_embd=128 --set model.dropout=0 \
  --set model.bias=true --set model.tie_embeddings=true --set data.batch_size=12 \
  --set text.tokenizer=char --set text.val_fraction=0.1 --set text.steps_per_epoch="$STEPS_PER_EPOCH" \
  --set train.epochs="$EPOCHS" --set train.eval_every="$EPOCHS" --set train.grad_clip=1.0 \
  --set optim.name=adamw --set optim.lr=0.001 --set optim.min_lr=0.0001 --set optim.weight_decay=0.1 \
  --set optim.betas=[0.9,0.99] --set optim.scheduler=cosine --set optim.warmup_epochs="$WARMUP_EPOCHS" | tail -4
read -r OURS_LOSS OURS_RATE < <("$PY" - "$DATA/lm-runs/bench/metrics.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
seconds = sum(r["train_seconds"] for r in rows)
tokens = sum(r["train_seconds"] * r["train_tokens_per_second"] for r in rows)
print(f'{[r for r in rows if "val_loss" in r][-1]["val_loss"]:.4f} {tokens / seconds:.0f}')
PY
)

echo "== transformers GPT2LMHeadModel: $STEPS steps"
PEER=$("$PY" bench/lm_transformers.py --text "$CORPUS" --steps "$STEPS" --warmup "$WARMUP_STEPS" --threads "$THREADS" |
       tee /dev/stderr | sed -n 's/^RESULT //p')
PEER_LOSS=$(sed -n 's/.*val_loss=\([^ ]*\).*/\1/p' <<<"$PEER")
PEER_RATE=$(sed -n 's/.*tokens_per_second=\([^ ]*\).*/\1/p' <<<"$PEER")

SUMMARY=$("$PY" -c "
o, p, orate, prate = $OURS_LOSS, $PEER_LOSS, $OURS_RATE, $PEER_RATE
print(f'| $(date -u +%F) | $STEPS | {o:.4f} | {p:.4f} | {o - p:+.4f} | {orate:.0f} | {prate:.0f} | {orate / prate:.2f}x |')")
echo "| date | steps | ours val loss | transformers val loss | diff (target within 0.05) | ours tokens/s | transformers tokens/s | ratio (target >= 1.2x) |"
echo "$SUMMARY"
