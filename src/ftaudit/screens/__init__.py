"""Deterministic screens: cheap, explainable detectors that no training line can argue with.

:func:`run_screens` runs every registered screen on a job and builds the
:class:`~ftaudit.report.AuditReport`; :func:`combine` is the rule that turns the screens'
scores into one risk score.
"""

from ftaudit.screens.base import Screen, ScreenContext, ScreenResult
from ftaudit.screens.combine import CombineRule, calibrate_weights, combine
from ftaudit.screens.registry import get_screen, screens
from ftaudit.screens.run import ScreenRun, run_screens, run_screens_sync, score_suite

__all__ = [
    "CombineRule",
    "Screen",
    "ScreenContext",
    "ScreenResult",
    "ScreenRun",
    "calibrate_weights",
    "combine",
    "get_screen",
    "run_screens",
    "run_screens_sync",
    "score_suite",
    "screens",
]
