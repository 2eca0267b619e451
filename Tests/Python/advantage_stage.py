#!/usr/bin/env python3
"""The advantage stage of an SPO pipeline, in Python: GRPO advantages.

A replacement for `spo-advantage`, written from docs/protocol.md, docs/runtime.md and
docs/method.md section 6 only, to show that the documents are a sufficient contract. A
pipeline spec runs it with

    "stages": {"advantage": {"command": ["python3", "Tests/Python/advantage_stage.py"]}}

and the driver starts it as `python3 Tests/Python/advantage_stage.py --spec
RUN/resolved-spec.json --replica N`.

What it does (docs/runtime.md, "Processes", "Delivery" and "A stage in another language"):

- binds its `valued` endpoint (PULL), connects to `samples` (PUSH), `control` (SUB) and
  `metrics` (PUSH), and binds its tap (XPUB, docs/protocol.md section 13);
- gathers the valued rollouts of each group (`group_id`) until its G =
  `sampling.samples_per_prompt` responses are in, then gives response i the advantage
      A_i = (r_i - mean_g r) / (std_g r + eps),   std the population std, eps = std_epsilon
  on every token of its mask, and sends one `training_sample` per response, id
  `sample/<group>/<k>`, laid out as docs/protocol.md section 7 (`training_sample`) says;
- acknowledges an input once its sample is acknowledged downstream (custody), re-sends
  unacknowledged samples every 10 s (60 sends at most) and at once on `start`;
- processes each input id once (in progress: ignore; done: acknowledge again), drops
  inputs of groups already sent or of iterations the driver has left;
- sends the advantage metrics the driver sums per iteration, a heartbeat every second,
  and exits 0 on `stop`, 1 when the driver is silent for 60 s or its parent is gone;
- counts and logs bad input by reason (docs/protocol.md section 10) and keeps going.
"""

import argparse
import json
import math
import os
import sys
import time
import uuid

import msgpack
import numpy as np
import zmq

PROTOCOL, VERSION = "spo", 1
PROMPT_BATCH, ROLLOUT, SEGMENTED, VALUED, SAMPLE, ANNOUNCEMENT, CHUNK, CONTROL, METRICS = range(1, 10)
MAX_PAYLOAD = 64 << 20
DTYPES = {"f32": "<f4", "i32": "<i4", "i64": "<i8", "u8": "u1"}
ACK_TIMEOUT, MAX_ATTEMPTS = 10.0, 60
HEARTBEAT, DRIVER_SILENCE = 1.0, 60.0


def log(line):
    print(line, file=sys.stderr, flush=True)


class Rejected(Exception):
    """Bad input: `reason` is one of docs/protocol.md section 10."""

    def __init__(self, reason, detail):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def to_numpy(array, field, dtype, length=None):
    """A numeric array (docs/protocol.md section 6) of `dtype` and rank 1, checked."""
    if not isinstance(array, dict) or set(("dtype", "shape", "data")) - array.keys():
        raise Rejected("invalid_field", f"{field}: not a numeric array map")
    if array["dtype"] != dtype or not isinstance(array["shape"], list) or len(array["shape"]) != 1:
        raise Rejected("invalid_field", f"{field}: dtype {array['dtype']} shape {array['shape']}, expected {dtype} rank 1")
    values = np.frombuffer(array["data"], dtype=DTYPES[dtype]) if isinstance(array["data"], bytes) else None
    if values is None or values.size != array["shape"][0]:
        raise Rejected("invalid_field", f"{field}: data does not hold shape {array['shape']} of {dtype}")
    if length is not None and values.size != length:
        raise Rejected("invalid_field", f"{field}: {values.size} elements, expected {length}")
    return values


def from_numpy(values, dtype):
    values = np.ascontiguousarray(values, dtype=DTYPES[dtype])
    return {"dtype": dtype, "shape": list(values.shape), "data": values.tobytes()}


