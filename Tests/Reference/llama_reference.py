#!/usr/bin/env python3
"""Independent NumPy reference of the Llama forward pass (Hugging Face semantics).

The Swift model tests compare against this script; it uses only NumPy and computes in
float64, so its own rounding error is far below the float32 error under test.

Usage:
    python3 llama_reference.py CHECKPOINT_DIR INPUT.json

CHECKPOINT_DIR holds config.json and model.safetensors (F32, F16 or BF16 tensors).
INPUT.json:  {"temperature": 0.7, "sequences": [[1, 5, 9, ...], ...], "return_logits": false}
Output (stdout, JSON), for a sequence of n tokens:
    log_probs[t] = log softmax(logits[t] / temperature)[tokens[t + 1]]   t = 0 .. n-2
    entropies[t] = -sum_v p_v log p_v,  p = softmax(logits[t] / temperature)
    logits       = raw logits (before temperature), n rows of V   (only with return_logits)

Dimension legend: T sequence length, D hidden size, H query heads, K key/value heads,
E head dimension, I intermediate size, V vocabulary size.
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np


def load_safetensors(path):
    """Reads a safetensors file into {name: float64 array}.

    Layout: u64 little-endian N; N bytes of JSON {name: {"dtype", "shape",
    "data_offsets": [begin, end]}} (plus an optional "__metadata__"); then the data
    buffer, which the offsets index. Tensors are little-endian and row-major.
    """
    raw = Path(path).read_bytes()
    (header_length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + header_length])
    data = memoryview(raw)[8 + header_length:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        chunk, dtype = data[begin:end], info["dtype"]
        if dtype == "F32":
            values = np.frombuffer(chunk, "<f4")
        elif dtype == "F16":
            values = np.frombuffer(chunk, "<f2")
        elif dtype == "BF16":  # bfloat16 is the upper half of a float32
            values = (np.frombuffer(chunk, "<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            sys.exit(f"{path}: tensor {name} has dtype {dtype}; this reference reads F32, F16, BF16")
        tensors[name] = values.astype(np.float64).reshape(info["shape"])
    return tensors


def rms_norm(x, weight, eps):
    """x: [T, D], weight: [D]. x * rsqrt(mean(x^2) + eps) * weight."""
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight


def rope(x, theta):
    """Rotary embedding, HF rotate_half convention. x: [heads, T, E]; positions 0..T-1.

    Pairs are (x[j], x[j + E/2]) rotated by angle pos * theta^(-2j/E).
    """
    _, length, head_dim = x.shape
    half = head_dim // 2
    inv_freq = theta ** (-2.0 * np.arange(half) / head_dim)           # [E/2]
    angle = np.arange(length)[:, None] * inv_freq[None, :]            # [T, E/2]
    cos, sin = np.cos(angle), np.sin(angle)
    first, second = x[..., :half], x[..., half:]
    return np.concatenate([first * cos - second * sin, second * cos + first * sin], axis=-1)


def forward(tokens, weights, config):
    """Logits [T, V] of one sequence of token ids (positions start at 0)."""
    def w(name):
        if name not in weights:
            sys.exit(f"model.safetensors has no tensor {name}; it has {len(weights)} others, e.g. {next(iter(weights))}")
        return weights[name]

    D = config["hidden_size"]
    H, K = config["num_attention_heads"], config["num_key_value_heads"]
    E = config.get("head_dim") or D // H
    eps, theta = config["rms_norm_eps"], config["rope_theta"]
    T = len(tokens)
    x = w("model.embed_tokens.weight")[tokens]                         # [T, D]
    causal = np.triu(np.ones((T, T), dtype=bool), k=1)                # True above diagonal
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w(p + "input_layernorm.weight"), eps)
        q = (h @ w(p + "self_attn.q_proj.weight").T).reshape(T, H, E).transpose(1, 0, 2)  # [H, T, E]
        k = (h @ w(p + "self_attn.k_proj.weight").T).reshape(T, K, E).transpose(1, 0, 2)  # [K, T, E]
        v = (h @ w(p + "self_attn.v_proj.weight").T).reshape(T, K, E).transpose(1, 0, 2)  # [K, T, E]
        q, k = rope(q, theta), rope(k, theta)
        k, v = np.repeat(k, H // K, axis=0), np.repeat(v, H // K, axis=0)  # head h uses kv head h // (H/K)
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(E)                 # [H, T, T]
        scores[:, causal] = -np.inf
        probs = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs /= probs.sum(axis=-1, keepdims=True)
        attended = (probs @ v).transpose(1, 0, 2).reshape(T, H * E)    # [T, H*E]
        x = x + attended @ w(p + "self_attn.o_proj.weight").T
        h = rms_norm(x, w(p + "post_attention_layernorm.weight"), eps)
        gate = h @ w(p + "mlp.gate_proj.weight").T                     # [T, I]
        up = h @ w(p + "mlp.up_proj.weight").T                         # [T, I]
        x = x + (gate / (1.0 + np.exp(-gate)) * up) @ w(p + "mlp.down_proj.weight").T
    x = rms_norm(x, w("model.norm.weight"), eps)
    tied = config.get("tie_word_embeddings", False)
    head = w("model.embed_tokens.weight" if tied else "lm_head.weight")   # [V, D]
    return x @ head.T                                                  # [T, V]


def check_supported(config, where):
    """Exits with a message when config.json asks for something this reference lacks."""
    if config.get("hidden_act", "silu") != "silu":
        sys.exit(f"{where}: hidden_act is {config['hidden_act']!r}; this reference implements 'silu'")
    if config.get("rope_scaling"):
        sys.exit(f"{where}: rope_scaling is {config['rope_scaling']!r}; this reference implements none")
    for key in ("attention_bias", "mlp_bias"):
        if config.get(key):
            sys.exit(f"{where}: {key} is true; this reference implements bias-free projections")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: python3 llama_reference.py CHECKPOINT_DIR INPUT.json")
    checkpoint, input_path = Path(sys.argv[1]), Path(sys.argv[2])
    config = json.loads((checkpoint / "config.json").read_text())
    check_supported(config, checkpoint / "config.json")
    weights = load_safetensors(checkpoint / "model.safetensors")
    request = json.loads(input_path.read_text())
    temperature = float(request["temperature"])
    if not temperature > 0:
        sys.exit(f"{input_path}: temperature is {temperature}; it must be > 0")
    vocab = config["vocab_size"]
    result = {"log_probs": [], "entropies": []}
    if request.get("return_logits", False):
        result["logits"] = []
    for s, tokens in enumerate(request["sequences"]):
        bad = [t for t in tokens if not 0 <= t < vocab]
        if not tokens or bad:
            sys.exit(f"{input_path}: sequences[{s}] is empty or has ids outside [0, {vocab}): {bad[:5]}")
        logits = forward(np.asarray(tokens), weights, config)          # [T, V]
        z = logits / temperature
        log_p = z - z.max(axis=-1, keepdims=True)
        log_p -= np.log(np.exp(log_p).sum(axis=-1, keepdims=True))    # log softmax, [T, V]
        targets = np.asarray(tokens[1:], dtype=np.int64)
        result["log_probs"].append(log_p[np.arange(len(targets)), targets].tolist())
        result["entropies"].append((-(np.exp(log_p) * log_p).sum(axis=-1))[:-1].tolist())
        if "logits" in result:
            result["logits"].append(logits.tolist())
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
