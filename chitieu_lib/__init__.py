"""chitieu: online public-service targets of Khanh Hoa's Decision 817/QD-UBND (2019).

The public API (docs/architecture.md) is imported lazily, so that ``chitieu --help`` and
``import chitieu_lib`` stay fast:

>>> from chitieu_lib import load_decision, load_units, unit_rates
>>> from chitieu_lib.decision import DEFAULT_DECISION
>>> int(load_units(load_decision(DEFAULT_DECISION))["target"].notna().sum())
162
"""

from importlib import import_module

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "load_decision": "decision", "load_units": "decision",
    "read_catalog": "windows", "window": "windows",
    "load_dossiers": "ingest", "read_dossier_file": "ingest", "classify": "ingest",
    "apply_as_of": "ingest", "accounting": "ingest",
    "unit_rates": "rates", "monthly_rates": "rates", "rates_by": "rates",
    "project": "projection",
    "open_store": "store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'chitieu_lib' has no attribute '{name}'")


def __dir__():
    return sorted(list(globals()) + __all__)
