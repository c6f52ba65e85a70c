"""Accuracy of template mining on the loghub samples: GA, PA and group F1.

Ground truth is `NAME_2k.log_structured.csv` (or `..._corrected.csv`): one row per line with the
message `Content`, the true `EventId` and `EventTemplate`. The miner sees `Content` only (the
header fields are parsed by loghub's per-dataset formats already), in file order, one pass,
exactly as `vmwatch logs ingest` classifies messages.

- GA (grouping accuracy, Zhu et al. ICSE-SEIP 2019): a line counts as correct when the set of
  lines in its predicted template is exactly the set of lines of its true template.
- PA (parsing accuracy, loghub-2.0): a line counts when its predicted template text equals the
  true template (`**` read as `<*>`, white space collapsed).
- F1 (group F1, "FGA" in loghub-2.0): precision = predicted templates whose line set equals a
  true template's / predicted templates; recall = the same count / true templates.
"""

from __future__ import annotations

import csv
import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from vmwatch_loganomaly.masking import PARAM
from vmwatch_loganomaly.templates import MiningConfig, TemplateMiner

DATASETS = ("HDFS", "Hadoop", "Spark", "Zookeeper", "OpenStack", "BGL", "Linux", "Apache", "OpenSSH")
# Tuned Drain, per dataset (GA), as published in the loghub benchmark (Zhu et al. 2019).
PUBLISHED_DRAIN_GA = {
    "HDFS": 0.998, "Hadoop": 0.948, "Spark": 0.920, "Zookeeper": 0.967, "OpenStack": 0.733,
    "BGL": 0.963, "Linux": 0.690, "Apache": 1.000, "OpenSSH": 0.788,
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Score:
    """Accuracy of one dataset."""

    dataset: str
    lines: int
    true_templates: int
    predicted_templates: int
    ga: float
    pa: float
    f1: float


@dataclasses.dataclass(frozen=True)
class Sample:
    """One loghub sample: messages and their true template ids and texts, in line order."""

    name: str
    contents: list[str]
    event_ids: list[str]
    templates: list[str]


def load_sample(root: Path, name: str, corrected: bool = False) -> Sample:
    """Read `root/NAME/NAME_2k.log_structured[_corrected].csv`."""
    suffix = "_corrected" if corrected else ""
    path = Path(root) / name / f"{name}_2k.log_structured{suffix}.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return Sample(
        name,
        [r["Content"] for r in rows],
        [r["EventId"] for r in rows],
        [r["EventTemplate"] for r in rows],
    )


def grouping_scores(truth: Sequence[str], predicted: Sequence[object]) -> tuple[float, float]:
    """(GA, group F1) of predicted group labels against true labels, line by line."""
    if len(truth) != len(predicted):
        raise ValueError("truth and prediction differ in length")
    if not truth:
        return 1.0, 1.0
    true_groups: dict[str, set[int]] = defaultdict(set)
    pred_groups: dict[object, set[int]] = defaultdict(set)
    for i, (t, p) in enumerate(zip(truth, predicted)):
        true_groups[t].add(i)
        pred_groups[p].add(i)
    correct_lines = correct_groups = 0
    for members in pred_groups.values():
        if true_groups[truth[min(members)]] == members:
            correct_lines += len(members)
            correct_groups += 1
    precision = correct_groups / len(pred_groups)
    recall = correct_groups / len(true_groups)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return correct_lines / len(truth), f1


def normalise_template(text: str) -> str:
    """Template text for comparison: our `**` as loghub's `<*>`, single spaces."""
    return " ".join(text.replace(PARAM, "<*>").split())


def parsing_accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """Share of lines whose predicted template text equals the true one."""
    if not truth:
        return 1.0
    same = sum(normalise_template(p) == normalise_template(t) for t, p in zip(truth, predicted))
    return same / len(truth)


def mine(contents: Sequence[str], config: MiningConfig) -> tuple[list[int], list[str]]:
    """Classify messages in order with a fresh miner: (template id, final template text) per line."""
    miner = TemplateMiner(config)
    ids = [miner.classify("", "", c) for c in contents]
    texts = {tid: miner.template(tid) for tid in set(ids)}
    return ids, [texts[i] for i in ids]


def score(sample: Sample, config: MiningConfig) -> Score:
    """GA, PA and F1 of the miner with `config` on one sample."""
    ids, texts = mine(sample.contents, config)
    ga, f1 = grouping_scores(sample.event_ids, ids)
    return Score(
        sample.name,
        len(sample.contents),
        len(set(sample.event_ids)),
        len(set(ids)),
        round(ga, 4),
        round(parsing_accuracy(sample.templates, texts), 4),
        round(f1, 4),
    )


def evaluate(
    root: Path,
    config: MiningConfig = MiningConfig(),
    datasets: Sequence[str] = DATASETS,
    corrected: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[Score]:
    """Scores for each named dataset under `root` (the loghub folder)."""
    scores = []
    for name in datasets:
        if progress:
            progress(name)
        scores.append(score(load_sample(root, name, corrected), config))
    return scores


def mean(scores: Sequence[Score], field: str) -> float:
    """Mean of one score field over datasets."""
    return sum(getattr(s, field) for s in scores) / len(scores) if scores else 0.0
