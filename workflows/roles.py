"""The roles an account holds. Who may do what is decided on these (coordination.permissions,
and the relational roles in workflows.base that the transition tables name)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # 系统管理员
    LEADER = "leader"  # 领导小组成员: reads everything
    LEAD_STAFF = "lead_staff"  # 牵头部门工作人员
    SECRETARY = "secretary"  # 秘书
    LIAISON = "liaison"  # 成员单位联络员
