"""What the report notebooks call: views of the store, tables, sentences, display and checks.

The notebooks in ``notebooks/`` call only this package and :mod:`chitieu_lib.plots`.

- :mod:`.views`   the units a report is about, their rates, months and projection
- :mod:`.tables`  the report's tables (Vietnamese headers, raw values) and their HTML
- :mod:`.text`    sentences and HTML fragments; every fact about the decision from its file
- :mod:`.display` showing tables and fragments in the notebook (raw values for XLSX/CSV)
- :mod:`.changes` what changed since the last meeting (--since), last year beside this (--previous)
- :mod:`.checks`  cross-checks nbval compares

>>> fmt_pct(0.45), fmt_int(12345), fmt_date("2019-11-30"), fmt_num(2.25, 1)
('45,0%', '12.345', '30/11/2019', '2,3')
"""

from ..labels import SYNTHETIC_NOTE, level_label, reason_label, status_css, status_key, status_label
from ..vi import DASH, _isna, fmt_date, fmt_int, fmt_num, fmt_pct
from .changes import (agency_changes, change_frame, change_table, previous_year, previous_year_html,
                      previous_year_table_html, show_changes)
from .checks import print_checks
from .display import (TABLE_MIME, payload_frame, show_agencies, show_group_rankings, show_html, show_table,
                      table_payload)
from .tables import (agency_table, group_counts, league_table, quality_table, recount, table_html,
                     where_to_push, where_to_push_table)
from .text import (data_source_text, decision_ref, fmt_month, fmt_points, footer_html, gap_dossiers, header_html,
                   headline, headline_html, intro_html, is_synthetic, letter_ref, letters_html,
                   manifest_value, nav_html, pace_text, province_header_html, status_note_html, title_text, track_record_html,
                   window_text)
from .views import (View, all_target_codes, build_view, default_as_of, resolve_as_of, commune_codes, common_target, cumulative,
                    district_codes, fill_months, open_report_store, province_projection, unit_monthly,
                    unit_names, unit_row, units_monthly)

__all__ = [name for name in dir() if not name.startswith("__")]
