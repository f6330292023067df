"""Validate: decides whether a form's reading can be published, corrected, or needs a human.

Pure logic here (no broker, no database, no clock): `rules` names and explains every rule of
the form, `constraint` finds the most probable reading that obeys the form's arithmetic and
decides whether it may replace the reading, `judge` turns one reading into a verdict, and
`reconcile` weighs two officers' readings, or a new one against a published tally.
"""

from services.validate.constraint import DEFAULT_THRESHOLDS, Thresholds
from services.validate.judge import Verdict, judge
from services.validate.reconcile import Reconciliation, Upload, compare_with_published, reconcile
from services.validate.rules import (
    TpsFacts,
    check_hard_rules,
    check_master_data,
    check_soft_rules,
    turnout_outliers,
)

__all__ = [
    "DEFAULT_THRESHOLDS",
    "Reconciliation",
    "Thresholds",
    "TpsFacts",
    "Upload",
    "Verdict",
    "check_hard_rules",
    "check_master_data",
    "check_soft_rules",
    "compare_with_published",
    "judge",
    "reconcile",
    "turnout_outliers",
]
