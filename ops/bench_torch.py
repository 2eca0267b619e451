#!/usr/bin/env python3
"""PyTorch CPU baseline for the Swift model: training, prefill and decode throughput.

A plain-PyTorch Llama (Hugging Face semantics and tensor names, float32) is timed on
the shapes the Swift benchmark uses. Each number is the median of --repeats timed runs
after one untimed warm-up run; "best" holds the same metrics from the fastest run, and
"other_processes_cores" how many cores other processes used meanwhile (two OpenMP
threads slow down sharply when another process takes a core). Run through
ops/bench-model.sh, which owns the venv.

    train    batch 8 x 256 tokens: forward, mean next-token cross-entropy, backward,
             AdamW step, zero_grad.                       tokens/s = 8*256 / step time
    prefill  batch 8 x 256 tokens under inference_mode into a preallocated KV cache,
             logits for the last position only.           tokens/s = 8*256 / time
    decode   batch b (1, 8, 64): 32-token prompt prefilled (untimed), then 64 greedy
             steps of one token per sequence.            tokens/s = b*64 / time

Dimension legend: B batch, T new tokens, S cached positions, D hidden size,
H query heads, K key/value heads, E head dimension, I intermediate size, V vocabulary.
"""
import argparse
import datetime
import json
import os
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIGS = [ROOT / "configs/models/tiny.json", ROOT / "configs/models/smollm2-135m.json"]


METRIC_TIMES = {"train_tokens_per_s": "train", "prefill_tokens_per_s": "prefill",
                "decode_tokens_per_s_b1": "decode_b1", "decode_tokens_per_s_b8": "decode_b8",
                "decode_tokens_per_s_b64": "decode_b64"}


class RMSNorm(nn.Module):
    """x * rsqrt(mean(x^2) + eps) * weight over the last dimension. weight: [D]."""

    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate(x, cos, sin):
    """RoPE, HF rotate_half: pairs (x[j], x[j+E/2]). x: [B, heads, T, E]; cos, sin: [T, E]."""
    first, second = x.chunk(2, dim=-1)
    return x * cos + torch.cat((-second, first), dim=-1) * sin


class Attention(nn.Module):
    """Causal grouped-query attention; query head h reads key/value head h // (H/K)."""

    def __init__(self, c):
        super().__init__()
        self.H, self.K, self.E = c["heads"], c["kv_heads"], c["head_dim"]
        self.q_proj = nn.Linear(c["hidden"], self.H * self.E, bias=False)  # [H*E, D]
        self.k_proj = nn.Linear(c["hidden"], self.K * self.E, bias=False)  # [K*E, D]
        self.v_proj = nn.Linear(c["hidden"], self.K * self.E, bias=False)  # [K*E, D]
        self.o_proj = nn.Linear(self.H * self.E, c["hidden"], bias=False)  # [D, H*E]

    def forward(self, x, cos, sin, cache=None, start=0):
        """x: [B, T, D] at positions start..start+T-1; cache: (keys, values), each
        [B, K, max_len, E], written in place at those positions."""
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.H, self.E).transpose(1, 2)   # [B, H, T, E]
        k = self.k_proj(x).view(B, T, self.K, self.E).transpose(1, 2)   # [B, K, T, E]
        v = self.v_proj(x).view(B, T, self.K, self.E).transpose(1, 2)   # [B, K, T, E]
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        if cache is not None:
            cache[0][:, :, start:start + T] = k
            cache[1][:, :, start:start + T] = v
            k, v = cache[0][:, :, :start + T], cache[1][:, :, :start + T]  # [B, K, S, E]
        if T == 1:
            # One query per sequence sees every cached key: fold the G = H/K query heads
            # of a group into the query axis of its key/value head (no copies, no mask).
            out = F.scaled_dot_product_attention(q.reshape(B, self.K, self.H // self.K, self.E), k, v)
        elif start == 0:
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
        else:
            keys_visible = torch.arange(start + T) <= start + torch.arange(T)[:, None]  # [T, S]
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=keys_visible, enable_gqa=True)
        return self.o_proj(out.reshape(B, self.H, T, self.E).transpose(1, 2).reshape(B, T, self.H * self.E))


class MLP(nn.Module):
    """down(silu(gate(x)) * up(x))."""

    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c["hidden"], c["intermediate"], bias=False)  # [I, D]
        self.up_proj = nn.Linear(c["hidden"], c["intermediate"], bias=False)    # [I, D]
        self.down_proj = nn.Linear(c["intermediate"], c["hidden"], bias=False)  # [D, I]

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    """Pre-norm residual block: x += attn(norm(x)); x += mlp(norm(x))."""

    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c["hidden"], c["eps"])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c["hidden"], c["eps"])
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, cache=None, start=0):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, cache, start)
        return x + self.mlp(self.post_attention_layernorm(x))


