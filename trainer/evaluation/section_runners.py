"""One runner per results section: (state, progress, cancel) -> markdown. Used by pipeline.run_evaluation."""
from __future__ import annotations

import numpy as np

from . import plots, report
from .mocap_sections import ambiguity_section, calibration_section, retrieval_table, size_table
from .models import ROLES
from .rigs import RIGS

MAIN_LABEL = ROLES["prvipe_aug"][0]


def _rig_sizes() -> dict[str, int]:
    return {name: len(make()) for name, make in RIGS.items()}


def run_retrieval(state, progress, cancel) -> str:
    tab = retrieval_table(state.views, state.models, state.matches, progress, cancel)
    state.retrieval = tab
    labels = [v.label for v in state.views]
    text = ("A query is a 2D pose from one camera, the index all poses of another camera (the same frames); "
            "a hit at k if any of the top k is within NP-MPJPE 0.1 of the query's 3D pose. Averaged over all "
            "ordered camera pairs. *exact*: projected keypoints; *noisy*: the trainer's detector-like "
            "corruption (jitter, outliers, dropped keypoints with score 0 and a wrong position, lower body "
            "out of frame). Pr-VIPE ranks by the matching probability P, computed for every pair by the "
            "deterministic quadrature of poseexplorer.align.cost (the expectation that the K = 20 sampler "
            "estimates; a diagnostic row shows the sampled K = 20 ranking on the chest rig); L2-VIPE by mean "
            "distance; 2D keypoints and 3D lifting by Procrustes error per query-index pair.\n\n")
    limits = {v.rig: v.max_queries for v in state.views if v.max_queries and v.max_queries < len(state.eval_index)}
    if limits:
        text += "Queries per ordered camera pair: all frames, except " + ", ".join(
            f"the {r} rig: a fixed random {n} per pair (the same for every row), to bound the cost"
            for r, n in limits.items()) + ".\n\n"
    text += report.retrieval_markdown(tab, labels, len(state.eval_index), _rig_sizes())
    text += "\n" + report.findings_markdown(tab, labels, {r: lab for r, (lab, _) in ROLES.items()})
    text += ("\nThe bundled model was trained longer than the variants and picked its checkpoint on mm (see the "
             "training table), so claims against it mix model choice with training budget; the like-for-like "
             "comparisons are those against the 'short run' Pr-VIPE row, which had the variants' schedule.\n")
    text += ("\nThe no-aug variants were trained on 4 cameras at azimuth 0/90/180/270 degrees and zero elevation "
             "around the normalised pose (trainer chest_views); the chest rig here looks down from 1.5 m at the "
             "room's corners and the subject turns, so it is close to, not identical with, their training views.\n")
    hit1 = {row: {v: 100 * res[v].hit_at(1) for v in labels if v in res} for row, res in tab.results.items()
            if "diagnostic" not in row}
    fig = plots.hit_bars(hit1, "Cross-view Hit@1 on held-out actor mm", state.figures / "retrieval_hit1.png")
    text += "\n" + report.image(fig, state.config.out, "Hit@1 per row, rig and condition")
    if MAIN_LABEL in tab.results:
        names = [f"c{i}" for i in range(_rig_sizes()["chest"])]
        text += f"\nHit@1 per camera pair, {MAIN_LABEL}, chest rig, exact:\n\n"
        text += report.pair_markdown(tab.results[MAIN_LABEL]["chest, exact"], names)
    text += "\nSeconds per row: " + ", ".join(f"{k}: {v:.0f}" for k, v in tab.seconds.items()) + "\n"
    return text


def _main_model(state):
    model = state.models.get("prvipe_aug")
    if model is None:
        raise RuntimeError(state.models.missing.get("prvipe_aug", "main model missing"))
    return model