def decode(payload, accepted):
    """The message map of a payload, or Rejected with the reason of docs/protocol.md section 10."""
    if len(payload) > MAX_PAYLOAD:
        raise Rejected("oversized", f"{len(payload)} bytes")
    try:
        message = msgpack.unpackb(payload, raw=False, strict_map_key=True)
    except msgpack.exceptions.ExtraData:
        raise Rejected("malformed", "bytes after the value")
    except ValueError as error:  # msgpack reports input that ends early as "incomplete input"
        raise Rejected("truncated" if "incomplete" in str(error) else "malformed", str(error))
    except Exception as error:
        raise Rejected("malformed", str(error))
    if not isinstance(message, dict):
        raise Rejected("malformed", "the payload is not a map")
    if message.get("protocol") != PROTOCOL:
        raise Rejected("wrong_protocol", f"protocol {message.get('protocol')!r}")
    if message.get("version") != VERSION:
        raise Rejected("unsupported_version", f"version {message.get('version')!r}")
    kind = message.get("type")
    if not isinstance(kind, int) or not 1 <= kind <= 9:
        raise Rejected("unknown_type", f"type {kind!r}")
    if kind not in accepted:
        raise Rejected("unexpected_type", f"type {kind}")
    for key, types in (("run_id", str), ("message_id", str), ("parent_ids", list), ("stage", str),
                       ("replica", int), ("iteration", int), ("policy_version", int),
                       ("created_at", (float, int)), ("body", dict)):
        if not isinstance(message.get(key), types):
            raise Rejected("invalid_field", f"envelope {key}: {message.get(key)!r}")
    return message


class Tap:
    """This process's tap (docs/protocol.md section 13): XPUB, publishes only while subscribed."""

    def __init__(self, context, endpoint, process):
        self.socket = context.socket(zmq.XPUB)
        self.socket.setsockopt(zmq.LINGER, 0)
        if endpoint["bind"].startswith("ipc://"):
            os.makedirs(os.path.dirname(endpoint["bind"][len("ipc://"):]) or ".", exist_ok=True)
        self.socket.bind(endpoint["bind"])
        self.process = process
        self.prefixes = set()

    def refresh(self):
        while True:
            try:
                frame = self.socket.recv(zmq.NOBLOCK)
            except zmq.Again:
                return
            if frame[:1] == b"\x01":
                self.prefixes.add(frame[1:])
            elif frame[:1] == b"\x00":
                self.prefixes.discard(frame[1:])

    def publish(self, edge, side, payload):
        if not self.prefixes:
            return
        topic = f"{edge}/{side}/{self.process}".encode()
        if any(topic.startswith(prefix) for prefix in self.prefixes):
            self.socket.send_multipart([topic, payload], zmq.NOBLOCK)