class Body(nn.Module):
    """Embedding, layers and final norm: the HF `model.` prefix."""

    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab"], c["hidden"])  # [V, D]
        self.layers = nn.ModuleList(Layer(c) for _ in range(c["layers"]))
        self.norm = RMSNorm(c["hidden"], c["eps"])


class Llama(nn.Module):
    """Llama causal LM; state_dict names match Hugging Face LlamaForCausalLM."""

    def __init__(self, config):
        super().__init__()
        hidden, heads = config["hidden_size"], config["num_attention_heads"]
        self.c = c = {
            "hidden": hidden, "intermediate": config["intermediate_size"],
            "layers": config["num_hidden_layers"], "heads": heads,
            "kv_heads": config["num_key_value_heads"], "vocab": config["vocab_size"],
            "head_dim": config.get("head_dim") or hidden // heads,
            "eps": config["rms_norm_eps"], "max_len": config["max_position_embeddings"],
        }
        self.model = Body(c)
        self.lm_head = nn.Linear(hidden, c["vocab"], bias=False)  # [V, D]
        if config.get("tie_word_embeddings", False):
            self.lm_head.weight = self.model.embed_tokens.weight
        E = c["head_dim"]
        inv_freq = 1.0 / config["rope_theta"] ** (torch.arange(0, E, 2, dtype=torch.float64) / E)
        angle = torch.outer(torch.arange(c["max_len"], dtype=torch.float64), inv_freq)  # [max_len, E/2]
        angle = torch.cat((angle, angle), dim=-1)                                          # [max_len, E]
        # Plain float64 attributes, not buffers: .to(dtype) must not round them.
        self.cos, self.sin = angle.cos(), angle.sin()

    def init_weights(self, std, generator):
        """Normal(0, std) for every matrix; norm weights stay 1."""
        for p in self.parameters():
            if p.dim() == 2:
                with torch.no_grad():
                    p.normal_(0.0, std, generator=generator)

    def new_cache(self, batch, max_len):
        """Per layer (keys, values), each [B, K, max_len, E], zero-filled, in the weights' dtype."""
        shape = (batch, self.c["kv_heads"], max_len, self.c["head_dim"])
        dtype = self.model.embed_tokens.weight.dtype
        return [(torch.zeros(shape, dtype=dtype), torch.zeros(shape, dtype=dtype)) for _ in range(self.c["layers"])]

    def forward(self, tokens, cache=None, start=0, last_only=False):
        """tokens: [B, T] at positions start..start+T-1. Logits [B, T, V], or [B, V]
        for the last position only when last_only."""
        T = tokens.shape[1]
        x = self.model.embed_tokens(tokens)                                # [B, T, D]
        cos, sin = self.cos[start:start + T].to(x.dtype), self.sin[start:start + T].to(x.dtype)
        for i, layer in enumerate(self.model.layers):
            x = layer(x, cos, sin, None if cache is None else cache[i], start)
        if last_only:
            x = x[:, -1]                                                   # [B, D]
        return self.lm_head(self.model.norm(x))


def load_config(path):
    return json.loads(Path(path).read_text())


