"""A year of work replayed through the real operations, in the order it happened, up to now:
last year's plan carried out and closed, this year's plan drafted, consulted on, adopted at the
joint meeting (whose decisions become tasks), issued and worked on by the member units, two
high-level visits whose outcomes become tasks, and next year's plan in consultation.

Every step runs at its own moment (timeutil.frozen_at) and the replay stops at the first step
still in the future, so nothing is recorded before it happens, whenever the seed runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import count

from sqlalchemy import select, update

from coordination import outbox
from coordination.assignments import operations as tasks
from coordination.assignments import queries as task_queries
from coordination.assignments.models import Assignment
from coordination.audit.operations import record
from coordination.auth.models import Membership, Role, User
from coordination.extensions import db
from coordination.framework.models import KeyTask
from coordination.inbox import Notification
from coordination.meetings import operations as meetings
from coordination.meetings import plan_agenda
from coordination.meetings.models import Decision, Meeting
from coordination.notifications.models import NotificationMail
from coordination.organizations.models import Body, Mechanism, Party
from coordination.plans import operations as plans
from coordination.plans.models import AnnualPlan
from coordination.reminders.models import Reminder
from coordination.reminders.schedule import sync_assignment
from coordination.seed import data
from coordination.seed.demo_data import (
    AUTUMN_VISIT_OUTCOMES,
    COMMENTS,
    DECISIONS,
    LAST_YEAR,
    NEXT_YEAR,
    NEXT_YEAR_COMMENTS,
    SPRING_VISIT_OUTCOMES,
    THIS_YEAR,
    UNIT_LIAISONS,
    FollowUp,
    Item,
    Story,
)
from coordination.timeutil import frozen_at, to_local, utcnow
from coordination.visits import operations as visits
from coordination.visits.models import Visit, VisitOutcome
from workflows.workdays import add_workdays, next_workday

# A plan's first report is due before its work starts; these stand in when an item has none.
PLANNING = "已制定工作方案，明确责任分工和时间节点。"
FINISHING = "主体工作已基本完成，正在整理成果材料。"


def demo_year(today: date) -> int:
    """The year the demo replays: this one once its plan has been issued (March), before that
    the last one, whose plan then ran its whole course."""
    return today.year if today >= date(today.year, 4, 1) else today.year - 1


def _workday_before(day: date) -> date:
    """day itself when it is a working day, else the last working day before it."""
    return add_workdays(day + timedelta(days=1), -1)


def _cn(day: date) -> str:
    return f"{day.month}月{day.day}日"


@dataclass(order=True)
class _Step:
    moment: datetime
    order: int
    action: Callable[[], object] = field(compare=False)


@dataclass
class Replay:
    mechanism: Mechanism
    year: int
    now: datetime  # Beijing wall-clock time; steps after it are not (yet) history
    user: dict[str, User] = field(default_factory=dict)
    body: dict[str, Body] = field(default_factory=dict)
    liaison: dict[str, User] = field(default_factory=dict)  # unit name → its liaison
    key_task: dict[int, int] = field(default_factory=dict)
    party: dict[str, int] = field(default_factory=dict)
    plan: dict[int, AnnualPlan] = field(default_factory=dict)
    task: dict[tuple[str, str], Assignment] = field(default_factory=dict)  # (source, unit) → task
    steps: list[_Step] = field(default_factory=list)
    _order: Iterator[int] = field(default_factory=count)
    _variety: Iterator[int] = field(default_factory=count)  # spreads dates and times over the units

    # --- the timeline -------------------------------------------------------------------------

    def at(self, day: date, clock: str, action: Callable[[], object], *, later_by: int = 0) -> None:
        hour, minute = (int(part) for part in clock.split(":"))
        moment = datetime.combine(day, time(hour, minute)) + timedelta(minutes=later_by)
        self.steps.append(_Step(moment, next(self._order), action))

    def run(self) -> None:
        for step in sorted(self.steps):
            if step.moment > self.now:
                break  # everything after this is still to come
            with frozen_at(step.moment):
                step.action()
                db.session.flush()

    # --- people -------------------------------------------------------------------------------

    def lead_of(self, unit: str) -> User:
        """The lead department's staff of the unit's own city verifies its tasks."""
        sh = self.body[unit].party_id == self.party["sh"]
        return self.user["lead.sh" if sh else "lead.dl"]

    # --- one task's course --------------------------------------------------------------------

    def story(
        self,
        source: str,
        unit: str,
        story: Story,
        start: date,
        deadline: date,
        *,
        progress: str,
        results: str,
        note: str = "",
    ) -> None:
        """Schedules what the unit and the lead department do with one task, day by day."""
        if story == "assigned":
            return
        liaison, lead = self.liaison[unit], self.lead_of(unit)
        span = (deadline - start).days
        variety = next(self._variety)
        last = start

        def on(day: date, clock: str, action: Callable[[], object], *, by_deadline: bool = False) -> date:
            nonlocal last
            day = _workday_before(day) if by_deadline else next_workday(day)
            if day <= last:
                day = next_workday(last + timedelta(days=1))
            last = day
            self.at(day, clock, action, later_by=variety * 17 % 80)  # not every unit at 10:00 sharp
            return day

        def task() -> Assignment:  # looked up when the step runs: issue creates it
            return self.task[(source, unit)]

        def report(day: date, text: str, percent: int) -> None:
            def act() -> None:
                period = f"{to_local(utcnow()).year}年{to_local(utcnow()).month}月"
                tasks.report_progress(task(), liaison, text=text, percent=percent, period=period)

            on(day, "10:00", act)

        def ask_extension(day: date, requested: date) -> None:
            on(
                day,
                "14:00",
                lambda: tasks.request_extension(
                    task(), liaison, reason=note, requested_date=requested, progress=progress
                ),
            )

        def submit(day: date, *, by_deadline: bool = False) -> None:
            on(
                day,
                "11:00",
                lambda: tasks.submit_completion(task(), liaison, results=results),
                by_deadline=by_deadline,
            )

        def close(day: date, quality: int) -> None:
            on(day, "16:30", lambda: tasks.close(task(), lead, quality=quality))

        def part(share: float) -> date:
            return start + timedelta(days=int(span * share))

        on(start + timedelta(days=1 + variety % 4), "09:30", lambda: tasks.acknowledge(task(), liaison))
        first = 40 + variety % 3 * 10
        if story == "acknowledged":
            return
        if story == "cancelled":
            on(start + timedelta(days=57), "15:00", lambda: tasks.cancel(task(), lead, reason=note))
            return
        if story == "progress":
            report(part(0.35), PLANNING, 30)
            report(part(0.7), progress, 60 + variety % 3 * 5)
            return
        if story == "late":
            report(part(0.4), PLANNING, first)
            report(deadline - timedelta(days=5), progress, 80)
            submit(deadline + timedelta(days=12))
            close(deadline + timedelta(days=15), 3)
            return
        report(part(0.45), progress, first)
        if story == "closed":
            submitted = deadline - timedelta(days=6 + variety % 6)
            submit(submitted, by_deadline=True)
            close(submitted + timedelta(days=2 + variety % 3), 5 if variety % 2 else 4)
        elif story == "submitted":
            submit(deadline - timedelta(days=8 + variety % 5), by_deadline=True)
        elif story == "returned":
            submit(deadline - timedelta(days=12), by_deadline=True)
            on(
                deadline - timedelta(days=9),
                "16:00",
                lambda: tasks.return_for_rework(task(), lead, reason=note),
            )
        elif story == "extended":
            extended_to = deadline + timedelta(days=61)
            ask_extension(deadline - timedelta(days=20), extended_to)
            on(
                deadline - timedelta(days=18),
                "16:00",
                lambda: tasks.decide_extension(
                    task().extensions[-1], lead, approve=True, note=f"同意延期至{_cn(extended_to)}。"
                ),
            )
            report(deadline + timedelta(days=10), FINISHING, 85)
            submit(deadline + timedelta(days=35))
            close(deadline + timedelta(days=38), 4)
        elif story == "pending":
            ask_extension(deadline - timedelta(days=43), deadline + timedelta(days=90))
        elif story == "rejected":
            ask_extension(deadline - timedelta(days=25), deadline + timedelta(days=30))
            on(
                deadline - timedelta(days=23),
                "16:00",
                lambda: tasks.decide_extension(
                    task().extensions[-1], lead, approve=False, note="请按原定时限完成，相关活动可统筹安排。"
                ),
            )
            submit(deadline - timedelta(days=4), by_deadline=True)
            close(deadline - timedelta(days=1), 4)

    # --- an annual plan's year ------------------------------------------------------------------

    def item_data(self, item: Item, year: int) -> plans.ItemData:
        return plans.ItemData(
            key_task_id=self.key_task[item.key_task],
            title=item.title,
            content=item.content,
            expected_results=item.expected,
            deadline=date(year, *item.due) if isinstance(item.due, tuple) else None,
            deadline_workdays=None if isinstance(item.due, tuple) else int(item.due),
            lead_body_ids=[self.body[item.sh].id, self.body[item.dl].id],
            cooperating_body_ids=[self.body[c].id for c in item.coop],
        )

    def draft(self, year: int, items: Sequence[Item], title: str, day: date) -> date:
        """Both lead departments draft the items, each in one sitting, then consult the units."""
        lead_sh, lead_dl = self.user["lead.sh"], self.user["lead.dl"]
        half = (len(items) + 1) // 2

        def sitting(actor: User, share: Sequence[Item], note: str) -> None:
            plan = self.plan[year]
            for item in share:
                plans.add_item(plan, self.item_data(item, year), actor, revision=False)
            plans.save_revision(plan, actor, note)

        def create() -> None:
            self.plan[year] = plans.create_plan(self.mechanism, year, title, lead_sh)
            sitting(lead_sh, items[:half], "上海方起草")

        day = next_workday(day)
        self.at(day, "09:30", create)
        day = next_workday(day + timedelta(days=2))
        self.at(day, "10:00", lambda: sitting(lead_dl, items[half:], "大连方补充"))
        day = next_workday(day + timedelta(days=7))
        self.at(day, "09:00", lambda: plans.start_consultation(self.plan[year], lead_sh))
        return day

    def comment(self, year: int, day: date, title: str, username: str, text: str) -> None:
        def act() -> None:
            item = next(i for i in self.plan[year].items if i.title == title)
            plans.add_comment(item, self.user[username], text)

        self.at(next_workday(day), "15:00", act)

    def joint_meeting(
        self, year: int, host: str, *, scheduled_on: date, meets_on: date, venue: str, chair: str
    ) -> tuple[Callable[[], Meeting], date]:
        """Scheduled in February, held in March; the plan goes on its agenda and is adopted there."""
        secretary = self.user[f"secretary.{host}"]
        holder: dict[str, Meeting] = {}
        meets_on = next_workday(meets_on)
        last_year_office = "上海市人民政府合作交流办公室" if host == "sh" else "大连市发展和改革委员会"

        def create() -> None:
            meeting = meetings.create_meeting(
                self.mechanism,
                secretary,
                meetings.MeetingData(
                    kind="joint",
                    title=f"{year}年沪连对口合作联席会议",
                    starts_local=datetime.combine(meets_on, time(9, 30)),
                    ends_local=datetime.combine(meets_on, time(12, 0)),
                    host_party_id=self.party[host],
                    venue=venue,
                    chair_name=chair,
                ),
            )
            holder["meeting"] = meeting
            chair_user = f"leader.{host}"
            for username in (chair_user, "leader.sh" if host == "dl" else "leader.dl", "lead.sh", "lead.dl"):
                role = "chair" if username == chair_user else "required"
                meetings.add_attendee(meeting, secretary, user=self.user[username], role=role)
            meetings.add_agenda_item(
                meeting,
                secretary,
                title=f"{year - 1}年度对口合作工作总结",
                presenter_body_id=self.body[last_year_office].id,
                planned_minutes=30,
            )
            meetings.add_agenda_item(
                meeting,
                secretary,
                title="重点合作项目推进情况",
                presenter_body_id=self.body["上海市发展和改革委员会"].id,
                planned_minutes=30,
            )
            plan_agenda.submit_to_meeting(self.plan[year], meeting, self.user[f"lead.{host}"])
            meetings.schedule(meeting, secretary)

        def answer() -> None:
            for attendee, reply in zip(
                holder["meeting"].attendees, ("accepted", "accepted", "tentative", "accepted"), strict=True
            ):
                meetings.answer(attendee, reply)

        def hold() -> None:
            meetings.hold(holder["meeting"], secretary)

        def adopt() -> None:
            meeting = holder["meeting"]
            item = next(a for a in meeting.agenda if a.plan_id == self.plan[year].id)
            meetings.adopt_plan_at(meeting, secretary, item)

        scheduled_on = next_workday(scheduled_on)
        self.at(scheduled_on, "10:00", create)
        self.at(next_workday(scheduled_on + timedelta(days=2)), "09:00", answer)
        self.at(meets_on, "12:00", hold)
        self.at(meets_on, "12:10", adopt)
        return (lambda: holder["meeting"]), meets_on

    def minutes(
        self,
        year: int,
        host: str,
        meeting: Callable[[], Meeting],
        meets_on: date,
        decisions: Sequence[FollowUp],
    ) -> date:
        """The secretary writes the minutes the next day, publishes them and assigns the decisions."""
        secretary = self.user[f"secretary.{host}"]
        made: dict[str, Decision] = {}
        outcomes = (
            f"会议听取了{year - 1}年度对口合作工作总结，肯定了两地各成员单位的工作成效。",
            "会议听取了重点合作项目推进情况的汇报，要求加快推进在谈项目落地。",
            f"会议审议通过了《{year}年沪连对口合作工作要点》，请两地牵头部门尽快印发实施。",
        )

        def write() -> None:
            for agenda_item, text in zip(meeting().agenda, outcomes, strict=True):
                meetings.record_outcome(meeting(), secretary, agenda_item, text)
            for decision in decisions:
                made[decision.text] = meetings.add_decision(
                    meeting(),
                    secretary,
                    text=decision.text,
                    deadline=date(year, *decision.due),
                    body_ids=[self.body[u].id for u in decision.units],
                    key_task_id=self.key_task[decision.key_task],
                )

        def publish() -> None:
            meetings.publish_minutes(meeting(), secretary)
            for decision in decisions:
                created = meetings.assign_decision(meeting(), secretary, made[decision.text])
                self._remember(f"decision:{decision.text}", created)

        written = next_workday(meets_on + timedelta(days=1))
        published = next_workday(written + timedelta(days=2))
        self.at(written, "10:00", write)
        self.at(published, "10:00", publish)
        self._follow(decisions, "decision", published, year)
        return published

    def issue(self, year: int, day: date, document_number: str, items: Sequence[Item]) -> date:
        def act() -> None:
            plans.issue(self.plan[year], self.user["lead.sh"], document_number)
            self._remember(year, task_queries.of_plan(self.plan[year].id))

        day = next_workday(day)
        self.at(day, "15:00", act)
        for item in items:
            if not isinstance(item.due, tuple):
                raise ValueError(f"an issued demo plan's items have dated deadlines: {item.title}")
            deadline = date(year, *item.due)
            sh, dl, coop = item.stories
            for unit, story in ((item.sh, sh), (item.dl, dl), *((c, coop) for c in item.coop)):
                cooperating = unit in item.coop
                self.story(
                    f"{year}:{item.title}",
                    unit,
                    story,
                    day,
                    deadline,
                    progress=f"配合牵头单位做好相关工作。{item.progress}"
                    if cooperating
                    else item.progress or PLANNING,
                    results="已按牵头单位要求完成配合工作。"
                    if cooperating
                    else item.results or "已完成预期成果。",
                    note=item.note,
                )
        return day

    def _remember(self, source: int | str, created: Sequence[Assignment]) -> None:
        for assignment in created:
            key = f"{source}:{assignment.title}" if isinstance(source, int) else source
            self.task[(key, assignment.body.name_zh)] = assignment

    def _follow(self, follow_ups: Sequence[FollowUp], kind: str, start: date, year: int) -> None:
        for follow_up in follow_ups:
            for unit, story in zip(follow_up.units, follow_up.stories, strict=True):
                self.story(
                    f"{kind}:{follow_up.text}",
                    unit,
                    story,
                    start,
                    date(year, *follow_up.due),
                    progress=follow_up.progress or PLANNING,
                    results=follow_up.results or "已完成。",
                )

    # --- high-level visits --------------------------------------------------------------------

    def visit(
        self,
        *,
        title: str,
        visiting: str,
        planned_on: date,
        starts_on: date,
        days: int,
        leader: str,
        itinerary: Sequence[tuple[int, str, int, str, str, str]],
        outcomes: Sequence[FollowUp],
    ) -> None:
        """Planned a month ahead, confirmed, completed on its last day, outcomes turned into tasks."""
        host = "dl" if visiting == "sh" else "sh"
        secretary = self.user[f"secretary.{host}"]
        starts_on = next_workday(starts_on)
        ends_on = starts_on + timedelta(days=days - 1)
        holder: dict[str, Visit] = {}  # made by the first step, used by the later ones
        recorded: list[VisitOutcome] = []

        def plan() -> None:
            visit = visits.create_visit(
                self.mechanism,
                secretary,
                visits.VisitData(
                    title=title,
                    visiting_party_id=self.party[visiting],
                    host_party_id=self.party[host],
                    starts_on=starts_on,
                    ends_on=ends_on,
                    leader_name=leader,
                    host_contact=f"{secretary.name} {'021' if host == 'sh' else '0411'}-00000000",
                    reception_notes="按公务接待标准安排；住宿、用餐由接待方统一安排。",
                ),
            )
            holder["visit"] = visit
            for username, role in (
                (f"leader.{visiting}", "chair"),
                (f"lead.{visiting}", "required"),
                (f"leader.{host}", "required"),
                (f"lead.{host}", "optional"),
            ):
                visits.add_member(visit, secretary, user=self.user[username], role=role)
            for day, clock, hours, kind, what, place in itinerary:
                hour, minute = (int(p) for p in clock.split(":"))
                starts = datetime.combine(starts_on + timedelta(days=day), time(hour, minute))
                visits.add_itinerary_item(
                    visit,
                    secretary,
                    kind=kind,
                    title=what,
                    starts_local=starts,
                    ends_local=starts + timedelta(hours=hours),
                    place=place,
                )

        def record_outcomes() -> None:
            visit = holder["visit"]
            recorded[:] = [
                visits.add_outcome(
                    visit,
                    secretary,
                    kind=o.kind,
                    text=o.text,
                    deadline=date(self.year, *o.due),
                    body_ids=[self.body[u].id for u in o.units],
                    key_task_id=self.key_task[o.key_task],
                )
                for o in outcomes
            ]

        def assign() -> None:
            for follow_up, outcome in zip(outcomes, recorded, strict=True):
                created = visits.assign_outcome(holder["visit"], secretary, outcome)
                self._remember(f"visit:{follow_up.text}", created)

        planned_on = next_workday(planned_on)
        self.at(planned_on, "10:00", plan)
        self.at(
            next_workday(planned_on + timedelta(days=5)),
            "10:00",
            lambda: visits.confirm(holder["visit"], secretary),
        )
        self.at(ends_on, "18:00", lambda: visits.complete(holder["visit"], secretary))
        written = next_workday(ends_on + timedelta(days=1))
        self.at(written, "10:00", record_outcomes)
        assigned = next_workday(written + timedelta(days=1))
        self.at(assigned, "10:00", assign)
        self._follow(outcomes, "visit", assigned, self.year)


def _unit_liaisons(bodies: dict[str, Body]) -> int:
    """A liaison for every member unit that has tasks in the demo (the README's six and these)."""
    known = set(db.session.scalars(select(User.username)))
    missing = [spec for spec in UNIT_LIAISONS if spec[0] not in known]
    password_hash: str | None = None
    for username, name, unit in missing:
        user = User(username=username, name=name, email=f"{username}@hulian.example.cn")
        # One hash for all: the demo password is published; forty scrypt runs would double the seed.
        if password_hash is None:
            user.set_password(data.DEMO_PASSWORD)
            password_hash = user.password_hash
        user.password_hash = password_hash
        user.set_roles({Role.LIAISON})
        user.memberships = [Membership(body=bodies[unit])]
        db.session.add(user)
    if missing:
        db.session.flush()
        record(
            "seed.demo_users",
            summary=f"users: {len(missing)}",
            after={"users": len(missing)},
            object_type="users",
        )
    return len(missing)


def load_demo_plans(mechanism: Mechanism) -> Counter[str]:
    """Replays the demo year up to now on a mechanism that has no plans yet."""
    if db.session.scalar(select(AnnualPlan.id).where(AnnualPlan.mechanism_id == mechanism.id).limit(1)):
        return Counter()
    now = to_local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)
    year = demo_year(now.date())
    replay = Replay(mechanism, year, now)
    replay.body = {
        b.name_zh: b for b in db.session.scalars(select(Body).where(Body.mechanism_id == mechanism.id))
    }
    created = Counter({"demo plans": 0})
    with frozen_at(datetime(year - 1, 1, 2, 9)):
        if users := _unit_liaisons(replay.body):
            created["users"] = users
    replay.user = {u.username: u for u in db.session.scalars(select(User))}
    for user in replay.user.values():
        if user.has_role(Role.LIAISON):
            for membership in user.memberships:
                replay.liaison.setdefault(membership.body.name_zh, user)
    replay.key_task = {
        t.number: t.id
        for t in db.session.scalars(select(KeyTask).where(KeyTask.mechanism_id == mechanism.id))
    }
    replay.party = {
        p.code: p.id for p in db.session.scalars(select(Party).where(Party.mechanism_id == mechanism.id))
    }
    _script(replay)
    replay.run()
    created["demo plans"] = len(replay.plan)
    with frozen_at(now):
        _upcoming_visit(replay)
        _forget_missed_reminders()
        _settle_past_notifications()
    return created


