"""Comparison keys for company names, so that one company written two ways is found as one.

江西洪城水业股份有限公司, 江西洪城水业有限公司 and "江西 洪城水业（集团）有限责任公司" differ only in width,
spaces, brackets and the legal-form suffix; their keys are equal or one contains the other. A branch
(分公司) keeps its suffix: it is a client of its own.
"""

from __future__ import annotations

import re
import unicodedata

# Longest first: the first suffix that matches is removed.
LEGAL_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "股份公司",
    "公司",
    "companylimited",
    "corporationlimited",
    "coltd",
    "limited",
    "ltd",
    "incorporated",
    "inc",
    "corporation",
    "corp",
)
SHARES = "股份"
BRANCH = "分公司"
_NOT_WORD = re.compile(r"[\W_]+")
# A contained key this short would match too much (e.g. 江西).
MIN_CONTAINED = 4


def name_key(name: str) -> str:
    """Folded (NFKC), case-free, without spaces, brackets, punctuation or the legal-form suffix."""
    text = _NOT_WORD.sub("", unicodedata.normalize("NFKC", name or "").casefold())
    if text.endswith(BRANCH):
        return text
    for suffix in LEGAL_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    if text.endswith(SHARES) and len(text) > len(SHARES):
        text = text[: -len(SHARES)]
    return text
