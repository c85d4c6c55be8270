"""Builders for plans and tasks through the real operations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from coordination.auth.models import User
from coordination.extensions import db
from coordination.framework.models import KeyTask
from coordination.meetings import operations as meetings
from coordination.meetings import plan_agenda
from coordination.organizations.models import Body, Mechanism, Party
from coordination.plans import operations as plans
from coordination.timeutil import frozen_at, local_today, to_local


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def body(name: str) -> Body:
    return db.session.scalar(select(Body).where(Body.name_zh == name))


def key_task(number: int) -> KeyTask:
    return db.session.scalar(select(KeyTask).where(KeyTask.number == number))


def mechanism() -> Mechanism:
    return db.session.scalar(select(Mechanism))


def body_form(**overrides: object) -> dict[str, object]:
    """The admin's form for a new Dalian member unit (大连市生态环境局), as posted."""
    data: dict[str, object] = {
        "party_id": db.session.scalar(select(Party.id).where(Party.code == "dl")),
        "tier": "execution",
        "kind": "member_unit",
        "name_zh": "大连市生态环境局",
        "name_en": "Dalian Ecology and Environment Bureau",
        "short_name": "市生态环境局",
        "parent_id": 0,
        "sort_order": 5,
    }
    return {**data, **overrides}


def later(days: int = 60) -> date:
    return local_today() + timedelta(days=days)


def item_data(
    number: int = 7,
    title: str = "推进两地港航物流合作",
    leads: tuple[str, ...] = ("上海市交通委员会", "大连港口与口岸局"),
    cooperating: tuple[str, ...] = ("上海市商务委员会",),
    deadline: date | None = None,
    workdays: int | None = None,
) -> plans.ItemData:
    return plans.ItemData(
        key_task_id=key_task(number).id,
        title=title,
        content="共建物流通道",
        expected_results="开通航线1条",
        deadline=None if workdays else (deadline or later()),
        deadline_workdays=workdays,
        lead_body_ids=[body(n).id for n in leads],
        cooperating_body_ids=[body(n).id for n in cooperating],
    )


def draft_plan(year: int | None = None, items: int = 1):
    plan = plans.create_plan(mechanism(), year or local_today().year + 1, "工作要点", user("lead.sh"))
    specs = [
        item_data(),
        item_data(15, "组织科技成果对接交流", ("上海市科学技术委员会", "大连市科学技术局"), ()),
        item_data(8, "联合举办招商推介活动", ("上海市商务委员会",), ("大连市商务局",), workdays=20),
    ]
    for spec in specs[:items]:
        plans.add_item(plan, spec, user("lead.sh"))
    db.session.commit()
    return plan


def meeting(days: int = 10):
    """A draft joint meeting `days` from today (negative: in the past, created before it)."""
    dalian = db.session.scalar(select(Party).where(Party.code == "dl"))
    start = later(days)
    with frozen_at(datetime.combine(min(local_today(), start - timedelta(days=5)), datetime.min.time())):
        m = meetings.create_meeting(
            mechanism(),
            user("secretary.dl"),
            meetings.MeetingData(
                kind="joint",
                title="联席会议",
                starts_local=datetime(start.year, start.month, start.day, 9, 30),
                ends_local=datetime(start.year, start.month, start.day, 12, 0),
                host_party_id=dalian.id,
                venue="大连",
            ),
        )
    db.session.commit()
    return m


def hold(m, secretary: str = "secretary.dl"):
    """Records the meeting as held through the real operation, as of its start (or now if that
    is later): held is only ever recorded once begun. A draft is marked scheduled first without
    sending invitations, so tests that count mails and reminders see only their own."""
    who = user(secretary)
    start = to_local(m.starts_at).replace(tzinfo=None)
    if m.state == "draft":
        m.state = "scheduled"
        db.session.flush()
    now = to_local(datetime.now(UTC).replace(tzinfo=None)).replace(tzinfo=None)
    with frozen_at(max(start + timedelta(hours=1), now)):
        meetings.hold(m, who)
    db.session.commit()
    return m


def issued_plan(items: int = 1):
    plan = draft_plan(items=items)
    lead = user("lead.sh")
    m = meeting(-1)  # adopted yesterday, issued today
    plan_agenda.submit_to_meeting(plan, m, lead)
    hold(m)
    plans.adopt(plan, lead)
    plans.issue(plan, lead, "沪合作办〔2026〕1号")
    db.session.commit()
    return plan


def adopted_plan(tasks: int, units: int = 40, year: int | None = None):
    """An adopted plan (ready to issue) of `tasks` tasks spread over `units` execution units, two
    per item (a lead on one side, a co-operating unit on the other), each unit with a liaison and
    a head so reminders have recipients: the shape a real year's plan has, at any size."""
    from coordination.auth.models import Membership, Role, User
    from coordination.organizations.models import Tier

    mechanism_ = mechanism()
    lead = user("lead.sh")
    execution = db.session.scalars(
        select(Body).where(Body.tier == Tier.EXECUTION, Body.active.is_(True)).order_by(Body.id)
    ).all()
    sides = [
        [b for b in execution if b.party_id == p][: units // 2]
        for p in sorted({b.party_id for b in execution})
    ]
    have = set(db.session.scalars(select(User.username)))
    for body_ in sides[0] + sides[1]:
        for head in (False, True):
            if f"u{body_.id}{'h' if head else 'l'}" in have:
                continue
            person = User(username=f"u{body_.id}{'h' if head else 'l'}", name=body_.name_zh[:50], email="")
            person.password_hash = "x"
            person.set_roles({Role.LIAISON})
            person.memberships = [Membership(body=body_, is_head=head)]
            db.session.add(person)
    key_tasks = db.session.scalars(select(KeyTask).where(KeyTask.mechanism_id == mechanism_.id)).all()
    plan = plans.create_plan(mechanism_, year or local_today().year + 1, "工作要点", lead)
    for i in range(tasks // 2):
        side = i % 2
        plans.add_item(
            plan,
            plans.ItemData(
                key_task_id=key_tasks[i % len(key_tasks)].id,
                title=f"合作事项{i + 1}",
                deadline=None if i % 3 == 0 else later(60 + i % 200),
                deadline_workdays=20 + i % 40 if i % 3 == 0 else None,
                lead_body_ids=[sides[side][i % len(sides[side])].id],
                cooperating_body_ids=[sides[1 - side][(i * 7) % len(sides[1 - side])].id],
            ),
            lead,
            revision=False,
        )
    db.session.commit()
    m = meeting(-1)
    plan_agenda.submit_to_meeting(plan, m, lead)
    hold(m)
    plans.adopt(plan, lead)
    db.session.commit()
    return plan