def _script(replay: Replay) -> None:
    y = replay.year

    # Last year: drafted, adopted in Shanghai, issued, carried out, closed in January.
    replay.draft(y - 1, LAST_YEAR, f"{y - 1}年沪连对口合作工作要点", date(y - 1, 1, 6))
    meeting, meets_on = replay.joint_meeting(
        y - 1,
        "sh",
        scheduled_on=date(y - 1, 2, 3),
        meets_on=date(y - 1, 3, 6),
        venue="上海市人民政府合作交流办公室会议室",
        chair="王明远",
    )
    published = replay.minutes(y - 1, "sh", meeting, meets_on, ())
    replay.issue(y - 1, published + timedelta(days=1), f"沪合作办〔{y - 1}〕6号", LAST_YEAR)
    replay.at(
        next_workday(date(y, 1, 20)), "10:00", lambda: plans.close(replay.plan[y - 1], replay.user["lead.sh"])
    )

    # This year: the full course, in Dalian.
    consulting = replay.draft(y, THIS_YEAR, f"{y}年沪连对口合作工作要点", date(y, 1, 5))
    for offset, (title, username, text) in enumerate(COMMENTS):
        replay.comment(y, consulting + timedelta(days=2 + offset), title, username, text)
    meeting, meets_on = replay.joint_meeting(
        y,
        "dl",
        scheduled_on=date(y, 2, 2),
        meets_on=date(y, 3, 5),
        venue="大连市人民政府第一会议室",
        chair="刘振华",
    )
    published = replay.minutes(y, "dl", meeting, meets_on, DECISIONS)
    replay.issue(y, published + timedelta(days=1), f"沪合作办〔{y}〕5号", THIS_YEAR)

    replay.visit(
        title="上海市党政代表团赴大连学习考察",
        visiting="sh",
        planned_on=date(y, 4, 14),
        starts_on=date(y, 5, 19),
        days=3,
        leader="王明远",
        itinerary=(
            (0, "14:00", 2, "meeting", "沪连对口合作座谈会", "大连市人民政府"),
            (1, "09:00", 3, "site_visit", "考察大连金普新区和自贸片区", "大连金普新区"),
            (1, "14:30", 2, "site_visit", "考察瓦房店示范园区", "瓦房店市"),
            (2, "10:00", 1, "signing", "沪连共建示范园区合作签约", "大连国际会议中心"),
        ),
        outcomes=SPRING_VISIT_OUTCOMES,
    )
    replay.visit(
        title="大连市党政代表团赴上海学习考察",
        visiting="dl",
        planned_on=date(y, 8, 17),
        starts_on=date(y, 9, 15),
        days=2,
        leader="刘振华",
        itinerary=(
            (0, "09:00", 2, "meeting", "沪连对口合作座谈会", "上海市人民政府合作交流办公室"),
            (0, "14:00", 2, "site_visit", "考察张江科学城", "上海张江"),
            (1, "09:30", 1, "signing", "科技成果转化合作签约", "上海国际会议中心"),
        ),
        outcomes=AUTUMN_VISIT_OUTCOMES,
    )

    # Next year: drafted in November, in consultation, its joint meeting in draft.
    consulting = replay.draft(
        y + 1, NEXT_YEAR, f"{y + 1}年沪连对口合作工作要点（征求意见稿）", date(y, 11, 2)
    )
    for offset, (title, username, text) in enumerate(NEXT_YEAR_COMMENTS):
        replay.comment(y + 1, consulting + timedelta(days=3 + 4 * offset), title, username, text)
    replay.at(
        next_workday(consulting + timedelta(days=5)),
        "11:00",
        lambda: meetings.create_meeting(
            replay.mechanism,
            replay.user["secretary.sh"],
            meetings.MeetingData(
                kind="joint",
                title=f"{y + 1}年沪连对口合作联席会议",
                starts_local=datetime.combine(next_workday(date(y + 1, 3, 4)), time(9, 30)),
                ends_local=datetime.combine(next_workday(date(y + 1, 3, 4)), time(12, 0)),
                host_party_id=replay.party["sh"],
                venue="上海市人民政府合作交流办公室会议室",
            ),
        ),
    )


