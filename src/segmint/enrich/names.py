"""Domain and company-name keys for matching accounts, in Python and in the engine."""

from __future__ import annotations

import re

import ibis
import ibis.expr.types as ir

from segmint.text_classes import SIMPLE_LOWER, WHITESPACE

# Regex rules as in validate/parsers: every pattern means the same in RE2 (DuckDB), Java (Spark)
# and Python: characters listed by hand (no \s, \w, \d; see segmint.text_classes), literal
# replacements, no back-references. Unicode letters are given as literal code point ranges.
# A domain is also trimmed of the byte-order mark, as the parsers strip it; the geography and
# industry keys do not treat it as space, and adding it there would change which texts match.
_WHITESPACE = WHITESPACE + "\ufeff"

# --- domains ---------------------------------------------------------------------------------

_IDN = "\u00a1-\ud7ff"  # letters of internationalised domain names (münchen.de, 日本.jp)
_LABEL = f"[a-z0-9{_IDN}](?:[a-z0-9{_IDN}-]*[a-z0-9{_IDN}])?"
_HOST = f"^{_LABEL}(?:\\.{_LABEL})*\\.(?:[a-z{_IDN}]{{2,63}}|xn--[a-z0-9-]{{1,59}})$"
_DOMAIN_STEPS = (  # (pattern, replacement), applied in order
    (f"^[{_WHITESPACE}]+|[{_WHITESPACE}]+$", ""),  # trim
    ("^<|>$", ""),  # <https://acme.com> as mail clients write it
    ("^[a-z][a-z0-9+.-]*://", ""),  # scheme
    ("^mailto:", ""),
    ("[/?#\\\\].*$", ""),  # path, query, fragment
    ("^(?:[^@]*@)+", ""),  # an e-mail address, or user:password@ before the host
    (":[0-9]*$", ""),  # port
    ("^(?:www[0-9]?\\.)+", ""),  # www., www2.
    ("^\\.+|\\.+$", ""),  # leading and trailing dots (the root dot: acme.com.)
)
# Mailbox providers: an address there says nothing about the company, so it is no domain at
# all (two accounts at gmail.com are not one company). Placeholders from forms are junk too.
NOT_COMPANY_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.co.jp",
    "ymail.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr", "outlook.com", "live.com",
    "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "mail.com", "gmx.de", "gmx.net",
    "web.de", "t-online.de", "orange.fr", "free.fr", "laposte.net", "yandex.ru", "mail.ru",
    "qq.com", "163.com", "126.com", "naver.com", "protonmail.com", "proton.me", "zoho.com",
    "comcast.net", "example.com", "example.org", "example.net", "domain.com", "none.com",
})
_DOMAIN_STEPS_RE = tuple((re.compile(p), r) for p, r in _DOMAIN_STEPS)
_HOST_RE = re.compile(_HOST)
_INNER_SPACE = f"[{_WHITESPACE}]"
_INNER_SPACE_RE = re.compile(_INNER_SPACE)


def normalise_domain(col: ir.StringValue) -> ir.StringValue:
    """The registrable host of a website, URL or e-mail address: the key that matches accounts.

    Lowercase; scheme, ``www.``, path, query, port, user and trailing dots removed; an e-mail
    address gives its domain. Text that is not a host name (spaces inside, no dot, an IP
    address, a mailbox provider such as gmail.com, a placeholder such as example.com) is
    unknown. Subdomains other than ``www`` are kept: ``eu.acme.com`` may be another company's
    site on a shared host, so it is not merged with ``acme.com`` on a guess. Built from
    portable string operations only.

    Parameters
    ----------
    col : ibis.StringValue
        Website, URL, domain or e-mail address as typed in the CRM.

    Returns
    -------
    ibis.StringValue
        The domain, or null when unknown.

    Examples
    --------
    >>> t = ibis.memtable({"website": ["https://www.Acme.co.uk/about", "jane@acme.com", "-"]})
    >>> normalise_domain(t.website).name("domain").execute().tolist()
    ['acme.co.uk', 'acme.com', None]
    """
    host = col.cast("string").lower()
    for pattern, replacement in _DOMAIN_STEPS:
        host = host.re_replace(pattern, replacement)
    junk = host.re_search(_INNER_SPACE) | ~host.re_search(_HOST) | host.isin(
        sorted(NOT_COMPANY_DOMAINS))
    return ibis.ifelse(junk.fill_null(True), ibis.null("string"), host)


