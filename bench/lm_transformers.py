#!/opt/tessera/venv/bin/python
"""Peer for the language-model benchmark: Hugging Face transformers' GPT2LMHeadModel at the
nanoGPT "CPU" shape, trained the way `tessera train configs/lm_char_en.yaml` trains:

  - the same text and tokenization: NFC, one token per code point, vocabulary = the sorted
    distinct code points + 3 specials (end of text, padding, unknown), as tessera's char tokenizer;
  - the same split: the last val_fraction of the tokens (by position) is validation;
  - the same batches in kind: batch x context windows at uniformly random positions per step;
  - the same optimizer: AdamW (fused off, foreach as PyTorch picks), weight decay only on
    2-D parameters, linear warmup then cosine to min_lr per step, global-norm clipping;
  - the same validation: non-overlapping windows of `context` over the validation tokens, every
    target scored once (tessera's data::evaluation_windows with stride = context).

Prints "RESULT val_loss=<nats/token> tokens_per_second=<training> seconds=<training>".
"""
import argparse
import math
import time
import unicodedata

import torch
from transformers import GPT2Config, GPT2LMHeadModel


def windows(size, context):
    """tessera's evaluation_windows(size, context, stride=context): (start, length, first_scored)."""
    out, scored_until, start_from = [], 0, 0
    while scored_until < size - 1:
        start = min(start_from, max(0, size - 1 - context))
        length = min(context, size - 1 - start)
        out.append((start, length, scored_until + 1))
        scored_until = start + length
        start_from += context
    return out


@torch.no_grad()
def evaluate(model, tokens, context, batch):
    model.eval()
    nll, count = 0.0, 0
    ws = windows(len(tokens), context)
    for i in range(0, len(ws), batch):
        chunk = ws[i:i + batch]
        length = max(w[1] for w in chunk)
        inputs = torch.zeros(len(chunk), length, dtype=torch.long)
        targets = torch.full((len(chunk), length), -100, dtype=torch.long)
        for row, (start, n, first) in enumerate(chunk):
            inputs[row, :n] = tokens[start:start + n]
            t = tokens[start + 1:start + n + 1].clone()
            scored_from = first - (start + 1)
            t[:scored_from] = -100
            targets[row, :n] = t
        logits = model(inputs).logits
        nll += torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1),
                                                 ignore_index=-100, reduction="sum").item()
        count += int((targets != -100).sum())
    model.train()
    return nll / count


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--text", required=True)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--batch", type=int, default=12)
    p.add_argument("--context", type=int, default=64)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--embd", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--min-lr", type=float, default=1e-4)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--beta2", type=float, default=0.99)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--eval-batch", type=int, default=256)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    text = unicodedata.normalize("NFC", open(a.text, encoding="utf-8").read())
    chars = sorted(set(text))
    ids = {c: i for i, c in enumerate(chars)}
    vocab = len(chars) + 3
    tokens = torch.tensor([ids[c] for c in text], dtype=torch.long)
    held = int(len(tokens) * a.val_fraction)
    train, val = tokens[:len(tokens) - held], tokens[len(tokens) - held:]

    config = GPT2Config(vocab_size=vocab, n_positions=a.context, n_layer=a.layers, n_head=a.heads, n_embd=a.embd,
                        activation_function="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                        layer_norm_epsilon=1e-5, tie_word_embeddings=True, bos_token_id=None, eos_token_id=None)
    model = GPT2LMHeadModel(config)
    model.config._attn_implementation = "sdpa"
    decay = [q for q in model.parameters() if q.dim() >= 2]
    no_decay = [q for q in model.parameters() if q.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=a.lr, betas=(0.9, a.beta2))

    def lr_at(step):
        if step < a.warmup:
            return a.lr * (step + 1) / a.warmup
        progress = (step - a.warmup) / max(1, a.steps - a.warmup)
        return a.min_lr + 0.5 * (a.lr - a.min_lr) * (1 + math.cos(math.pi * progress))

    model.train()
    generator = torch.Generator().manual_seed(a.seed)
    offsets = torch.arange(a.context + 1)
    start = time.perf_counter()
    for step in range(a.steps):
        starts = torch.randint(0, len(train) - a.context, (a.batch,), generator=generator)
        window = train[starts[:, None] + offsets]
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        logits = model(window[:, :-1]).logits
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab), window[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        opt.step()
        if step % 250 == 0:
            print(f"step {step}: loss {loss.item():.4f}", flush=True)
    seconds = time.perf_counter() - start
    val_loss = evaluate(model, val, a.context, a.eval_batch)
    tokens_per_second = a.steps * a.batch * a.context / seconds
    print(f"vocab {vocab}, train tokens {len(train)}, val tokens {len(val)}")
    print(f"RESULT val_loss={val_loss:.4f} tokens_per_second={tokens_per_second:.0f} seconds={seconds:.1f}")


if __name__ == "__main__":
    main()
