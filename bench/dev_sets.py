"""A recipe's dev-set evaluators on trained model folders, side by side: the figures a run selects by, for models
that came from other runs (the shipped default, variants), measured the same way.

    PYTHONPATH=. python bench/dev_sets.py --recipe recipes/default.json MODEL [MODEL ...] [--full-fsdd]

MODEL is a name or a saved model folder. Each evaluator of the recipe's "eval" list runs on each model through
the trainer's ClipEmbedder (the frozen tower's deterministic windows, from the feature cache). --full-fsdd adds
FSDD zero-shot on all 3000 recordings (the published protocol; the recipe evaluates every third).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+")
    ap.add_argument("--recipe", default="recipes/default.json")
    ap.add_argument("--full-fsdd", action="store_true")
    args = ap.parse_args()
    from clapsearch.model import create_model
    from clapsearch.model.zoo.registry import user_cache_dir
    from clapsearch.trainer import parse_evaluator

    specs = list(json.loads(Path(args.recipe).read_text())["eval"])
    if args.full_fsdd:
        specs.append("zeroshot=../shared/data/fsdd?prompt={label}&name=fsdd-all")
    evaluators = [parse_evaluator(s, user_cache_dir() / "features") for s in specs]
    rows = {}
    for name in args.models:
        model = create_model(name)
        metrics: dict[str, float] = {}
        for ev in evaluators:
            metrics.update(ev(model))
        rows[name] = metrics
        print(json.dumps({"model": name, **{k: round(v, 4) for k, v in metrics.items()}}), flush=True)
    keys = [k for k in next(iter(rows.values())) if not k.endswith("hub_ratio")]
    print("| model | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for name, m in rows.items():
        print(f"| {name} | " + " | ".join(f"{m[k]:.3f}" for k in keys) + " |")


if __name__ == "__main__":
    main()
