#!/usr/bin/env python3
"""Writes results.jsonl, the fixed input of tests/eval/test_report.cpp.

Written independently of the C++ writer (plain json.dumps), so the report test also checks that
the reader accepts any well-formed file of the documented schema. The numbers are designed so
that the expected report values can be worked out by hand (see the table below and the test).
Run: python3 make_results.py > results.jsonl
"""
import json

# (model, policy, k) -> ((correct seed 0, correct seed 1) out of 10 each)
TABLE = {
    "prior.gguf": {
        "gold": {4: (9, 9), 16: (9, 10)},
        "flip:50": {4: (8, 8), 16: (8, 9)},
        "flip:100": {4: (8, 7), 16: (8, 8)},
        "sul": {4: (5, 6), 16: (6, 6)},
    },
    "context.gguf": {
        "gold": {4: (9, 10), 16: (10, 10)},
        "flip:50": {4: (6, 6), 16: (5, 5)},
        "flip:100": {4: (6, 5), 16: (1, 0)},
        "sul": {4: (7, 8), 16: (9, 10)},
    },
    "prior.gguf+lora:adapters/flipper@0.5": {
        "gold": {4: (9, 9), 16: (9, 9)},
        "flip:50": {4: (7, 7), 16: (6, 6)},
        "flip:100": {4: (6, 6), 16: (4, 4)},
        "sul": {4: (6, 6), 16: (7, 7)},
    },
    "prior.gguf+lora:adapters/flipper@1": {
        "gold": {4: (9, 9), 16: (10, 10)},
        "flip:50": {4: (5, 5), 16: (5, 5)},
        "flip:100": {4: (3, 3), 16: (2, 2)},
        "sul": {4: (8, 8), 16: (9, 9)},
    },
}
TASKS = {"sst2": ["negative", "positive"],
         "trec": ["ABBR", "ENTY", "DESC", "HUM", "LOC", "NUM"]}
FP = {"settings": "5e7f0c2a9b1d3e47", "code": "0.1.0"}


def cell(model, task, policy, k, seed, correct, scoring="label-logit", oos=0):
    classes = TASKS[task]
    C = len(classes)
    flipped = policy.startswith("flip:")
    records = []
    for i in range(10):
        g = i % C
        flip = (g + 1) % C if flipped else -1
        if i < correct:
            pred = g
        elif i >= 10 - oos:
            pred = -1
        elif C > 2 and flipped and i == correct:
            pred = (g + 2) % C  # multi-class: the first wrong answer is neither gold nor flipped
        else:
            pred = (g + 1) % C
        if pred >= 0:
            probs = [0.25 / (C - 1)] * C
            probs[pred] = 0.75
        else:
            probs = []
        r = {"i": i, "gold": g, "pred": pred, "flip": flip, "probs": probs}
        if scoring == "generate":
            r["probs"] = []
            r["out"] = classes[pred] if pred >= 0 else "Neutral"
        records.append(r)
    return {
        "format": "flipside.results/1",
        "cell": {"model": model, "task": task, "policy": policy, "k": k, "seed": seed,
                 "scoring": scoring, "calibrated": False},
        "fingerprint": {"model": "m-" + model.split("+")[0] + ("-" + model if "+" in model else ""),
                        "data": "d-" + task, **FP},
        "classes": classes,
        "timing": {"seconds": 2.0, "prompts": 10, "prompt_tokens": 10000,
                   "computed_tokens": 2500},
        "records": records,
    }


lines = []
for model, policies in TABLE.items():
    for task in TASKS:
        for policy, by_k in policies.items():
            for k, per_seed in by_k.items():
                for seed, correct in enumerate(per_seed):
                    lines.append(cell(model, task, policy, k, seed, correct))
# Generate mode: context.gguf, sst2, gold, k = 16; seed 0 answers twice outside the label set.
lines.append(cell("context.gguf", "sst2", "gold", 16, 0, 8, "generate", oos=2))
lines.append(cell("context.gguf", "sst2", "gold", 16, 1, 9, "generate"))
for l in lines:
    print(json.dumps(l, separators=(",", ":"), ensure_ascii=False))
