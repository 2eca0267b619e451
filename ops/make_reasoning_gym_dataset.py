#!/usr/bin/env python3
"""Writes a GSM8K-format JSONL data set from reasoning-gym's `gsm_symbolic` generators.

Each output line is {"question": ..., "answer": ...} where `answer` is the generator's
worked solution ending in `#### <n>`, the format `DatasetLoader.gsm8kJSONL` reads:

    python3 ops/make_reasoning_gym_dataset.py --count 2000 --seed 1 --out data/rg/train.jsonl
    python3 ops/make_reasoning_gym_dataset.py --count 500 --seed 2 --out data/rg/test.jsonl \
        --exclude data/rg/train.jsonl

gsm_symbolic (reasoning-gym's port of GSM-Symbolic) picks one of about 85 GSM8K question
templates per item and fills in random names and numbers; item i of seed s comes from
Python's Random(s + i), so the output is the same on every run, and seeds s and s + 1
share random streams: give train and test seeds far apart and use --exclude. The sentence that
reasoning-gym appends for chat models ("Give the result as your final answer. Do not
include units.") is removed: our prompt template asks for `#### answer` instead. Answers
may be decimals (e.g. 1687.5). --exclude drops questions that occur in other JSONL files,
so a test file shares no question with its train file.

The package is not a dependency of the project or its tests. On first use this script
makes a virtual environment `.venv-data` at the repository root, installs the pinned
reasoning-gym there, and runs itself again with that environment's Python.
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-data"
PACKAGE = "reasoning-gym==0.1.25"  # the version whose API this script was written against
DATASET = "gsm_symbolic"
CHAT_SUFFIX = " Give the result as your final answer. Do not include units."


def venv_python():
    return VENV / "bin" / "python"


def ensure_reasoning_gym():
    """Imports reasoning_gym, or installs it into .venv-data and re-runs this script there."""
    try:
        import reasoning_gym  # noqa: F401
        return
    except ImportError:
        pass
    if Path(sys.prefix).resolve() == VENV.resolve():
        sys.exit(f"reasoning_gym is missing from {VENV}; delete that folder and run again")
    if not venv_python().exists():
        print(f"creating {VENV} and installing {PACKAGE} (once)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(venv_python()), "-m", "pip", "install", "-q", PACKAGE], check=True)
    os.execv(str(venv_python()), [str(venv_python()), str(Path(__file__).resolve()), *sys.argv[1:]])


def final_answer(solution):
    """The text after the last '####', stripped, commas removed (as the loader reads it)."""
    return solution.rsplit("####", 1)[1].strip().replace(",", "")


def excluded_questions(paths):
    questions = set()
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    try:
                        questions.add(json.loads(line)["question"])
                    except (json.JSONDecodeError, KeyError) as error:
                        sys.exit(f"{path}: line {number}: cannot read a question ({error})")
    return questions


def generate(count, seed, exclude):
    """Up to `count` items as (question, solution); draws at most 4·count + 100 candidates."""
    import reasoning_gym

    limit = 4 * count + 100
    dataset = reasoning_gym.create_dataset(DATASET, seed=seed, size=limit)
    items, seen, skipped = [], set(exclude), 0
    for entry in dataset:
        if len(items) == count:
            break
        question = entry["question"]
        if question.endswith(CHAT_SUFFIX):
            question = question[: -len(CHAT_SUFFIX)]
        solution = entry["metadata"]["answer_cot"]
        if question in seen or "####" not in solution or final_answer(solution) != entry["answer"]:
            skipped += 1
            continue
        seen.add(question)
        items.append((question, solution))
    return items, skipped


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, required=True, help="number of problems to write")
    parser.add_argument("--seed", type=int, required=True, help="reasoning-gym dataset seed")
    parser.add_argument("--out", type=Path, required=True, help="output JSONL path")
    parser.add_argument("--exclude", type=Path, action="append", default=[],
                        help="JSONL file whose questions must not appear (repeatable)")
    args = parser.parse_args()
    if args.count < 1:
        parser.error(f"--count must be at least 1, got {args.count}")
    ensure_reasoning_gym()
    items, skipped = generate(args.count, args.seed, excluded_questions(args.exclude))
    if len(items) < args.count:
        sys.exit(f"only {len(items)} of {args.count} distinct problems found; "
                 "use another --seed or a smaller --count")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as handle:
        for question, solution in items:
            handle.write(json.dumps({"question": question, "answer": solution}) + "\n")
    print(f"wrote {len(items)} problems to {args.out} (skipped {skipped}: repeated, excluded "
          "or with a final line that disagrees with the generator's answer)", file=sys.stderr)


if __name__ == "__main__":
    main()