def timed(run, repeats):
    """Seconds per call of run(): one untimed warm-up, then `repeats` timed calls."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def bench_config(config, repeats, seed):
    """Measures one model shape; returns the metrics dictionary for the JSON file."""
    generator = torch.Generator().manual_seed(seed)
    model = Llama(config)
    model.init_weights(0.02, generator)
    V = model.c["vocab"]
    random_tokens = lambda *shape: torch.randint(0, V, shape, generator=generator)
    results, times = {}, {}

    # Training step.
    batch, length = 8, 256
    tokens = random_tokens(batch, length)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def train_step():
        logits = model(tokens)                                             # [B, T, V]
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), tokens[:, 1:].reshape(-1))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    model.train()
    times["train"] = timed(train_step, repeats)
    results["train_tokens_per_s"] = batch * length / statistics.median(times["train"])
    del optimizer

    model.eval()
    with torch.inference_mode():
        cache = model.new_cache(batch, length)
        times["prefill"] = timed(lambda: model(tokens, cache, 0, last_only=True), repeats)
        results["prefill_tokens_per_s"] = batch * length / statistics.median(times["prefill"])

        prompt_length, steps = 32, 64
        for b in (1, 8, 64):
            prompt = random_tokens(b, prompt_length)
            cache = model.new_cache(b, prompt_length + steps)
            decode_times = []
            for _ in range(repeats + 1):                                   # first one is warm-up
                next_token = model(prompt, cache, 0, last_only=True).argmax(-1, keepdim=True)
                start = time.perf_counter()
                for step in range(steps):
                    logits = model(next_token, cache, prompt_length + step, last_only=True)
                    next_token = logits.argmax(-1, keepdim=True)           # [b, 1]
                decode_times.append(time.perf_counter() - start)
            times[f"decode_b{b}"] = decode_times[1:]
            results[f"decode_tokens_per_s_b{b}"] = b * steps / statistics.median(decode_times[1:])

    results["parameters"] = sum(p.numel() for p in model.parameters())
    results["times_s"] = {name: [round(t, 5) for t in ts] for name, ts in times.items()}
    # Fastest repetition: the steadier estimate when other processes share the cores.
    results["best"] = {key: value * statistics.median(times[name]) / min(times[name])
                       for key, value in results.items() if (name := METRIC_TIMES.get(key))}
    return results


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def other_processes_cpu_seconds():
    """CPU seconds all cores spent busy (/proc/stat) minus those of this process: a
    running total whose growth rate is how many cores other processes took."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    busy = sum(fields) - fields[3] - fields[4]              # all but idle and iowait
    own = os.times()
    return busy / os.sysconf("SC_CLK_TCK") - own.user - own.system


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", nargs="+", default=DEFAULT_CONFIGS, type=Path,
                        help="config.json files; the file stem names each result (default: tiny, smollm2-135m)")
    parser.add_argument("--repeats", type=int, default=5, help="timed repetitions per measurement (default 5)")
    parser.add_argument("--quick", action="store_true", help="2 timed repetitions instead of --repeats")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed for weights and tokens (default 0)")
    parser.add_argument("--out", type=Path, help="write the results as JSON to this file")
    args = parser.parse_args()
    repeats = 2 if args.quick else args.repeats
    if repeats < 1:
        parser.error(f"--repeats is {repeats}; it must be at least 1")
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)

    report = {
        "torch_version": torch.__version__, "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(), "cpu": cpu_model(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "repeats": repeats, "configs": {},
    }
    headers = ["config", "stat", "params", "train", "prefill", "decode b1", "decode b8", "decode b64", "others"]
    rows = []
    for path in args.configs:
        if not path.is_file():
            parser.error(f"config file {path} does not exist")
        started, busy_before = time.perf_counter(), other_processes_cpu_seconds()
        metrics = bench_config(load_config(path), repeats, args.seed)
        wall = time.perf_counter() - started
        metrics["config"] = str(path)
        metrics["wall_s"] = round(wall, 1)
        metrics["other_processes_cores"] = round((other_processes_cpu_seconds() - busy_before) / wall, 2)
        report["configs"][path.stem] = metrics
        for label, values in (("median", metrics), ("best", metrics["best"])):
            rows.append([path.stem, label, f"{metrics['parameters'] / 1e6:.1f}M"]
                        + [f"{values[c]:.1f}" for c in METRIC_TIMES] + [f"{metrics['other_processes_cores']:.2f}"])
        print(f"{path.stem}: done in {metrics['wall_s']} s", flush=True)

    print(f"\ntorch {report['torch_version']}, {report['threads']} threads, {report['cpu']}, "
          f"{repeats} timed runs each, tokens/s; others = cores used by other processes meanwhile")
    widths = [max(len(r[i]) for r in rows + [headers]) for i in range(len(headers))]
    for row in [headers] + rows:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths)))
    busiest = max(m["other_processes_cores"] for m in report["configs"].values())
    if busiest > 0.1:
        print(f"note: other processes kept up to {busiest:.2f} of {os.cpu_count()} cores busy during "
              "the run; the numbers are noisy (times_s in the JSON has the spread)")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
