#!/opt/tessera/venv/bin/python
"""Reference for gpt_test.cpp: Hugging Face transformers' GPT2LMHeadModel configured to a small
size, with a fixed seed, biases and LayerNorm parameters perturbed (so they are really tested),
one eval forward on fixed tokens. Saves:
  WEIGHTS: the state dict as GPT-2 checkpoints store it (tied lm_head.weight left out, attention
           mask buffers left out), metadata num_params = parameter count (tied counted once)
  IO:      "tokens" (int64) and "logits" (float32)
Usage: gpt2_reference.py VOCAB CONTEXT N_LAYER N_HEAD N_EMBD TIE WEIGHTS IO
"""
import sys

import torch
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel


def main() -> None:
    vocab, context, n_layer, n_head, n_embd, tie = (int(v) for v in sys.argv[1:7])
    weights_path, io_path = sys.argv[7:9]
    torch.manual_seed(1234)
    config = GPT2Config(vocab_size=vocab, n_positions=context, n_layer=n_layer, n_head=n_head, n_embd=n_embd,
                        activation_function="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                        layer_norm_epsilon=1e-5, tie_word_embeddings=bool(tie),
                        bos_token_id=None, eos_token_id=None)
    model = GPT2LMHeadModel(config)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(".bias") or ".ln_" in name or "ln_f" in name:
                p.add_(torch.randn_like(p) * 0.1)
    model.eval()
    tokens = torch.randint(0, vocab, (2, context))
    with torch.no_grad():
        logits = model(tokens).logits.float()
    state = {}
    for k, v in model.state_dict().items():
        if k.endswith(".attn.bias") or k.endswith(".attn.masked_bias"):
            continue  # causal-mask buffers of older versions, not weights
        if k == "lm_head.weight" and tie:
            continue  # the same tensor as transformer.wte.weight
        state[k] = v.contiguous().clone()
    num_params = sum(p.numel() for p in model.parameters())  # parameters() yields a tied tensor once
    save_file(state, weights_path, metadata={"num_params": str(num_params)})
    save_file({"tokens": tokens, "logits": logits}, io_path)


if __name__ == "__main__":
    main()
