#!/usr/bin/env python3
"""Taps edges of a running SPO pipeline and checks every message against docs/protocol.md.

Written from the document only (sections 2-7 and 13), with pyzmq and msgpack: it reads the
tap endpoints from the run's resolved spec, subscribes to one side of each edge asked for
(a work queue where it is consumed, a broadcast where it is published), and decodes each
tap message: the two frames, the envelope's keys and types, the body of the message type
the edge carries, and every numeric array's dtype, shape and byte length.

    python3 Tests/Python/tap_decode.py RUN_DIRECTORY rollouts=12 samples=8 --timeout 60

Prints one JSON object with, per edge, the messages checked and what they held; exits 1
with the first violation, or when an edge stays silent for --timeout seconds.
"""

import argparse
import json
import math
import sys
import time

import msgpack
import numpy as np
import zmq

DTYPES = {"f32": ("<f4", 4), "i32": ("<i4", 4), "i64": ("<i8", 8), "u8": ("u1", 1)}
TYPE_NAMES = {1: "prompt_batch", 2: "rollout", 3: "segmented_rollout", 4: "valued_rollout",
              5: "training_sample", 6: "weights_announcement", 7: "weights_chunk", 8: "control", 9: "metrics"}
EDGE_TYPES = {"prompts": {1}, "rollouts": {2}, "segmented": {3}, "valued": {4}, "samples": {5},
              "weights": {6, 7}, "control": {8}, "metrics": {8, 9}}


class Violation(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Violation(what)


def array(value, field, dtype, length=None):
    """A numeric array of section 6: a map {dtype, shape, data}, rank 1 in version 1."""
    check(isinstance(value, dict), f"{field}: not a map")
    check(value.get("dtype") == dtype, f"{field}: dtype {value.get('dtype')!r}, expected {dtype}")
    shape = value.get("shape")
    check(isinstance(shape, list) and len(shape) == 1 and all(isinstance(d, int) and d >= 0 for d in shape),
          f"{field}: shape {shape!r}, expected [n]")
    data = value.get("data")
    numpy_type, size = DTYPES[dtype]
    check(isinstance(data, bytes) and len(data) == shape[0] * size,
          f"{field}: {len(data) if isinstance(data, bytes) else type(data).__name__} data bytes for shape {shape} of {dtype}")
    if length is not None:
        check(shape[0] == length, f"{field}: {shape[0]} elements, expected {length}")
    return np.frombuffer(data, dtype=numpy_type)


def check_envelope(message, run_id):
    check(isinstance(message, dict), "payload is not a map")
    check(message.get("protocol") == "spo", f"protocol {message.get('protocol')!r}")
    check(message.get("version") == 1, f"version {message.get('version')!r}")
    check(message.get("type") in TYPE_NAMES, f"type {message.get('type')!r}")
    check(message.get("run_id") == run_id, f"run_id {message.get('run_id')!r}, expected {run_id!r}")
    for key in ("message_id", "stage"):
        check(isinstance(message.get(key), str) and message[key], f"{key} {message.get(key)!r}")
    check(isinstance(message.get("parent_ids"), list) and all(isinstance(p, str) for p in message["parent_ids"]),
          "parent_ids")
    for key in ("replica", "iteration", "policy_version"):
        check(isinstance(message.get(key), int) and message[key] >= 0, f"{key} {message.get(key)!r}")
    check(isinstance(message.get("created_at"), float) and math.isfinite(message["created_at"]), "created_at")
    check(isinstance(message.get("body"), dict), "body is not a map")


def check_rollout(body, facts):
    prompt = array(body["prompt_tokens"], "prompt_tokens", "i32")
    response = array(body["response_tokens"], "response_tokens", "i32")
    log_probs = array(body["log_probs"], "log_probs", "f32", len(response))
    check(len(prompt) >= 1, "empty prompt")
    check(bool(np.all(log_probs <= 0)), "a log-probability above 0")
    check(isinstance(body["reward"], float) and math.isfinite(body["reward"]), "reward")
    check(body["stop_reason"] in ("eos", "length", "stop_sequence"), f"stop_reason {body['stop_reason']!r}")
    check(isinstance(body["sample_index"], int) and body["sample_index"] >= 0, "sample_index")
    check(isinstance(body["temperature"], float) and body["temperature"] >= 0, "temperature")
    for key in ("prompt_id", "group_id"):
        check(isinstance(body[key], str) and body[key], key)
    facts["response_tokens"] = facts.get("response_tokens", 0) + len(response)
    return len(response)


def check_segmented(body, facts):
    length = check_rollout(body["rollout"], facts)
    boundaries = array(body["boundaries"], "boundaries", "i32")
    check(len(boundaries) >= 2 and boundaries[0] == 0 and boundaries[-1] == length
          and bool(np.all(np.diff(boundaries) > 0)), f"boundaries {boundaries.tolist()} for {length} tokens")
    mask = array(body["token_mask"], "token_mask", "u8", length)
    check(set(mask.tolist()) <= {0, 1}, "token_mask values")
    return len(boundaries)


def check_body(kind, body, facts):
    if kind == 1:
        check(len(body["prompts"]) >= 1 and body["samples_per_prompt"] >= 1, "empty prompt batch")
        for prompt in body["prompts"]:
            check(len(array(prompt["tokens"], "tokens", "i32")) >= 1, "empty prompt")
    elif kind == 2:
        check_rollout(body, facts)
    elif kind == 3:
        check_segmented(body, facts)
    elif kind == 4:
        boundary_count = check_segmented(body["segmented"], facts)
        values = array(body["boundary_values"], "boundary_values", "f32")
        check(len(values) in (0, boundary_count), "boundary_values length")
        array(body["rollout_counts"], "rollout_counts", "i32", len(values))
    elif kind == 5:
        tokens = array(body["tokens"], "tokens", "i32")
        length = len(tokens)
        prompt_length = body["prompt_length"]
        check(isinstance(prompt_length, int) and 0 <= prompt_length <= length, f"prompt_length {prompt_length!r}")
        mask = array(body["loss_mask"], "loss_mask", "u8", length)
        advantages = array(body["advantages"], "advantages", "f32", length)
        old = array(body["old_log_probs"], "old_log_probs", "f32", length)
        check(set(mask.tolist()) <= {0, 1} and not mask[:prompt_length].any(), "loss_mask on prompt tokens")
        check(not advantages[mask == 0].any() and not old[mask == 0].any(), "values where the loss mask is 0")
        facts["loss_tokens"] = facts.get("loss_tokens", 0) + int(mask.sum())
    elif kind == 6:
        check(isinstance(body["version"], int) and isinstance(body["format"], str), "announcement")
        check(("path" in body) != ("chunk_count" in body), "exactly one of path and chunk_count")
        check(body["checksum"].startswith("crc32:") and len(body["checksum"]) == 14, "checksum")
    elif kind == 8:
        check(body["kind"] in ("start", "stop", "iteration", "heartbeat", "ack", "resend_weights"), f"control kind {body['kind']!r}")
        if body["kind"] == "ack":
            check(len(body["acknowledged_ids"]) >= 1, "empty ack")
        facts.setdefault("control_kinds", {})
        facts["control_kinds"][body["kind"]] = facts["control_kinds"].get(body["kind"], 0) + 1
    elif kind == 9:
        check(all(isinstance(k, str) and isinstance(v, (int, float)) for k, v in body["values"].items()), "metrics")


class EdgeTap:
    """A SUB socket on the taps that carry one side of an edge (docs/protocol.md section 13)."""

    def __init__(self, context, spec, edge, count):
        self.spec, self.edge, self.count = spec, edge, count
        described = spec["edges"][edge]
        self.side = "received" if described["pattern"] == "push_pull" else "sent"
        participants = described["consumers"] if self.side == "received" else described["producers"]
        taps = [tap for tap in spec["taps"] if tap["participant"] in participants]
        self.processes = {"driver" if t["participant"] == "driver" else f"{t['participant']}.{t['replica']}"
                          for t in taps}
        self.socket = context.socket(zmq.SUB)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.MAXMSGSIZE, (64 << 20) + (1 << 20))
        self.socket.setsockopt(zmq.SUBSCRIBE, f"{edge}/{self.side}/".encode())
        for tap in taps:
            self.socket.connect(tap["connect"])
        self.facts = {"side": self.side, "messages": 0, "types": {}}
        self.last_arrival = time.monotonic()

    @property
    def done(self):
        return self.facts["messages"] >= self.count

    def take(self):
        """Checks one tap message."""
        frames = self.socket.recv_multipart()
        self.last_arrival = time.monotonic()
        check(len(frames) == 2, f"{len(frames)} frames, expected [topic, payload]")
        topic_edge, topic_side, process = frames[0].decode().split("/")
        check((topic_edge, topic_side) == (self.edge, self.side) and process in self.processes, f"topic {frames[0]!r}")
        message = msgpack.unpackb(frames[1], raw=False)
        check_envelope(message, self.spec["name"])
        check(message["type"] in EDGE_TYPES[self.edge], f"type {message['type']} on edge {self.edge}")
        check_body(message["type"], message["body"], self.facts)
        self.facts["messages"] += 1
        name = TYPE_NAMES[message["type"]]
        self.facts["types"][name] = self.facts["types"].get(name, 0) + 1


