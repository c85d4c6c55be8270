import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from coordination import seed
from coordination.audit.models import AuditEvent
from coordination.auth.models import User
from coordination.extensions import db
from coordination.framework.models import Area, KeyTask
from coordination.organizations.models import KIND_TIER, Body, BodyKind, Party, Tier

# Section 二、重点任务 of 《上海市与大连市对口合作实施方案》, copied from ../shared/seeds so the
# tests stand alone; when the original is beside the repository, the copy is checked against it.
SECTION = Path(__file__).resolve().parent / "data" / "key_tasks_section.txt"
ORIGINAL = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "003_1f4f2b4d2b6dbe77.txt"


def _section() -> str:
    return SECTION.read_text(encoding="utf-8")


def _counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Party, Body, Area, KeyTask, User, AuditEvent)
    }


def test_seed_twice_changes_nothing(app):
    before = _counts()
    assert not seed.load_mechanism()
    assert not seed.load_demo_users()
    db.session.commit()
    assert _counts() == before


def test_seed_keeps_administrator_edits(app):
    body = db.session.scalar(select(Body).where(Body.name_zh == "上海市商务委员会"))
    body.name_en = "Commerce (edited)"
    db.session.commit()
    seed.load_mechanism()
    db.session.commit()
    assert db.session.get(Body, body.id).name_en == "Commerce (edited)"


def test_the_27_key_tasks_are_those_of_the_implementation_plan(app):
    # Parse the original document rather than restating the list: "19. 国家级新区。支持…"
    section = _section()
    expected = {int(n): title for n, title in re.findall(r"^(\d+)\. ([^。]+)。", section, re.M)}
    assert len(expected) == 27
    stored = {t.number: t.title_zh for t in db.session.scalars(select(KeyTask))}
    assert stored == expected


def test_the_copied_section_is_the_original():
    if ORIGINAL.exists():  # beside the repository in development and CI
        text = ORIGINAL.read_text(encoding="utf-8")
        assert text[text.index("二、重点任务") : text.index("三、保障措施")] == _section()
    assert _section().startswith("二、重点任务") and "27. 人力资源共享。" in _section()


def test_areas_group_the_key_tasks_as_in_the_plan(app):
    section = _section()
    expected_areas = re.findall(r"^（[一二三四五六]）(.+)$", section, re.M)
    areas = db.session.scalars(select(Area).order_by(Area.number)).all()
    assert [a.title_zh for a in areas] == [a.strip() for a in expected_areas]
    # Each area holds the consecutive tasks that follow its heading in the document.
    assert [[t.number for t in a.key_tasks] for a in areas] == [
        list(range(1, 7)),
        list(range(7, 11)),
        list(range(11, 15)),
        list(range(15, 18)),
        list(range(18, 25)),
        list(range(25, 28)),
    ]


def test_every_body_sits_on_the_tier_of_its_kind_and_sub_units_share_party(app):
    bodies = db.session.scalars(select(Body)).all()
    for body in bodies:
        assert Tier(body.tier) == KIND_TIER[BodyKind(body.kind)], body.name_zh
        if body.parent:
            assert (body.parent.party_id, body.parent.tier) == (body.party_id, body.tier)
    lead = {b.name_zh for b in bodies if b.tier == Tier.COORDINATION}
    assert lead == {"上海市人民政府合作交流办公室", "大连市发展和改革委员会"}
    assert sum(1 for b in bodies if b.tier == Tier.DECISION) == 2
    assert any(b.parent_id for b in bodies), "sub-units such as the FTZ areas hang under a parent"


def test_demo_users_cover_every_role_and_can_sign_in(app, client):
    roles = set()
    for user in db.session.scalars(select(User)):
        roles |= {r.value for r in user.roles}
    assert roles == {"admin", "leader", "lead_staff", "secretary", "liaison"}
    response = client.post("/login", data={"username": "liaison.dl.port", "password": "demo-pass-2026"})
    assert response.status_code == 302


def test_seed_demo_mid_year_replays_up_to_now_and_a_second_run_adds_nothing(app):
    """Seeded in June, the demo is the year as it stood in June: nothing dated after that moment."""
    from coordination.assignments.models import Assignment
    from coordination.plans.models import AnnualPlan, PlanItem
    from coordination.timeutil import frozen_at
    from coordination.visits.models import Visit

    june = datetime(2026, 6, 10, 9, 0)  # Beijing time, 01:00 UTC
    runner = app.test_cli_runner()
    with frozen_at(june):
        first = runner.invoke(args=["seed", "--demo"])
        assert first.exit_code == 0 and "demo plans: 2" in first.output, first.output
        before = _counts()
        second = runner.invoke(args=["seed", "--demo"])
    assert second.exit_code == 0 and "nothing" in second.output
    assert _counts() == before
    # (The mechanism and the README accounts are seeded by the fixture, at the real time.)
    replayed = AuditEvent.action.not_like("seed.%")
    assert db.session.scalar(select(func.max(AuditEvent.at)).where(replayed)) <= datetime(2026, 6, 10, 1, 0)
    plans = {p.year: p.state for p in db.session.scalars(select(AnnualPlan))}
    assert plans == {2025: "closed", 2026: "issued"}, "next year's plan is drafted in November"
    states = set(
        db.session.scalars(
            select(Assignment.state).join(PlanItem).join(AnnualPlan).where(AnnualPlan.year == 2026)
        )
    )
    assert {"acknowledged", "in_progress", "cancelled"} <= states
    assert [v.state for v in db.session.scalars(select(Visit).order_by(Visit.starts_on))] == [
        "completed",
        "confirmed",
    ], "the spring visit is over; the autumn one is not planned yet; a working visit is coming"
