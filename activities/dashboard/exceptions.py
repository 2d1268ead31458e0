"""The course dashboard's refusals (it changes nothing of its own: only who may look is refused)."""


class DashboardError(Exception):
    """Base of the dashboard's refusals."""


class NotAllowed(DashboardError):
    """Only staff and facilitators of the course see its dashboard."""
