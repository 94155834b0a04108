"""Character classes and case maps that mean the same in DuckDB (RE2), Spark (Java) and Python.

`\\s`, `\\d` and `\\w` differ between the three regex engines (Python's are Unicode, RE2's
ASCII; Java's `\\s` has the vertical tab, RE2's has not), and so does lower-casing a few
letters. A pattern that an engine expression and its Python twin share therefore spells its
characters out, from here.

>>> import re
>>> re.sub(f"[{WHITESPACE}]+", " ", "Acme\\u00a0\\u2009Corp\\t")
'Acme Corp '
>>> "İSTANBUL".translate(SIMPLE_LOWER).lower(), "MAÑANA".translate(TO_ASCII_LOWER)
('istanbul', 'maÑana')
"""

from __future__ import annotations

# The body of a class (write `[{WHITESPACE}]`): ASCII whitespace, the no-break space, the
# Unicode spaces U+2000-U+200A, the narrow no-break, medium mathematical and ideographic
# spaces. NBSP and the wide spaces come from Excel and copy-pasted web forms.
WHITESPACE = " \t\n\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000"

# `translate(ASCII_UPPER, ASCII_LOWER)` in the engine and `translate(TO_ASCII_LOWER)` in Python
# lower-case ASCII letters only: each engine's lower() treats other letters its own way.
ASCII_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ASCII_LOWER = "abcdefghijklmnopqrstuvwxyz"
TO_ASCII_LOWER = str.maketrans(ASCII_UPPER, ASCII_LOWER)

# DuckDB lowercases one code point at a time (Unicode simple case mapping); Python's str.lower()
# applies the full mapping, which turns "İ" into two code points and a word-final "Σ" into "ς".
# Translating with this table first makes Python's lower() agree with the engine's.
SIMPLE_LOWER = str.maketrans({"\u0130": "i", "\u03a3": "\u03c3"})