def normalise_domain_py(text: str | None) -> str | None:
    """`normalise_domain` on one text in Python: the reference the engine is tested against.

    Examples
    --------
    >>> normalise_domain_py("https://www.Acme.co.uk/about")
    'acme.co.uk'
    >>> [normalise_domain_py(s) for s in ["jane@acme.com", "acme.com.", "n/a", "jane@gmail.com"]]
    ['acme.com', 'acme.com', None, None]
    """
    if text is None:
        return None
    host = text.translate(SIMPLE_LOWER).lower()
    for pattern, replacement in _DOMAIN_STEPS_RE:
        host = pattern.sub(replacement, host, count=0)
    if _INNER_SPACE_RE.search(host) or not _HOST_RE.search(host) or host in NOT_COMPANY_DOMAINS:
        return None
    return host


# --- company names ---------------------------------------------------------------------------

# Accented Latin letters to their base letter, one for one (what `translate` can do on every
# engine); the few that become two letters are replaced first.
_ACCENTED = "àáâãäåāăąçćĉċčďèéêëēĕėęěĝğġģĥìíîïĩīĭįıĵķĺļľŀłñńņňòóôõöøōŏőŕŗřśŝşšţťŧùúûüũūŭůűųŵýÿŷźżž"
_UNACCENTED = "aaaaaaaaacccccdeeeeeeeeegggghiiiiiiiiijklllllnnnnooooooooorrrsssstttuuuuuuuuuuwyyyzzz"
_LIGATURES = (("ß", "ss"), ("æ", "ae"), ("œ", "oe"), ("ð", "d"), ("þ", "th"), ("đ", "d"))
_ACCENT_TABLE = str.maketrans(_ACCENTED, _UNACCENTED)
# Japanese legal forms stand before or after the name, with no space: 株式会社山田 / 山田株式会社.
_JAPANESE_FORMS = "株式会社|有限会社|合同会社|\\(株\\)|（株）|㈱|\\(有\\)|（有）"
# What is kept: letters and digits of the scripts CRMs hold. Everything else separates words.
_WORD_CHARS = ("a-z0-9\u00b5\u00df-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff"
               "\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af")
_NOT_WORD = f"[^{_WORD_CHARS}]+"
# Legal forms, as words after punctuation became spaces ("S.A." is "s a", "A/S" is "a s").
# Longest first, so "pty ltd" goes before "ltd". A run of them at the end goes ("gmbh co kg").
LEGAL_SUFFIXES = (
    "incorporated", "corporation", "company", "limited", "gmbh", "mbh", "ltda", "sarl", "s a r l",
    "s a de c v", "sa de cv", "s de rl", "pty ltd", "pty", "pvt ltd", "pvt", "private", "pte ltd",
    "pte", "inc", "llc", "l l c", "llp", "l l p", "lp", "ltd", "plc", "p l c", "corp", "co",
    "and co", "kgaa", "kg", "ag", "se", "sas", "s a s", "sa", "s a", "spa", "s p a", "srl",
    "s r l", "sl", "s l", "bv", "b v", "nv", "n v", "kk", "k k", "ab", "as", "a s", "asa",
    "aps", "oy", "oyj", "dac", "fze", "fz llc", "sp z o o", "s c", "ltda", "cv", "ug",
)
# longest first (a regex alternation takes its first match), then in order: the same pattern,
# and so the same SQL, in every process (a set's order is not)
_SUFFIX_RUN = ("(?: (?:" + "|".join(sorted(set(LEGAL_SUFFIXES), key=lambda s: (-len(s), s)))
               + "))+$")
