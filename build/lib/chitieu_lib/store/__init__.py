"""The processed store: a raw folder read once into Parquet, and opened by notebooks and reports.

``ingest(raw_dir, out_dir)`` recognises every file under the raw folder by its
content (dossier export, catalogue, Biểu 06 workbook, flat aggregate CSV,
``source.json``), reads each once and writes ``out_dir``::

    dossiers.parquet    the classified dossier table (contract of chitieu_lib.ingest), no as-of
    catalog.parquet     the procedure catalogue with each procedure's window
    units.parquet       the units registry of the decision
    aggregates.parquet  Biểu 06 and flat aggregate lines (chitieu_lib.aggregate)
    accounting.csv      per input file x reason: rows, example rows
    manifest.json       kit version, inputs (size, mtime, sha256, kind, rows), synthetic flag, data date
    cache/              each dossier file's parsed rows, keyed by its sha256

Re-running on unchanged input does nothing; a changed file is re-parsed (the
others come from the cache) and the global classification (duplicates across
files) is redone. The store is written into a temporary folder and swapped in
whole: a failure leaves the previous store as it was.

``open_store()`` reads it back into a frozen :class:`Store`.

Modules: :mod:`.build` (``ingest``: recognise, hash, parse, classify, account, swap in) and
:mod:`.open` (``open_store``, :class:`Store`, the manifest, where the store lives).
"""

from .build import ACCOUNTING_COLUMNS, CACHE_VERSION, IngestResult, ingest
from .open import (CATEGORY_COLUMNS, ENV_VAR, STORE_FILES, Store, default_processed_dir, open_store, project_root,
                   read_manifest, with_categories)

__all__ = ["ACCOUNTING_COLUMNS", "CACHE_VERSION", "CATEGORY_COLUMNS", "ENV_VAR", "STORE_FILES", "IngestResult",
           "Store", "default_processed_dir", "ingest", "open_store", "project_root", "read_manifest",
           "with_categories"]