def tap_edges(context, spec, counts, timeout):
    """Checks `counts[edge]` messages of every edge at once; returns what they held."""
    taps = {edge: EdgeTap(context, spec, edge, count) for edge, count in counts.items()}
    poller = zmq.Poller()
    for tap in taps.values():
        poller.register(tap.socket, zmq.POLLIN)
    while not all(tap.done for tap in taps.values()):
        ready = dict(poller.poll(100))
        for tap in taps.values():
            if not tap.done and tap.socket in ready:
                tap.take()
            if not tap.done and time.monotonic() - tap.last_arrival > timeout:
                raise Violation(f"edge {tap.edge}: {tap.facts['messages']} of {tap.count} messages, "
                                f"then nothing for {timeout} s from {sorted(tap.processes)}")
    return {edge: tap.facts for edge, tap in taps.items()}


def main():
    parser = argparse.ArgumentParser(description="Tap edges of a running SPO pipeline and check their messages.")
    parser.add_argument("run", help="the run directory (holding resolved-spec.json)")
    parser.add_argument("edges", nargs="+", help="EDGE=COUNT, e.g. rollouts=12")
    parser.add_argument("--timeout", type=float, default=60, help="seconds an edge may stay silent")
    options = parser.parse_args()
    deadline = time.monotonic() + options.timeout
    spec_path = f"{options.run}/resolved-spec.json"
    while True:  # the run writes its resolved spec when it starts
        try:
            with open(spec_path) as file:
                spec = json.load(file)
            break
        except (FileNotFoundError, json.JSONDecodeError):
            if time.monotonic() > deadline:
                sys.exit(f"no resolved spec at {spec_path}")
            time.sleep(0.05)
    counts = {edge: int(count) for edge, count in (item.split("=") for item in options.edges)}
    try:
        report = tap_edges(zmq.Context(), spec, counts, options.timeout)
    except (Violation, KeyError, TypeError, ValueError) as error:
        print(f"tap_decode.py: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(report, sort_keys=True))


if __name__ == "__main__":
    main()
