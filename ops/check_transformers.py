#!/usr/bin/env python3
"""Opens an SPO checkpoint with Hugging Face transformers and compares log-probabilities.

Proves the checkpoint format claim: `model.safetensors` + `config.json` written by the Swift
engine load unchanged as `LlamaForCausalLM`, and give the same next-token log-probabilities
as the Swift engine (exit 1 if any differs by 1e-4 or more).

Usage (torch and transformers in a venv, e.g. .venv-bench/bin/pip install transformers):
    spo score CHECKPOINT_DIR --tokens 1,40,50,60,4 > swift.json
    python ops/check_transformers.py CHECKPOINT_DIR 1,40,50,60,4 swift.json
"""
import json
import sys

import torch
from transformers import LlamaForCausalLM


def main():
    checkpoint, tokens = sys.argv[1], [int(t) for t in sys.argv[2].split(",")]
    model = LlamaForCausalLM.from_pretrained(checkpoint, torch_dtype=torch.float32)
    model.eval()
    with torch.no_grad():
        logits = model(torch.tensor([tokens])).logits[0].double()
    log_probs = torch.log_softmax(logits, dim=-1)
    values = [log_probs[t - 1, tokens[t]].item() for t in range(1, len(tokens))]
    print(json.dumps({"log_probs": values}))
    if len(sys.argv) > 3:
        expected = json.load(open(sys.argv[3]))["log_probs"]
        worst = max(abs(a - b) for a, b in zip(values, expected))
        print(f"max |transformers - swift| = {worst:.2e}", file=sys.stderr)
        sys.exit(0 if worst < 1e-4 else 1)


if __name__ == "__main__":
    main()
