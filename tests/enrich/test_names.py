"""Domain and company-name keys: real spellings, junk that must stay unknown, engine == Python."""

from __future__ import annotations

import ibis
import pytest

from segmint.enrich.names import (
    normalise_company_name,
    normalise_company_name_py,
    normalise_domain,
    normalise_domain_py,
)

DOMAINS = [
    ("https://www.Acme.co.uk/about", "acme.co.uk"),
    ("acme.com", "acme.com"),
    ("ACME.COM", "acme.com"),
    ("www.acme.com", "acme.com"),
    ("http://acme.com/", "acme.com"),
    ("https://acme.com:8443/login?next=/", "acme.com"),
    ("acme.com.", "acme.com"),
    ("  https://www.acme.com  ", "acme.com"),
    ("jane.doe@acme.com", "acme.com"),
    ("mailto:Jane@Acme.de", "acme.de"),
    ("<https://acme.io>", "acme.io"),
    ("www2.acme.com", "acme.com"),
    ("HTTP://WWW.ACME.COM/INDEX.HTML", "acme.com"),
    ("acme.com/#contact", "acme.com"),
    ("https://user:pw@acme.com/", "acme.com"),
    ("eu.acme.com", "eu.acme.com"),  # a subdomain may be another company: kept
    ("kerrlarsenfinanceco.com.au", "kerrlarsenfinanceco.com.au"),
    ("https://www.müller-bau.de/", "müller-bau.de"),
    ("xn--mller-bau-q9a.de", "xn--mller-bau-q9a.de"),
    ("https://日本語.jp", "日本語.jp"),
    ("acme-group.com", "acme-group.com"),
    ("3m.com", "3m.com"),
    ("acme.com\\path", "acme.com"),
    (None, None),
    ("", None),
    ("n/a", None),
    ("-", None),
    ("none", None),
    ("acme", None),  # no dot
    ("192.168.0.1", None),  # an address, not a domain
    ("jane@gmail.com", None),  # a mailbox provider says nothing about the company
    ("https://www.example.com", None),
    ("acme dot com", None),
    ("www.", None),
    ("-acme.com", None),
    ("acme..com", None),
    ("http://", None),
    ("tbd", None),
]

NAMES = [
    ("Acme", "acme"),
    ("ACME, Inc.", "acme"),
    ("Acme Inc", "acme"),
    ("Acme Incorporated", "acme"),
    ("Acme LLC", "acme"),
    ("Acme L.L.C.", "acme"),
    ("Acme Ltd", "acme"),
    ("Acme Ltd.", "acme"),
    ("Acme Limited", "acme"),
    ("Acme GmbH", "acme"),
    ("Acme AG", "acme"),
    ("Acme SA", "acme"),
    ("Acme S.A.", "acme"),
    ("Acme SAS", "acme"),
    ("Acme S.A.S.", "acme"),
    ("Acme BV", "acme"),
    ("Acme B.V.", "acme"),
    ("Acme NV", "acme"),
    ("Acme PLC", "acme"),
    ("Acme Pty Ltd", "acme"),
    ("Acme Pty. Ltd.", "acme"),
    ("Acme K.K.", "acme"),
    ("Acme Co.", "acme"),
    ("Acme Co., Ltd.", "acme"),
    ("Acme Corp", "acme"),
    ("Acme Corporation", "acme"),
    ("Acme Company", "acme"),
    ("Acme & Co", "acme"),
    ("The Acme Company", "acme"),
    ("  acme   inc  ", "acme"),
    ("Müller GmbH & Co. KG", "muller"),
    ("MÜLLER", "muller"),
    ("Société Générale S.A.", "societe generale"),
    ("López Source Outfitters GmbH & Co. KG", "lopez source outfitters"),
    ("LÓPEZ SOURCE OUTFITTERS", "lopez source outfitters"),
    ("Kerr & Larsen Finance Co. Pty. Ltd.", "kerr larsen finance"),
    ("Straße AG", "strasse"),
    ("株式会社山田システム", "山田システム"),
    ("山田システム株式会社", "山田システム"),
    ("Johnson & Johnson", "johnson johnson"),
    ("Ørsted A/S", "orsted"),
    ("Banco do Brasil S.A.", "banco do brasil"),
    ("Grupo Bimbo S.A. de C.V.", "grupo bimbo"),
    ("Аэрофлот", "аэрофлот"),
    (None, None),
    ("", None),
    ("-", None),
    ("Ltd.", None),
    ("Inc", None),
    ("...", None),
]


@pytest.mark.parametrize(("text", "expected"), DOMAINS)
def test_domain(text, expected):
    assert normalise_domain_py(text) == expected


@pytest.mark.parametrize(("text", "expected"), NAMES)
def test_company_name(text, expected):
    assert normalise_company_name_py(text) == expected


def test_engine_agrees_with_python():
    domains = ibis.memtable({"v": [d for d, _ in DOMAINS]}, schema={"v": "string"})
    names = ibis.memtable({"v": [n for n, _ in NAMES]}, schema={"v": "string"})
    got_domains = normalise_domain(domains.v).name("k").to_pyarrow().to_pylist()
    got_names = normalise_company_name(names.v).name("k").to_pyarrow().to_pylist()
    assert got_domains == [expected for _, expected in DOMAINS]
    assert got_names == [expected for _, expected in NAMES]