_LEADING_THE = "^the "
_SPACE_EDGES = "^ +| +$"
_JAPANESE_FORMS_RE = re.compile(_JAPANESE_FORMS)
_NOT_WORD_RE = re.compile(_NOT_WORD)
_SUFFIX_RUN_RE = re.compile(_SUFFIX_RUN)
_LEADING_THE_RE = re.compile(_LEADING_THE)
_SPACE_EDGES_RE = re.compile(_SPACE_EDGES)


def normalise_company_name(col: ir.StringValue) -> ir.StringValue:
    """Key of a company name for finding duplicates: the name without case, accents or legal form.

    Lowercase; Latin accents removed (ß → ss, æ → ae); ``&`` and every other punctuation mark
    become a space; a leading "the" and the legal forms at the end (Inc., LLC, GmbH & Co. KG,
    S.A., Pty Ltd, 株式会社 anywhere, ... see `LEGAL_SUFFIXES`) are removed; spaces collapse.
    A name that is nothing but a legal form or punctuation is unknown. Built from portable
    string operations only.

    Parameters
    ----------
    col : ibis.StringValue
        Company name as typed in the CRM.

    Returns
    -------
    ibis.StringValue
        The key, or null.

    Examples
    --------
    >>> t = ibis.memtable({"name": ["ACME, Inc.", "The Acme Company", "Société Générale S.A.", "-"]})
    >>> normalise_company_name(t.name).name("key").execute().tolist()
    ['acme', 'acme', 'societe generale', None]
    """
    key = col.cast("string").lower()
    for ligature, letters in _LIGATURES:
        key = key.replace(ligature, letters)
    key = key.translate(_ACCENTED, _UNACCENTED).re_replace(_JAPANESE_FORMS, " ")
    key = (" " + key.re_replace(_NOT_WORD, " ").re_replace(_SPACE_EDGES, ""))
    key = key.re_replace(_SUFFIX_RUN, "").re_replace(_SPACE_EDGES, "").re_replace(_LEADING_THE, "")
    return key.re_replace(_SPACE_EDGES, "").nullif("")


def normalise_company_name_py(text: str | None) -> str | None:
    """`normalise_company_name` on one text in Python: the reference the engine is tested against.

    Examples
    --------
    >>> names = ["ACME, Inc.", "Acme Incorporated", "Müller GmbH & Co. KG"]
    >>> [normalise_company_name_py(s) for s in names]
    ['acme', 'acme', 'muller']
    >>> normalise_company_name_py("株式会社山田システム"), normalise_company_name_py(" Ltd. ") is None
    ('山田システム', True)
    """
    if text is None:
        return None
    key = text.translate(SIMPLE_LOWER).lower()
    for ligature, letters in _LIGATURES:
        key = key.replace(ligature, letters)
    key = _JAPANESE_FORMS_RE.sub(" ", key.translate(_ACCENT_TABLE))
    key = " " + _NOT_WORD_RE.sub(" ", key).strip(" ")  # a leading space lets suffixes match
    key = _SUFFIX_RUN_RE.sub("", key)
    key = _LEADING_THE_RE.sub("", key.strip(" "))
    return _SPACE_EDGES_RE.sub("", key) or None


_FIRST_WORD = f"[{_WORD_CHARS}]+"


def company_name_first_word(col: ir.StringValue) -> ir.StringValue:
    """The first word of a name's key (`normalise_company_name`), found cheaply, or null
    where it cannot be.

    Keying a name costs a dozen string passes (folding accents above all: seconds a million
    names), so matching a few names against many first narrows the many to those whose first
    word is one of the few's, or is null. The first word is the name's first run of letters
    and digits, in lower case, when it is plain ASCII and not "the": folding accents and
    ligatures and removing legal forms leave such a word as it is, so the key starts with it
    (or is null, when the name is nothing but legal forms).

    Examples
    --------
    >>> t = ibis.memtable({"name": ["ACME, Inc.", "Société Générale", "The Acme Co", "3M Co"]})
    >>> company_name_first_word(t.name).name("word").execute().tolist()
    ['acme', None, None, '3m']
    """
    first = col.cast("string").lower().re_extract(_FIRST_WORD, 0)
    plain = first.re_search("^[a-z0-9]+$").fill_null(False) & (first != "the")
    return ibis.ifelse(plain, first, ibis.null("string"))
