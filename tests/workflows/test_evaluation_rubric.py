"""The rubric, exactly: each component, the weighted score, adjustment, ranking, commendation."""

import pytest

from workflows.evaluation import COMPONENTS, Rubric, UnitRecord, commended, components, final, ranks, score

EVEN = Rubric(completion=20, timeliness=20, extensions=20, quality=20, reporting=20)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        # all closed on time, top quality, every report, no extension
        (UnitRecord(4, 4, 4, 4, 0, 20, 4, 6, 6), (1, 1, 1, 1, 1)),
        # nothing closed, nothing due yet, nothing owed: only what could happen is judged
        (UnitRecord(4, 0, 0, 0, 0, 0, 0, 0, 0), (0, 1, 1, 0, 1)),
        # all four late against the original deadline although within approved extensions
        (UnitRecord(4, 4, 4, 0, 4, 12, 4, 3, 6), (1, 0, 0, 0.6, 0.5)),
        # half closed, one of the two due on time, one extension, quality 4 and 2
        (UnitRecord(4, 2, 2, 1, 1, 6, 2, 2, 8), (0.5, 0.5, 0.75, 0.6, 0.25)),
        # overdue open tasks count as due and not on time
        (UnitRecord(3, 1, 3, 1, 0, 5, 1, 0, 0), (1 / 3, 1 / 3, 1, 1, 1)),
    ],
)
def test_components(record, expected):
    """expected: completion, timeliness, extensions, quality, reporting."""
    assert components(record) == pytest.approx(dict(zip(COMPONENTS, expected, strict=True)))


@pytest.mark.parametrize(
    ("rubric", "record", "expected"),
    [
        (Rubric(), UnitRecord(4, 4, 4, 4, 0, 20, 4, 6, 6), 100.0),
        (EVEN, UnitRecord(4, 2, 2, 1, 1, 6, 2, 2, 8), 52.0),  # (50+50+75+60+25)/5
        # default 30/25/10/25/10 on the same record: 15 + 12.5 + 7.5 + 15 + 2.5
        (Rubric(), UnitRecord(4, 2, 2, 1, 1, 6, 2, 2, 8), 52.5),
        # completion only
        (Rubric(100, 0, 0, 0, 0), UnitRecord(3, 1, 3, 1, 0, 5, 1, 0, 0), 33.33),
        # timeliness only, nothing due: full marks
        (Rubric(0, 100, 0, 0, 0), UnitRecord(2, 0, 0, 0, 0, 0, 0, 0, 0), 100.0),
        # no tasks, nothing to score
        (Rubric(), UnitRecord(), 0.0),
    ],
)
def test_score_is_the_weighted_sum(rubric, record, expected):
    assert score(record, rubric) == expected


@pytest.mark.parametrize(
    ("computed", "adjustment", "expected"),
    [(80.0, 5.0, 85.0), (80.0, -12.5, 67.5), (97.0, 10.0, 100.0), (4.0, -20.0, 0.0), (50.0, 0.0, 50.0)],
)
def test_final_score_stays_within_0_and_100(computed, adjustment, expected):
    assert final(computed, adjustment) == expected


def test_competition_ranking_shares_places():
    assert ranks([("a", 90), ("b", 95), ("c", 90), ("d", 70)]) == {"b": 1, "a": 2, "c": 2, "d": 4}


@pytest.mark.parametrize(
    ("top", "minimum", "expected"),
    [
        (3, 85, {"b", "a", "c"}),  # a and c tie for second, both proposed
        (1, 85, {"b"}),
        (2, 92, {"b"}),  # second place below the minimum
        (0, 0, set()),  # commendation switched off
        (10, 60, {"a", "b", "c", "d"}),
    ],
)
def test_commendation_needs_rank_and_minimum(top, minimum, expected):
    rubric = Rubric(commend_top=top, commend_min=minimum)
    assert commended([("a", 90), ("b", 95), ("c", 90), ("d", 70)], rubric) == expected


@pytest.mark.parametrize(
    ("rubric", "problems"),
    [
        (Rubric(), []),
        (Rubric(completion=40), ["weights not 100"]),
        (Rubric(completion=-10, timeliness=65), ["negative weight"]),
        (Rubric(commend_top=51), ["commend_top out of range"]),
        (Rubric(commend_min=101), ["commend_min out of range"]),
    ],
)
def test_rubric_problems(rubric, problems):
    assert rubric.problems() == problems


def test_rubric_round_trips_and_ignores_unknown_keys():
    rubric = Rubric(40, 20, 10, 20, 10, 2, 90)
    assert Rubric.from_dict({**rubric.as_dict(), "obsolete": 1}) == rubric
    assert Rubric.from_dict(None) == Rubric()
