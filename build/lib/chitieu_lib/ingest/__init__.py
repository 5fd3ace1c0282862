"""Loading record-level one-stop exports: read → map headers → normalise → resolve units →
classify → account. See docs/architecture.md for the dossier table it returns."""

from .accounting import accounting
from .classify import EXCLUSIONS, REASON_LABELS, REASONS, apply_as_of, classify
from .format import load_format
from .headers import map_headers, read_header_map
from .load import expand_paths, load_dossiers, read_dossier_file
from .units import resolve_names, resolve_units

__all__ = ["accounting", "apply_as_of", "classify", "expand_paths", "load_dossiers", "load_format",
           "map_headers", "read_dossier_file", "read_header_map", "resolve_names", "resolve_units",
           "REASONS", "REASON_LABELS", "EXCLUSIONS"]