def run_ambiguity(state, progress, cancel) -> str:
    model = _main_model(state)
    view = next(v for v in state.views if v.rig == "all" and v.condition == "exact")
    sec = ambiguity_section(view, model, state.matches, state.config.out)
    text = (f"Over {sec.n_poses} 2D poses ({sec.view_label} views of the evaluation frames): mean embedding "
            f"sigma against the mean 2D NP-MPJPE (normalised keypoints, similarity Procrustes) to the 10 "
            f"nearest 2D poses whose 3D poses differ (NP-MPJPE >= 0.1). The method predicts a negative "
            f"correlation (closer look-alikes, larger sigma).\n\n"
            f"Spearman rank correlation: **rho = {sec.rho:.3f}** (p = {sec.p_value:.2g}).\n\n")
    text += report.image(sec.figure, state.config.out, "sigma vs 2D look-alike distance")
    text += "\n" + report.image(sec.gallery, state.config.out, "most and least ambiguous poses")
    return text


def run_calibration(state, progress, cancel) -> str:
    tab = state.retrieval
    if tab is None or MAIN_LABEL not in tab.results:
        raise RuntimeError("needs the retrieval section with the main Pr-VIPE model")
    from .mocap_sections import SAMPLED_LABEL

    curves = dict(tab.results[MAIN_LABEL])
    curves.update({f"{v} (sampled K=20)": r for v, r in tab.results.get(SAMPLED_LABEL, {}).items()})
    cal = getattr(_main_model(state), "calibration", None)
    fitted = cal is not None and cal.fitted
    sec = calibration_section(curves, state.config.out, cal if fitted else None)
    text = (f"{MAIN_LABEL}: every query's top-20 results from section 1, binned by matching probability P "
            f"(quadrature; the 'sampled K=20' curves use the app's sampled estimate on the chest rig); a pair "
            f"is a true match when NP-MPJPE < 0.1.\n\n")
    text += report.calibration_markdown(sec, _calibration_note(cal if fitted else None))
    return text + "\n" + report.image(sec.figure, state.config.out, "calibration: raw P and calibrated")


def _calibration_note(cal) -> str:
    if cal is None:
        return ("The model has no calibration sidecar (`<model>.calibration.json`, written by `poseexplorer-train "
                "calibrate`), so the app shows raw P marked 'uncalibrated'; no calibrated curve.")
    info = cal.info
    return (f"The app shows the model's calibrated confidence: an isotonic map P -> true-match rate with "
            f"{len(cal.knots_p)} knots, fitted on the training data `{info.get('data', '?')}` "
            f"(held-out subjects {info.get('held_out_subjects_excluded', '?')} left out; "
            f"{info.get('pairs', '?')} pairs), by `{info.get('command', '?')}`. mm is not used for it.")


def run_size(state, progress, cancel) -> str:
    done = state.retrieval.results if state.retrieval is not None else None
    sizes, missing = size_table(state.views, state.models, state.matches, progress, cancel, done)
    labels = [v.label for v in state.views]
    text = "Pr-VIPE with camera augmentation at embedding sizes d = 4, 8, 16, 32, all trained with the " \
           "same short schedule (see Training commands); Hit@1 in percent.\n\n"
    text += report.size_markdown(sizes, missing, labels)
    if sizes:
        dims = sorted(sizes)
        fig = plots.line_plot(dims, {v: [sizes[d][v] for d in dims] for v in labels}, "embedding size d",
                              "Hit@1 (%)", "Hit@1 against embedding size", state.figures / "embedding_size.png",
                              logx=True)
        text += "\n" + report.image(fig, state.config.out, "Hit@1 against embedding size")
    return text


def run_sequences(state, progress, cancel) -> str:
    from .sequence_section import sequence_markdown

    return sequence_markdown(state, _main_model(state), progress, cancel)


def run_footage(state, progress, cancel) -> str:
    from .footage_section import footage_markdown

    return footage_markdown(state, _main_model(state), progress, cancel)


def run_footage3d(state, progress, cancel) -> str:
    import poseexplorer as px

    from .footage3d_section import footage3d_markdown

    extra = {path: px.load_model(path) for path in state.config.extra_models}
    return footage3d_markdown(state.config, _main_model(state), state.models.paths["prvipe_aug"], extra,
                              progress, cancel)


RUNNERS = {"retrieval": run_retrieval, "ambiguity": run_ambiguity, "calibration": run_calibration,
           "size": run_size, "sequences": run_sequences, "footage": run_footage,
           "footage3d": run_footage3d}
