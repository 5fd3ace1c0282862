"""Pieces of error messages that show a user's own file without echoing its data.

A message names the file, the row and column and what was expected; it may show the headers
found (each cut short, a screenful at most) and at most the offending value of a non-personal
column, cut to 60 characters. Cell values of data rows are never printed otherwise.

>>> short("x" * 100)[-3:], len(short("x" * 100))
('...', 60)
>>> headers_list(["Mã hồ sơ", "", "Ngày nộp"])
"'Mã hồ sơ', 'Ngày nộp'"
"""

from __future__ import annotations

MAX_VALUE = 60          # characters of one value or header shown
MAX_HEADERS = 25        # headers listed in one message
MAX_MESSAGE = 1500      # characters of one message (a screen of 80 x 24 holds 1920)


def short(value: object, limit: int = MAX_VALUE) -> str:
    """A value as shown in a message: one line, at most ``limit`` characters."""
    text = " ".join(str(value if value is not None else "").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def headers_list(headers, limit: int = MAX_HEADERS) -> str:
    """The non-blank headers, quoted and cut short; 'none' when there are none."""
    shown = [f"'{short(h)}'" for h in headers if str(h if h is not None else "").strip()]
    more = len(shown) - limit
    text = ", ".join(shown[:limit]) + (f" and {more} more" if more > 0 else "")
    return text or "none"


def one_screen(message: str, limit: int = MAX_MESSAGE) -> str:
    """A message cut to fit one screen."""
    return message if len(message) <= limit else message[: limit - 3] + "..."