class AdvantageStage:
    def __init__(self, spec, replica):
        self.spec, self.replica = spec, replica
        self.run_id = spec["name"]
        self.group_size = spec["sampling"]["samples_per_prompt"]
        advantage = spec["advantage"]
        if advantage["kind"] != "grpo":
            raise SystemExit(f"advantage_stage.py implements advantage kind grpo, the spec has {advantage['kind']}")
        self.epsilon = advantage["std_epsilon"]
        self.incarnation, self.sequence = uuid.uuid4().hex[:8], 0
        self.context = zmq.Context()
        edges = spec["edges"]
        self.valued = self.socket(zmq.PULL, edges["valued"], bind=True)
        self.samples = self.socket(zmq.PUSH, edges["samples"])
        self.control = self.socket(zmq.SUB, edges["control"])
        self.control.setsockopt(zmq.SUBSCRIBE, b"control")
        self.metrics = self.socket(zmq.PUSH, edges["metrics"])
        tap = next(t for t in spec["taps"] if t["participant"] == "advantage" and t["replica"] == replica)
        self.tap = Tap(self.context, tap, f"advantage.{replica}")
        self.state = {}        # input id -> "open" | "done"
        self.parent = {}       # output id -> input id
        self.pending = {}      # output id -> [payload, deadline, attempts]
        self.unsent = []       # output ids whose first send waits for the socket
        self.gathering = {}    # group -> {sample index: (message, rollout, token mask)}
        self.sent_groups = set()
        self.to_acknowledge = []
        self.drops = {}
        self.accepted = 0
        self.driver_iteration = 0
        self.last_driver_contact = time.monotonic()
        self.parent_pid = os.getppid()

    def socket(self, kind, edge, bind=False):
        socket = self.context.socket(kind)
        socket.setsockopt(zmq.LINGER, 2000)
        if kind in (zmq.PULL, zmq.SUB):
            socket.setsockopt(zmq.MAXMSGSIZE, MAX_PAYLOAD + (1 << 20))
        else:
            socket.setsockopt(zmq.SNDTIMEO, 100)
        for endpoint in edge["endpoints"]:
            if bind and endpoint["replica"] == self.replica:
                socket.bind(endpoint["bind"])
            elif not bind:
                socket.connect(endpoint["connect"])
        return socket

    def envelope(self, kind, body, message_id=None, parents=(), iteration=0, policy_version=0):
        if message_id is None:
            self.sequence += 1
            message_id = f"advantage.{self.replica}.{self.incarnation}.{self.sequence}"
        return {"protocol": PROTOCOL, "version": VERSION, "type": kind, "run_id": self.run_id,
                "message_id": message_id, "parent_ids": list(parents), "stage": "advantage",
                "replica": self.replica, "iteration": iteration, "policy_version": policy_version,
                "created_at": time.time(), "body": body}

    def to_driver(self, message):
        """Best effort, like the Swift stages: the next heartbeat, ack or metric replaces a lost one."""
        payload = msgpack.packb(message)
        try:
            self.metrics.send(payload)
            self.tap.publish("metrics", "sent", payload)
        except zmq.Again:
            log("could not send to the driver (metrics queue full)")

    def acknowledge(self, ids):
        if ids:
            self.to_driver(self.envelope(CONTROL, {"kind": "ack", "acknowledged_ids": ids}, parents=ids,
                                         iteration=self.driver_iteration))

    def drop(self, reason, detail, size):
        self.drops[reason] = self.drops.get(reason, 0) + 1
        log(f"dropped {reason} message ({size} bytes) on the valued queue: {detail}")

    # Work

    def receive_valued(self, frames):
        payload = frames[-1]
        self.tap.publish("valued", "received", payload)
        if len(frames) > 4:
            return self.drop("malformed", f"{len(frames)} frames, at most 4 expected", len(payload))
        try:
            message = decode(payload, {VALUED})
            body = message["body"]
            segmented = body["segmented"]
            rollout = segmented["rollout"]
            response = to_numpy(rollout["response_tokens"], "rollout.response_tokens", "i32")
            member = {
                "prompt": to_numpy(rollout["prompt_tokens"], "rollout.prompt_tokens", "i32"),
                "response": response,
                "log_probs": to_numpy(rollout["log_probs"], "rollout.log_probs", "f32", response.size),
                "mask": to_numpy(segmented["token_mask"], "segmented.token_mask", "u8", response.size),
                "reward": float(rollout["reward"]),
                "stop_reason": rollout["stop_reason"],
                "group": rollout["group_id"],
                "index": rollout["sample_index"],
            }
            if not math.isfinite(member["reward"]) or not isinstance(member["index"], int) or member["index"] < 0:
                raise Rejected("invalid_field", "rollout reward or sample_index")
        except Rejected as rejected:
            return self.drop(rejected.reason, str(rejected), len(payload))
        except (KeyError, TypeError, ValueError) as error:
            return self.drop("invalid_field", f"valued_rollout body: {error!r}", len(payload))
        self.accepted += 1
        self.arrive(message, member)

    def arrive(self, message, member):
        input_id = message["message_id"]
        status = self.state.get(input_id)
        if status == "open":
            return
        if status == "done":
            return self.acknowledge([input_id])
        self.state[input_id] = "open"
        group, index = member["group"], member["index"]
        if (group in self.sent_groups or index in self.gathering.get(group, {}) or index >= self.group_size
                or message["iteration"] < self.driver_iteration):
            log(f"dropping {input_id}: group {group} sample {index} is already in hand, sent or past "
                f"(iteration {message['iteration']}, driver at {self.driver_iteration})")
            return self.finish(input_id)
        self.gathering.setdefault(group, {})[index] = (message, member)
        if len(self.gathering[group]) == self.group_size:
            gathered = self.gathering.pop(group)
            members = [gathered[k] for k in range(self.group_size)]
            self.sent_groups.add(group)
            self.send_group(group, members)

    def finish(self, input_id):
        self.state[input_id] = "done"
        self.to_acknowledge.append(input_id)

    def send_group(self, group, members):
        rewards = np.array([member["reward"] for _, member in members], dtype=np.float64)
        advantages = (rewards - rewards.mean()) / (rewards.std() + self.epsilon)  # numpy std: population
        for (message, member), advantage in zip(members, advantages):
            prompt_length = member["prompt"].size
            mask = member["mask"]
            pad = np.zeros(prompt_length, dtype=np.float32)
            body = {
                "tokens": from_numpy(np.concatenate([member["prompt"], member["response"]]), "i32"),
                "prompt_length": prompt_length,
                "loss_mask": from_numpy(np.concatenate([np.zeros(prompt_length, dtype=np.uint8), mask]), "u8"),
                "advantages": from_numpy(np.concatenate([pad, np.where(mask == 1, advantage, 0)]), "f32"),
                "old_log_probs": from_numpy(np.concatenate([pad, np.where(mask == 1, member["log_probs"], 0)]), "f32"),
            }
            output_id = f"sample/{group}/{member['index']}"
            sample = self.envelope(SAMPLE, body, message_id=output_id, parents=[message["message_id"]],
                                   iteration=message["iteration"], policy_version=message["policy_version"])
            self.parent[output_id] = message["message_id"]
            self.pending[output_id] = [msgpack.packb(sample), 0.0, 0]
            self.unsent.append(output_id)
        first = members[0][0]
        self.to_driver(self.envelope(METRICS, {"values": {
            "advantage/rollouts": float(len(members)),
            "advantage/reward_sum": float(rewards.sum()),
            "advantage/correct": float((rewards == 1).sum()),
            "advantage/truncated": float(sum(member["stop_reason"] == "length" for _, member in members)),
            "advantage/response_tokens": float(sum(member["response"].size for _, member in members)),
        }}, iteration=first["iteration"], policy_version=first["policy_version"]))
        self.flush()

    def drop_stale_groups(self):
        for group in [g for g, members in self.gathering.items()
                      if any(message["iteration"] < self.driver_iteration for message, _ in members.values())]:
            members = self.gathering.pop(group)
            log(f"dropping the {len(members)} rollout(s) of incomplete group {group}: "
                f"the driver is at iteration {self.driver_iteration}")
            for message, _ in members.values():
                self.finish(message["message_id"])

    # Delivery

    def send(self, output_id):
        entry = self.pending[output_id]
        try:
            self.samples.send(entry[0])
        except zmq.Again:
            return False
        entry[1], entry[2] = time.monotonic() + ACK_TIMEOUT, entry[2] + 1
        self.tap.publish("samples", "sent", entry[0])
        return True

    def flush(self, resend_all=False):
        while self.unsent and (self.unsent[0] not in self.pending or self.send(self.unsent[0])):
            self.unsent.pop(0)
        now = time.monotonic()
        for output_id, entry in list(self.pending.items()):
            if entry[2] == 0 or (entry[1] > now and not resend_all):
                continue
            if entry[2] >= MAX_ATTEMPTS:
                raise SystemExit(f"{output_id} unacknowledged after {MAX_ATTEMPTS} sends; the optimize stage is not consuming")
            self.send(output_id)

    def receive_control(self, frames):
        payload = frames[-1]
        self.tap.publish("control", "received", payload)
        try:
            message = decode(payload, {CONTROL})
        except Rejected as rejected:
            return log(f"dropped {rejected.reason} message on the control broadcast: {rejected}")
        if message["stage"] == "driver":
            self.last_driver_contact = time.monotonic()
            self.driver_iteration = max(self.driver_iteration, message["iteration"])
        kind = message["body"].get("kind")
        if kind == "ack":
            for output_id in message["body"].get("acknowledged_ids", []):
                if self.pending.pop(output_id, None) is not None:
                    self.finish(self.parent.pop(output_id))
        elif kind == "stop":
            return message["body"].get("reason") or "stop from the driver"
        elif kind == "start":
            self.flush(resend_all=True)
        return None

    def run(self):
        poller = zmq.Poller()
        poller.register(self.valued, zmq.POLLIN)
        poller.register(self.control, zmq.POLLIN)
        log(f"advantage.{self.replica} ready (pid {os.getpid()}, Python)")
        next_heartbeat, stop = 0.0, None
        while stop is None:
            ready = dict(poller.poll(50))
            while stop is None and self.control.poll(0):
                stop = self.receive_control(self.control.recv_multipart())
            if stop is None and self.valued in ready:
                while self.valued.poll(0):
                    self.receive_valued(self.valued.recv_multipart())
            self.drop_stale_groups()
            self.flush()
            self.acknowledge(self.to_acknowledge)
            self.to_acknowledge = []
            self.tap.refresh()
            now = time.monotonic()
            if now >= next_heartbeat:
                next_heartbeat = now + HEARTBEAT
                self.to_driver(self.envelope(CONTROL, {"kind": "heartbeat"}, iteration=self.driver_iteration))
            if os.getppid() != self.parent_pid:
                raise SystemExit("the parent process is gone; stopping so no stage is left orphaned")
            if now - self.last_driver_contact > DRIVER_SILENCE:
                raise SystemExit(f"no control message from the driver for {DRIVER_SILENCE:.0f} s; is `spo run` still running?")
        self.acknowledge(self.to_acknowledge)
        drops = ", ".join(f"{reason} {count}" for reason, count in sorted(self.drops.items()))
        log(f"input valued: {self.accepted} accepted, {sum(self.drops.values())} dropped" + (f" ({drops})" if drops else ""))
        log(f"advantage.{self.replica} stopping: {stop}")


def main():
    parser = argparse.ArgumentParser(description="The GRPO advantage stage of an SPO pipeline, in Python.")
    parser.add_argument("--spec", required=True, help="the run's resolved-spec.json")
    parser.add_argument("--replica", type=int, default=0)
    options = parser.parse_args()
    with open(options.spec) as file:
        spec = json.load(file)
    AdvantageStage(spec, options.replica).run()


if __name__ == "__main__":
    main()
