"""Branch life models: the organisation tree and its members, session types with their cadence,
sessions and what happens before, during and after them."""

from .assignments import Assignment, AssignmentMember, AssignmentReminder, AssignmentReminderKind
from .audit import BranchLogEntry
from .organisations import Member, Organisation, OrganisationKind, OrganisationManager, Role
from .sessions import (
    Attendance,
    AttendanceStatus,
    Cadence,
    FeedToken,
    LeaveRequest,
    LeaveStatus,
    Session,
    SessionLesson,
    SessionPhoto,
    SessionReminder,
    SessionSeries,
    SessionStatus,
    SessionType,
)

__all__ = [
    "Assignment",
    "AssignmentMember",
    "AssignmentReminder",
    "AssignmentReminderKind",
    "Attendance",
    "AttendanceStatus",
    "BranchLogEntry",
    "Cadence",
    "FeedToken",
    "LeaveRequest",
    "LeaveStatus",
    "Member",
    "Organisation",
    "OrganisationKind",
    "OrganisationManager",
    "Role",
    "Session",
    "SessionLesson",
    "SessionPhoto",
    "SessionReminder",
    "SessionSeries",
    "SessionStatus",
    "SessionType",
]
