"""Who may open what: each plan and task page for each role (and anonymous)."""

import pytest
from sqlalchemy import select

from coordination.assignments.models import Assignment
from coordination.extensions import db
from tests import factories as f

ROLES = ["anonymous", "admin", "leader.sh", "lead.dl", "secretary.sh", "liaison.dl.port", "liaison.sh.sci"]
OK, LOGIN, FORBIDDEN = 200, 302, 403

# path template -> expected status per role, in ROLES order
MATRIX = {
    "/plans/": [LOGIN, OK, OK, OK, OK, OK, OK],
    "/plans/{issued}": [LOGIN, OK, OK, OK, OK, OK, OK],
    "/plans/{draft}": [LOGIN, OK, OK, OK, OK, FORBIDDEN, FORBIDDEN],
    "/plans/new": [LOGIN, OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    "/plans/{draft}/items/new": [LOGIN, OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    "/plans/{draft}/revisions": [LOGIN, OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    "/plans/{issued}/export.xlsx": [LOGIN, OK, OK, OK, OK, OK, OK],
    "/plans/{draft}/export.xlsx": [LOGIN, OK, OK, OK, OK, FORBIDDEN, FORBIDDEN],
    "/tasks": [LOGIN, OK, OK, OK, OK, OK, OK],
    "/tasks/{port_task}": [LOGIN, OK, OK, OK, OK, OK, FORBIDDEN],
    "/tasks/{sci_task}": [LOGIN, OK, OK, OK, OK, FORBIDDEN, OK],
    "/verification": [LOGIN, OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    "/meetings/new": [LOGIN, OK, FORBIDDEN, OK, OK, FORBIDDEN, FORBIDDEN],
}


@pytest.fixture
def objects(app):
    issued = f.issued_plan(items=2)
    draft = f.draft_plan(year=issued.year + 1)
    task = {a.body.name_zh: a.id for a in db.session.scalars(select(Assignment))}
    return {
        "issued": issued.id,
        "draft": draft.id,
        "port_task": task["大连港口与口岸局"],
        "sci_task": task["上海市科学技术委员会"],
    }


@pytest.mark.parametrize("path", list(MATRIX))
def test_route_by_role(client, login, objects, path):
    url = path.format(**objects)
    for role, expected in zip(ROLES, MATRIX[path], strict=True):
        if role == "anonymous":
            client.post("/logout")
        else:
            login(role)
        assert client.get(url).status_code == expected, (role, url)
