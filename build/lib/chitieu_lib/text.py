"""Folding Vietnamese text to comparison keys.

Users type headers, channel words and unit names in every variant: upper or
lower case, NFC or NFD, old (Hoà) or new (Hòa) tone placement, with or without
accents. All of them compare equal after :func:`fold`.
"""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def strip_accents(text: str) -> str:
    """Remove Vietnamese diacritics (đ becomes d) and keep case.

    >>> strip_accents("Hoà Khánh Đông")
    'Hoa Khanh Dong'
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def fold(text: object) -> str:
    """Fold a header, word or name to a key: no accents, lower case, words joined by one space.

    Punctuation (-, –, comma, dot, underscore, slash) separates words.

    >>> fold("  Ngày  tiếp_nhận ")
    'ngay tiep nhan'
    >>> fold("Hoà") == fold("Hòa") == fold("HOÀ")
    True
    """
    if text is None:
        return ""
    folded = strip_accents(str(text)).lower()
    return _NON_WORD.sub(" ", folded).strip()
