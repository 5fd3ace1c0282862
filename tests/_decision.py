"""The decision most tests run under, said explicitly: Decision 817/QĐ-UBND of 2019 (the bundled one).

Library functions take the decision they work for (its window, registry and office calendar);
none falls back to a default below the command line.
"""

from chitieu_lib.decision import DEFAULT_DECISION, load_decision, load_units

DECISION = load_decision(DEFAULT_DECISION)
UNITS = load_units(DECISION)