def _upcoming_visit(replay: Replay) -> None:
    """A working visit three weeks from now, confirmed, itinerary sent."""
    start = replay.now.date() + timedelta(days=21)
    secretary = replay.user["secretary.sh"]
    visit = visits.create_visit(
        replay.mechanism,
        secretary,
        visits.VisitData(
            title=f"大连市对口合作工作领导小组赴上海对接{start.year + (start.month > 6)}年合作事项",
            visiting_party_id=replay.party["dl"],
            host_party_id=replay.party["sh"],
            starts_on=start,
            ends_on=start + timedelta(days=1),
            leader_name="刘振华",
            host_contact="周晓雯 021-00000000",
            reception_notes="按公务接待标准安排；住宿、用餐由接待方统一安排。",
        ),
    )
    for username, role in (("leader.dl", "chair"), ("lead.dl", "required"), ("leader.sh", "required")):
        visits.add_member(visit, secretary, user=replay.user[username], role=role)
    day = datetime.combine(start, time())
    for hours, length, kind, title, place in (
        (9, 2, "meeting", "沪连对口合作座谈会", "上海市人民政府合作交流办公室"),
        (14, 2, "site_visit", "考察临港新片区", "上海临港"),
        (33, 1, "signing", "港航合作项目签约", "上海国际会议中心"),
    ):
        starts = day + timedelta(hours=hours)
        visits.add_itinerary_item(
            visit,
            secretary,
            kind=kind,
            title=title,
            starts_local=starts,
            ends_local=starts + timedelta(hours=length),
            place=place,
        )
    visits.confirm(visit, secretary)
    db.session.flush()


READ_AFTER = timedelta(days=14)


def _settle_past_notifications() -> None:
    """The replayed year's people have read what they were told more than two weeks ago, and
    its e-mail went out at the time: nothing of the past reaches a mailbox when the demo starts."""
    now = utcnow()
    db.session.execute(
        update(Notification)
        .where(Notification.read_at.is_(None), Notification.created_at < now - READ_AFTER)
        .values(read_at=now)
    )
    db.session.execute(
        update(NotificationMail)
        .where(NotificationMail.status == outbox.PENDING, NotificationMail.due_at < now)
        .values(status=outbox.CANCELLED, last_error="演示数据：往期通知不再发送")
    )


def _forget_missed_reminders() -> None:
    """Reminders that fell due during the replay are in the past now: the same rule as any
    change (never send yesterday's reminder late) drops them, instead of a burst of stale mail."""
    db.session.flush()
    stale = db.session.scalars(
        select(Reminder.assignment_id)
        .where(Reminder.status == "pending", Reminder.due_at < utcnow(), Reminder.assignment_id.is_not(None))
        .distinct()
    ).all()
    for assignment_id in stale:
        sync_assignment(db.session.get_one(Assignment, assignment_id))
