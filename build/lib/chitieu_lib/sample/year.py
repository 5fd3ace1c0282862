"""The decision the synthetic sample year is drawn for.

The sample is a 2019 year of Khánh Hòa, so it is drawn for Decision 817/QĐ-UBND of 2019
(its window, registry and office calendar) — said here once, explicitly, rather than by
falling back to a default decision.
"""

from __future__ import annotations

from ..decision import DEFAULT_DECISION, Decision, load_decision

SAMPLE_DECISION_FILE = DEFAULT_DECISION


def sample_decision() -> Decision:
    """Decision 817/QĐ-UBND, the one the sample year (and the simulated worlds) are drawn for."""
    return load_decision(SAMPLE_DECISION_FILE)
