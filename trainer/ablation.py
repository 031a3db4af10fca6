"""The robustness ablation table: cross-view Hit@k on held-out mm for each ablation run.

Each config in a folder (trainer/configs/ablation/*.json) names a finished training run
(<out_dir>/<name>/checkpoint.pt). Its final EMA weights are measured with the protocol of
trainer/cross_view_validation.py, the same one behind the bundled model's card: clean and detector-noisy views of the validation set,
Hit@1/10/20 averaged over ordered camera pairs. Nothing here feeds back into training.

    python -m trainer.ablation --config-dir trainer/configs/ablation --val-data ../cache/val_mm.npz
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from .config import TrainConfig

#: table order: the reference first, then one choice off at a time, then everything off
ORDER = ("full", "no_jitter", "no_bones", "no_dropout", "no_hips", "none")


@dataclass(frozen=True)
class AblationRow:
    """One run's figures. hits/noisy_hits: {k: Hit@k as a fraction in [0, 1]}; step: the checkpoint's step."""

    run: str
    step: int
    hits: dict[int, float]
    noisy_hits: dict[int, float]

    def __post_init__(self) -> None:
        for figures in (self.hits, self.noisy_hits):
            if any(not 0.0 <= v <= 1.0 for v in figures.values()):
                raise ValueError(f"{self.run}: Hit@k must be fractions in [0, 1], got {figures}")


def ablation_configs(config_dir: Path) -> list[tuple[str, TrainConfig]]:
    """(file stem, config) for every *.json in config_dir, in ORDER first, then alphabetically."""
    paths = sorted(Path(config_dir).glob("*.json"))
    if not paths:
        raise ValueError(f"no *.json training configs in {config_dir}")
    rank = {name: i for i, name in enumerate(ORDER)}
    paths.sort(key=lambda p: (rank.get(p.stem, len(ORDER)), p.stem))
    return [(p.stem, TrainConfig.load(p)) for p in paths]


def evaluate_run(label: str, cfg: TrainConfig, vset) -> AblationRow:
    """Final EMA weights of cfg's run (checkpoint.pt) on vset, clean and noisy."""
    from .training_step import load_checkpoint
    from .train import CHECKPOINT, ema_model
    from .cross_view_validation import cross_view_hits, model_embedder

    state = load_checkpoint(cfg.run_dir / CHECKPOINT)
    model, _, _ = ema_model(cfg, state["ema"])
    embed = model_embedder(model)
    clean = cross_view_hits(embed, vset, noisy=False, a=model.a, b=model.b)
    noisy = cross_view_hits(embed, vset, noisy=True, a=model.a, b=model.b)
    return AblationRow(label, int(state["step"]), clean, noisy)


def markdown_table(rows: list[AblationRow]) -> str:
    """The table of docs/ablation.md, in percent with one decimal."""
    lines = ["| run | steps | clean Hit@1 | clean Hit@10 | noisy Hit@1 | noisy Hit@10 |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.run} | {r.step} | {100 * r.hits[1]:.1f} | {100 * r.hits[10]:.1f} "
                     f"| {100 * r.noisy_hits[1]:.1f} | {100 * r.noisy_hits[10]:.1f} |")
    return "\n".join(lines) + "\n"


def ablation_table(config_dir: Path, val_data: str, val_size: int = 800, seed: int = 0,
                   threads: int = 1) -> list[AblationRow]:
    """Evaluate every run of config_dir on one validation set (built once from val_data)."""
    import torch

    from .cross_view_validation import build_set
    from .training_step import load_training_poses

    torch.set_num_threads(threads)
    poses, _ = load_training_poses([val_data])
    vset = build_set(poses, size=val_size, seed=seed)
    return [evaluate_run(label, cfg, vset) for label, cfg in ablation_configs(config_dir)]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m trainer.ablation", description=__doc__.splitlines()[0])
    p.add_argument("--config-dir", type=Path, default=Path("trainer/configs/ablation"))
    p.add_argument("--val-data", required=True, help="held-out dataset (.npz), e.g. ../cache/val_mm.npz")
    p.add_argument("--val-size", type=int, default=800, help="validation frames (the bundled card used 800)")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated detector noise (card: 0)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = p.parse_args(argv)
    try:
        rows = ablation_table(args.config_dir, args.val_data, args.val_size, args.seed, args.threads)
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(markdown_table(rows), end="")
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in rows], indent=2) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
