"""Year-end and period evaluation (考核评估) of member units: a rubric of weighted components,
each a share between 0 and 1 computed from the record, and a manual adjustment with a reason.

Pure functions: the figures come in as a UnitRecord, the score goes out. The lead departments
configure the weights; everything else here is the rule.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass, fields

COMPONENTS = ("completion", "timeliness", "extensions", "quality", "reporting")
MAX_ADJUSTMENT = 20.0  # points, either way
QUALITY_TOP = 5  # verification scores quality 1–5


@dataclass(frozen=True)
class Rubric:
    completion: int = 30  # tasks closed, of all tasks
    timeliness: int = 25  # closed by the ORIGINAL deadline, of tasks that fell due or closed
    extensions: int = 10  # tasks that needed no approved extension
    quality: int = 25  # mean quality score at verification, of 5
    reporting: int = 10  # progress reports filed, of those the plan's cadence asked for
    commend_top: int = 3  # per party, at most this many units proposed for commendation …
    commend_min: int = 85  # … and only with a final score of at least this

    @classmethod
    def from_dict(cls, data: dict | None) -> Rubric:
        if not data:
            return cls()
        return cls(**{k: int(v) for k, v in data.items() if k in cls.__dataclass_fields__})

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def weights(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COMPONENTS}

    def problems(self) -> list[str]:
        """Why this rubric cannot be used, as keys the interface explains."""
        weights = self.weights()
        found = []
        if any(w < 0 for w in weights.values()):
            found.append("negative weight")
        if sum(weights.values()) != 100:
            found.append("weights not 100")
        if not 0 <= self.commend_top <= 50:
            found.append("commend_top out of range")
        if not 0 <= self.commend_min <= 100:
            found.append("commend_min out of range")
        return found


@dataclass(frozen=True)
class UnitRecord:
    """One unit's record over the evaluated years; cancelled tasks are not in it."""

    tasks: int = 0
    closed: int = 0
    due: int = 0  # tasks whose original deadline has passed, or which closed already
    closed_on_time: int = 0  # closed on or before the original deadline
    extended: int = 0  # tasks with at least one approved extension
    quality_sum: int = 0
    quality_count: int = 0
    reports_filed: int = 0  # counted up to what was expected, task by task
    reports_expected: int = 0


def components(record: UnitRecord) -> dict[str, float]:
    """Each component as a share in [0, 1]. A component with nothing to measure yet (no task due,
    no report expected) counts in full: a unit is not marked down for what could not happen."""

    def share(part: int, whole: int, empty: float = 1.0) -> float:
        return min(1.0, part / whole) if whole else empty

    return {
        "completion": share(record.closed, record.tasks, 0.0),
        "timeliness": share(record.closed_on_time, record.due),
        "extensions": 1.0 - share(record.extended, record.tasks, 0.0),
        "quality": share(record.quality_sum, record.quality_count * QUALITY_TOP, 0.0),
        "reporting": share(record.reports_filed, record.reports_expected),
    }


def measured(record: UnitRecord) -> dict[str, bool]:
    """Whether each component has anything to measure yet: where not, pages show "—", not a
    rate (the score still treats it as components() says)."""
    return {
        "completion": record.tasks > 0,
        "timeliness": record.due > 0,
        "extensions": record.tasks > 0,
        "quality": record.quality_count > 0,
        "reporting": record.reports_expected > 0,
    }


def score(record: UnitRecord, rubric: Rubric) -> float:
    """0–100, two decimals: the weighted sum of the components."""
    weights = rubric.weights()
    total = sum(weights.values())
    if not total or not record.tasks:
        return 0.0
    parts = components(record)
    return round(100 * sum(weights[name] * parts[name] for name in COMPONENTS) / total, 2)


def final(computed: float, adjustment: float) -> float:
    return round(min(100.0, max(0.0, computed + adjustment)), 2)


def valid_adjustment(points: float) -> bool:
    return -MAX_ADJUSTMENT <= points <= MAX_ADJUSTMENT


def ranks(scores: Sequence[tuple[Hashable, float]]) -> dict[Hashable, int]:
    """Competition ranking (1, 2, 2, 4) by score, highest first."""
    ordered = sorted(scores, key=lambda pair: -pair[1])
    result: dict[Hashable, int] = {}
    previous: float | None = None
    rank = 0
    for position, (key, value) in enumerate(ordered, start=1):
        if value != previous:
            rank, previous = position, value
        result[key] = rank
    return result


def commended(scores: Sequence[tuple[Hashable, float]], rubric: Rubric) -> set[Hashable]:
    """Of one party's units: those ranked within the top N and scoring at least the minimum.
    Ties at the boundary are all proposed rather than cut by an arbitrary order."""
    ranking = ranks(scores)
    return {
        key
        for key, value in scores
        if ranking[key] <= rubric.commend_top and value >= rubric.commend_min and rubric.commend_top
    }


RUBRIC_FIELDS = tuple(f.name for f in fields(Rubric))
