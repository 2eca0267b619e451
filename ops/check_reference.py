#!/usr/bin/env python3
"""Holds the PyTorch benchmark model and the NumPy reference equal.

For a few small random models (tied F32; untied BF16 and F16 with head_dim != D/H and
3 query heads per key/value head) this writes config.json + model.safetensors, runs
Tests/Reference/llama_reference.py on them, and asserts that log-probabilities,
entropies and logits of ops/bench_torch.py's Llama agree with it within 1e-4 in float32
and within 1e-9 when the torch model runs in float64 (same semantics, not just close).
It also checks that the benchmark's KV-cache path (prefill, a chunk at a non-zero start,
single-token steps) reproduces the full forward pass. Needs torch: run it with .venv-bench/bin/python (see bench-model.sh).
"""
import json
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
from bench_torch import ROOT, Llama, load_config  # noqa: E402

REFERENCE = ROOT / "Tests/Reference/llama_reference.py"
TOLERANCE = {torch.float32: 1e-4, torch.float64: 1e-9}
TEMPERATURE = 0.7
SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}


def write_safetensors(path, tensors):
    """Writes {name: tensor} as safetensors: u64 LE header length, JSON header
    {name: {dtype, shape, data_offsets}}, padded with spaces to 8 bytes, then the data."""
    header, chunks, offset = {}, [], 0
    for name, tensor in tensors.items():
        data = tensor.contiguous().view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": SAFETENSORS_DTYPES[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(chunks))


def random_model(config, dtype, seed):
    """A Llama with weights large enough for non-uniform logits, rounded to `dtype`."""
    generator = torch.Generator().manual_seed(seed)
    model = Llama(config)
    model.init_weights(0.2, generator)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 1:                                   # norm weights: away from 1
                p.copy_(torch.rand(p.shape, generator=generator) + 0.5)
            p.copy_(p.to(dtype).float())                       # what the file will hold
    return model.eval()


def save_checkpoint(model, config, dtype, directory):
    (directory / "config.json").write_text(json.dumps(config, indent=2))
    tied = config.get("tie_word_embeddings", False)
    tensors = {name: t.to(dtype) for name, t in model.state_dict().items()
               if not (tied and name == "lm_head.weight")}
    write_safetensors(directory / "model.safetensors", tensors)


def torch_outputs(model, sequences):
    """Per sequence: logits [n, V], log_probs [n-1], entropies [n-1] (float64)."""
    outputs = []
    with torch.inference_mode():
        for tokens in sequences:
            logits = model(torch.tensor([tokens]))[0].double()                 # [n, V]
            log_p = torch.log_softmax(logits / TEMPERATURE, dim=-1)
            targets = torch.tensor(tokens[1:], dtype=torch.long)
            outputs.append({
                "logits": logits,
                "log_probs": log_p[torch.arange(len(targets)), targets],
                "entropies": -(log_p.exp() * log_p).sum(-1)[:-1],
            })
    return outputs


def run_reference(directory, sequences):
    request = directory / "input.json"
    request.write_text(json.dumps({"temperature": TEMPERATURE, "sequences": sequences, "return_logits": True}))
    completed = subprocess.run([sys.executable, str(REFERENCE), str(directory), str(request)],
                               capture_output=True, text=True)
    if completed.returncode != 0:
        sys.exit(f"{REFERENCE} failed ({completed.returncode}):\n{completed.stderr}")
    return json.loads(completed.stdout)


def max_difference(ours, theirs):
    """Largest |a - b| over matching rows; lengths must match too."""
    assert len(ours) == len(theirs), f"{len(ours)} sequences vs {len(theirs)}"
    worst = 0.0
    for a, b in zip(ours, theirs):
        b = torch.tensor(b, dtype=torch.float64)
        assert a.shape == b.shape, f"shape {tuple(a.shape)} vs {tuple(b.shape)}"
        worst = max(worst, (a - b).abs().max().item() if a.numel() else 0.0)
    return worst


def check_against_reference(name, config, dtype, sequences):
    model = random_model(config, dtype, seed=len(name))
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        save_checkpoint(model, config, dtype, directory)
        reference = run_reference(directory, sequences)
    for precision in (torch.float32, torch.float64):
        outputs = torch_outputs(model.to(precision), sequences)
        for key in ("log_probs", "entropies", "logits"):
            difference = max_difference([o[key] for o in outputs], reference[key])
            print(f"{name:<26} {str(precision)[6:]:<8} {key:<10} max |torch - reference| = {difference:.2e}")
            assert difference < TOLERANCE[precision], \
                f"{name}, torch {precision}: {key} differ by {difference:.3e} (tolerance {TOLERANCE[precision]})"
    return model.float()


def check_cache_path(model, length=40, prompt=8, chunk=8):
    """Prefill `prompt` tokens, then a `chunk` at a non-zero start, then single tokens;
    the logits must match one full forward pass in float64 (exactly, 1e-9 tolerance)
    and in float32 (within 1e-4 of that float64 truth)."""
    tokens = torch.randint(0, model.c["vocab"], (2, length), generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        truth = model.double()(tokens)                                      # [2, length, V]
        for precision in (torch.float64, torch.float32):
            model.to(precision)
            cache = model.new_cache(2, length)
            pieces = [model(tokens[:, :prompt], cache, 0), model(tokens[:, prompt:prompt + chunk], cache, prompt)]
            pieces += [model(tokens[:, t:t + 1], cache, t) for t in range(prompt + chunk, length)]
            difference = (torch.cat(pieces, dim=1).double() - truth).abs().max().item()
            print(f"{'kv-cache path':<26} {str(precision)[6:]:<8} {'logits':<10} max |cached - full f64|  = {difference:.2e}")
            assert difference < TOLERANCE[precision], \
                f"KV-cache logits ({precision}) differ from the float64 full pass by {difference:.3e}"


def main():
    torch.set_num_threads(2)
    tiny = load_config(ROOT / "configs/models/tiny.json")
    grouped = dict(tiny, hidden_size=48, intermediate_size=96, num_hidden_layers=2,
                   num_attention_heads=6, num_key_value_heads=2, head_dim=16, vocab_size=64,
                   rope_theta=500.0, tie_word_embeddings=False)
    sequences = [[1, 5, 9, 33, 7, 7, 100, 2, 64, 12, 90, 3, 45, 46, 47, 0, 127, 8, 8, 31, 19, 77, 2],
                 [1, 60, 4, 4, 4, 120, 11, 2, 50], [1]]
    small_sequences = [[t % 64 for t in s] for s in sequences]
    model = check_against_reference("tiny, tied, F32", tiny, torch.float32, sequences)
    check_against_reference("untied, head_dim 16, BF16", grouped, torch.bfloat16, small_sequences)
    check_against_reference("untied, head_dim 16, F16", grouped, torch.float16, small_sequences)
    check_cache_path(model)
    print("ok")


if __name__ == "__main__":
    main()
