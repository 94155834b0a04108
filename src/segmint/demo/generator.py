"""Seeded generator of a messy B2B software company's CRM, billing and usage exports."""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from math import gcd
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from segmint.demo import geography, owners, streams, truth

__all__ = ["AS_OF", "PLANTED_KEYS", "DemoManifest", "generate_company"]

AS_OF = np.datetime64("2026-09-30", "D")  # fixed, so that runs are reproducible
FIRST_MONTH = np.datetime64("2023-10", "M")
N_MONTHS = 36  # 2023-10 .. 2026-09
MONTH_START = (FIRST_MONTH + np.arange(N_MONTHS + 12)).astype("datetime64[D]").astype(np.int64)
AS_OF_DAY = int(AS_OF.astype(np.int64))
WINDOW_START_DAY = int(MONTH_START[0])
CRM_START_DAY = int(np.datetime64("2020-10-01", "D").astype(np.int64))  # accounts: last 6 years
CHUNK_ACCOUNTS = 100_000

# What `planted` counts; every count is exact for the files written.
PLANTED_KEYS: dict[str, str] = {
    "accounts_missing_industry": "accounts rows with a blank Industry (both-missing included)",
    "accounts_missing_naics": "accounts rows with a blank NaicsCode (both-missing included)",
    "accounts_missing_industry_and_naics": "accounts rows with Industry and NaicsCode both blank",
    "accounts_employee_ranges": "NumberOfEmployees written as a band such as '51-200' or '10,000+'",
    "accounts_employee_junk": "NumberOfEmployees written as junk text ('n/a', 'unknown', ...)",
    "accounts_employees_blank": "NumberOfEmployees blank",
    "accounts_revenue_blank": "AnnualRevenue blank",
    "accounts_revenue_absurd": "AnnualRevenue of 1e13 or more (no company earns that)",
    "accounts_revenue_negative": "AnnualRevenue below zero",
    "accounts_country_variants": "BillingCountry spelt other than its canonical English name "
    "('USA', 'Deutschland', 'UK', 'us', ...)",
    "accounts_country_blank": "BillingCountry blank",
    "accounts_country_junk": "BillingCountry that names no country ('N/A', 'Earth', ...)",
    "accounts_website_blank": "Website blank",
    "accounts_no_owner": "OwnerId blank",
    "duplicate_accounts": "extra rows for a company already in the file: new Id, the same "
    "website domain written differently, name varied in case and legal suffix",
    "child_accounts": "accounts whose ParentId names another account in the file",
    "customers": "accounts paying in the last month (2026-09), all with Type 'Customer'",
    "deals_unknown_account": "opportunities whose AccountId is not in accounts",
    "deals_negative_amount": "opportunities with Amount below zero",
    "deals_absurd_amount": "opportunities with Amount of 1e9 or more",
    "deals_blank_amount": "opportunities with a blank Amount",
    "deals_non_usd": "opportunities in EUR or GBP (CurrencyIsoCode not USD)",
    "revenue_unknown_account": "revenue rows whose account_id is not in accounts",
    "revenue_negative_mrr": "revenue rows with mrr below zero (credit notes)",
    "transactions_split_lines": "invoices written as two lines (two items, one id and date)",
    "transactions_credit_notes": "credit notes (CN- ids, negative amounts) against an earlier "
    "invoice",
}

# --------------------------------------------------------------------------- sectors
# industry picklist value, NAICS 2022 codes, weight, revenue per employee (USD), NB win-rate
# multiplier, then ten English, five German, five French and four Japanese name stems
# (each language's stems are distinct across sectors, so a stem names its sector).
_SECTORS = [
    ("Technology", "513210 541511 541512 518210 541519 334111", 16, 260_000, 1.25,
     "Software|Systems|Technologies|Labs|Analytics|Data|Cloud|Digital|Networks|Computing",
     "Informatik|Systemhaus|Datentechnik|Softwarehaus|IT-Service",
     "Informatique|Logiciels|Systèmes|Numérique|Données",
     "システム:system|情報技術:it|ソフト:soft|電算:densan"),
    ("Banking", "522110 522130 522180 523150 522320", 6, 420_000, 0.85,
     "Bank|Bancorp|Financial|Savings|Capital|Trust|Credit Union|Bankshares|Finance Co.|Banking",
     "Privatbank|Bankhaus|Kreditbank|Finanzdienste|Vermögensbank",
     "Banque|Crédit|Finance|Épargne|Banque Privée",
     "銀行:bank|信用金庫:shinkin|証券:securities|信託:trust"),
    ("Healthcare", "622110 621111 621511 623110 621610 325412", 9, 150_000, 0.9,
     "Health|Medical|Clinic|Hospital|Care|Health System|Medical Center|Pharma|Diagnostics|"
     "Therapeutics",
     "Klinikum|Medizintechnik|Gesundheitsdienste|Pharma GmbH|Labordiagnostik",
     "Santé|Clinique|Laboratoires|Médical|Pharmacie",
     "病院:hospital|製薬:pharma|医療:iryo|メディカル:medical"),
    ("Manufacturing", "333248 332710 336390 333517 326199 335311", 11, 310_000, 1.0,
     "Manufacturing|Industries|Industrial|Machine Works|Fabrication|Components|Precision|"
     "Tooling|Plastics|Engineering",
     "Maschinenbau|Werkzeugbau|Metallbau|Kunststofftechnik|Antriebstechnik",
     "Industries|Mécanique|Usinage|Équipements|Plasturgie",
     "製作所:seisakusho|工業:kogyo|精機:seiki|重工:jyuko"),
    ("Retail", "455110 445110 456110 458110 449210 459210", 8, 210_000, 1.0,
     "Stores|Retail|Outfitters|Market|Supply|Goods|Mercantile|Shops|Brands|Emporium",
     "Handel|Warenhaus|Handelshaus|Einzelhandel|Kaufhaus",
     "Distribution|Commerce|Magasins|Boutiques|Négoce",
     "商店:shoten|百貨店:depato|商事:shoji|ストア:store"),
    ("Education", "611310 611110 611420 611710", 4, 90_000, 0.8,
     "University|College|Academy|Learning|Institute|School District|Education|Schools|Training|"
     "Tutoring",
     "Akademie|Hochschule|Bildungswerk|Schulen|Lernzentrum",
     "Académie|École|Institut|Formation|Lycée",
     "大学:daigaku|学園:gakuen|学院:gakuin|塾:juku"),
    ("Government", "921110 921190 922120 923120 926120", 3, 120_000, 0.65,
     "Authority|Agency|Commission|Council|Public Works|Department|District|Board|"
     "Administration|Municipal Services",
     "Verwaltung|Landesamt|Kreisverwaltung|Stadtverwaltung|Zweckverband",
     "Administration|Préfecture|Agence Publique|Conseil Départemental|Mairie",
     "市役所:city|県庁:pref|公社:kosha|機構:kiko"),
    ("Insurance", "524113 524114 524126 524210", 4, 450_000, 0.85,
     "Insurance|Assurance|Mutual|Underwriters|Insurance Group|Life|Casualty|Indemnity|"
     "Risk Partners|Reinsurance",
     "Versicherung|Versicherungen|Assekuranz|Lebensversicherung|Versicherungsmakler",
     "Assurances|Mutuelle|Prévoyance|Courtage|Réassurance",
     "生命:seimei|損害保険:sonpo|火災海上:kasai|保険:hoken"),
    ("Media", "516210 513110 512110 541810 519290", 5, 250_000, 1.1,
     "Media|Studios|Publishing|Entertainment|Productions|Broadcasting|Press|Pictures|Creative|"
     "Content",
     "Verlag|Medien|Filmproduktion|Rundfunk|Mediengruppe",
     "Médias|Éditions|Productions|Presse|Films",
     "放送:hoso|出版:shuppan|新聞:shimbun|映像:eizo"),
    ("Telecommunications", "517111 517112 517410 517810", 3, 520_000, 0.9,
     "Telecom|Communications|Wireless|Mobile|Broadband|Fiber|Telecommunications|Connect|Telco|"
     "Cable",
     "Telekommunikation|Funknetz|Kabelnetz|Netzdienste|Mobilfunk",
     "Télécom|Réseaux|Communications|Mobiles|Fibre",
     "通信:tsushin|電話:denwa|テレコム:telecom|モバイル:mobile"),
    ("Transportation", "484121 488510 493110 481111 482111", 6, 210_000, 1.0,
     "Logistics|Freight|Transport|Shipping|Trucking|Express|Airlines|Rail|Cargo|Distribution",
     "Logistik|Spedition|Transporte|Lagerhaus|Güterverkehr",
     "Transports|Logistique|Fret|Messagerie|Affrètement",
     "運輸:unyu|物流:butsuryu|鉄道:tetsudo|海運:kaiun"),
    ("Energy", "221112 211120 221122 486210 324110 221114", 3, 900_000, 0.85,
     "Energy|Power|Oil & Gas|Utilities|Petroleum|Solar|Renewables|Electric|Resources|Gas",
     "Energie|Stadtwerke|Energieversorgung|Solartechnik|Netzbetrieb",
     "Énergie|Électricité|Pétrole|Solaire|Gaz",
     "電力:denryoku|ガス:gas|石油:sekiyu|エネルギー:energy"),
    ("Consulting", "541611 541612 541613 541618 541690", 9, 180_000, 1.1,
     "Consulting|Advisors|Partners|Associates|Advisory|Consultants|Strategy|"
     "Management Consulting|Group|Solutions",
     "Beratung|Unternehmensberatung|Treuhand|Wirtschaftsberatung|Managementberatung",
     "Conseil|Conseils|Stratégie|Audit|Expertise",
     "総研:soken|コンサルティング:consulting|経営研究所:keiei|事務所:jimusho"),
    ("Hospitality", "721110 722511 722513 561510 713940", 6, 70_000, 0.95,
     "Hotels|Resorts|Hospitality|Restaurants|Inns|Travel|Dining|Suites|Lodging|Kitchen",
     "Hotelbetriebe|Gastronomie|Reisen|Hotelgruppe|Gasthof",
     "Hôtellerie|Restauration|Voyages|Hôtels|Tourisme",
     "ホテル:hotel|旅館:ryokan|観光:kanko|フーズ:foods"),
    ("Construction", "236220 237310 238210 236115 238220", 7, 250_000, 0.95,
     "Construction|Builders|Contractors|Building|Homes|Development|Civil|Mechanical|Roofing|"
     "Paving",
     "Bau|Bauunternehmen|Hochbau|Tiefbau|Bautechnik",
     "Bâtiment|Construction|Travaux Publics|Génie Civil|Immobilier",
     "建設:kensetsu|工務店:komuten|組:gumi|住宅:jutaku"),
]
INDUSTRIES = [s[0] for s in _SECTORS]
_SECTOR_P = np.array([s[2] for s in _SECTORS], float) / sum(s[2] for s in _SECTORS)
_REV_PER_EMP = np.array([s[3] for s in _SECTORS], float)
_SECTOR_WIN = np.array([s[4] for s in _SECTORS])
_NAICS = [s[1].split() for s in _SECTORS]
_NAICS_VOCAB = pa.array([c for codes in _NAICS for c in codes])
_NAICS_OFFSET = np.cumsum([0] + [len(c) for c in _NAICS])[:-1]
_NAICS_COUNT = np.array([len(c) for c in _NAICS])

# --------------------------------------------------------------------------- countries
# ISO code, canonical English name, weight, ccTLD, name languages, legal suffixes (weighted),
# other spellings seen in CRMs (the first is the most common).
_COUNTRIES = [
    ("US", "United States", 45, ".com", "en", "Inc.:35|LLC:20|Corp.:8|Inc:6|:25|Co.:3|Corporation:3",
     "USA|US|us|U.S.|United States of America|U.S.A.|usa|united states"),
    ("CA", "Canada", 5, ".ca", "en", "Inc.:40|Ltd.:25|Corp.:10|:25", "CA|CAN|canada"),
    ("GB", "United Kingdom", 7, ".co.uk", "en", "Ltd:45|Limited:20|plc:3|:32",
     "UK|England|Great Britain|GB|U.K.|Scotland|united kingdom"),
    ("DE", "Germany", 6, ".de", "en:60|de:40", "GmbH:60|AG:10|GmbH & Co. KG:10|:20",
     "Deutschland|DE|germany|GER"),
    ("FR", "France", 4, ".fr", "en:60|fr:40", "SA:25|SAS:35|SARL:15|:25", "FR|france|FRA"),
    ("NL", "Netherlands", 2.5, ".nl", "en", "B.V.:60|N.V.:5|:35",
     "Holland|The Netherlands|NL|Nederland"),
    ("SE", "Sweden", 1.5, ".se", "en", "AB:70|:30", "Sverige|SE"),
    ("ES", "Spain", 2, ".es", "en", "S.L.:45|S.A.:25|:30", "España|ES|Espana"),
    ("IT", "Italy", 2, ".it", "en", "S.p.A.:30|S.r.l.:45|:25", "Italia|IT"),
    ("IE", "Ireland", 1, ".ie", "en", "Ltd:50|Limited:20|DAC:5|:25", "Republic of Ireland|IE|Éire"),
    ("CH", "Switzerland", 1.2, ".ch", "en:55|de:35|fr:10", "AG:40|GmbH:20|SA:10|:30",
     "Schweiz|Suisse|CH"),
    ("AT", "Austria", 0.8, ".at", "en:60|de:40", "GmbH:65|AG:10|:25", "Österreich|AT"),
    ("BE", "Belgium", 0.8, ".be", "en:65|fr:35", "NV:30|SA:25|BV:15|:30", "België|Belgique|BE"),
    ("DK", "Denmark", 0.6, ".dk", "en", "A/S:60|ApS:15|:25", "Danmark|DK"),
    ("PL", "Poland", 1, ".pl", "en", "Sp. z o.o.:60|S.A.:10|:30", "Polska|PL"),
    ("AU", "Australia", 3, ".com.au", "en", "Pty Ltd:60|Limited:10|:30", "AU|AUS|Aus"),
    ("NZ", "New Zealand", 0.6, ".co.nz", "en", "Limited:55|Ltd:15|:30", "NZ|N.Z."),
    ("JP", "Japan", 2.5, ".co.jp", "en:75|ja:25", "K.K.:30|Co., Ltd.:40|:30", "JP|日本|Nippon"),
    ("SG", "Singapore", 1, ".com.sg", "en", "Pte. Ltd.:70|:30", "SG|Republic of Singapore"),
    ("IN", "India", 3, ".in", "en", "Pvt. Ltd.:60|Limited:15|:25", "IN|IND|india"),
    ("BR", "Brazil", 3, ".com.br", "en", "Ltda.:50|S.A.:20|:30", "Brasil|BR"),
    ("MX", "Mexico", 2, ".com.mx", "en", "S.A. de C.V.:60|:40", "México|MX"),
    ("AR", "Argentina", 0.8, ".com.ar", "en", "S.A.:50|S.R.L.:20|:30", "AR|ARG"),
    ("CL", "Chile", 0.6, ".cl", "en", "S.A.:50|SpA:20|:30", "CL|CHL"),
    ("CO", "Colombia", 0.7, ".com.co", "en", "S.A.S.:55|S.A.:15|:30", "CO|COL"),
    ("ZA", "South Africa", 1, ".co.za", "en", "(Pty) Ltd:60|:40", "RSA|ZA|S. Africa"),
    ("AE", "United Arab Emirates", 0.8, ".ae", "en", "LLC:50|FZ-LLC:20|FZE:10|:20",
     "UAE|U.A.E.|AE|Emirates"),
    ("IL", "Israel", 0.8, ".co.il", "en", "Ltd.:60|:40", "IL|ISR|State of Israel"),
]
COUNTRIES = {c[1]: c[0] for c in _COUNTRIES}  # canonical name -> ISO code
COUNTRY_VARIANTS = {c[1]: c[6].split("|") for c in _COUNTRIES}
COUNTRY_JUNK = ("N/A", "Earth", "-", "TBD", "Unknown", "International")
_COUNTRY_P = np.array([c[2] for c in _COUNTRIES], float) / sum(c[2] for c in _COUNTRIES)
_US, _CA, _DE, _GB, _FR = (next(i for i, c in enumerate(_COUNTRIES) if c[0] == k)
                           for k in ("US", "CA", "DE", "GB", "FR"))
_EMEA = np.array([c[0] in {"GB", "DE", "FR", "NL", "SE", "ES", "IT", "IE", "CH", "AT", "BE",
                           "DK", "PL", "ZA", "AE", "IL"} for c in _COUNTRIES])
_COUNTRY_NAMES = pa.array([c[1] for c in _COUNTRIES])
_TLDS = pa.array([c[3] for c in _COUNTRIES])

# 2020 census population, millions: US states and DC; Canadian provinces (2021).
_US_STATES = dict(zip(
    "CA TX FL NY PA IL OH GA NC MI NJ VA WA AZ MA TN IN MD MO WI CO MN SC AL LA KY OR OK CT UT "
    "IA NV AR MS KS NM NE ID WV HI NH ME MT RI DE SD ND AK DC VT WY".split(),
    [39.5, 29.1, 21.5, 20.2, 13.0, 12.8, 11.8, 10.7, 10.4, 10.1, 9.3, 8.6, 7.7, 7.2, 7.0, 6.9,
     6.8, 6.2, 6.2, 5.9, 5.8, 5.7, 5.1, 5.0, 4.7, 4.5, 4.2, 4.0, 3.6, 3.3, 3.2, 3.1, 3.0, 3.0,
     2.9, 2.1, 2.0, 1.8, 1.8, 1.5, 1.4, 1.4, 1.1, 1.1, 0.99, 0.89, 0.78, 0.73, 0.69, 0.64, 0.58]))
_CA_PROVINCES = dict(zip("ON QC BC AB MB SK NS NB NL PE".split(),
                         [14.2, 8.5, 5.0, 4.3, 1.3, 1.1, 0.97, 0.78, 0.51, 0.15]))
_STATE_VOCAB = pa.array(list(_US_STATES) + list(_CA_PROVINCES))
_US_STATE_P = np.array(list(_US_STATES.values())) / sum(_US_STATES.values())
_CA_PROV_P = np.array(list(_CA_PROVINCES.values())) / sum(_CA_PROVINCES.values())

# --------------------------------------------------------------------------- names
_W1 = """Silver Blue Red Green Golden Iron Granite Cedar Maple Oak Pine Birch Willow Aspen Summit
North South East West Pacific Atlantic Prairie Mountain Valley River Lake Bright Clear Swift True
Bold Prime Noble Royal Grand Great Liberty Eagle Falcon Hawk Raven Fox Wolf Bear Lion Tiger Orca
Black White Crimson Scarlet Amber Azure Cobalt Indigo Jade Emerald Sapphire Ruby Onyx Ivory
Copper Bronze Steel Titan Atlas Apex Vertex Zenith Nova Stellar Solaris Lunar Polar Arctic Sierra
Alpine Highland Meadow Forest Canyon Desert Ocean Island Coral Sunset Sunrise Morning Evening
Midnight Thunder Lightning Storm Rain Snow Frost Ember Flame Crystal Diamond Pearl Velvet Harvest
Heritage Legacy Pioneer Frontier Keystone Cornerstone Landmark Benchmark Compass Anchor Beacon
Lantern Horizon Meridian Equinox Orbit Quantum Vector Matrix Signal Echo Pulse Rapid Agile Nimble
Clever Wise Quiet Open Brave Loyal Steady Magnolia Sequoia Redwood Juniper Hickory Chestnut Sage
Laurel Ivy Fern Clover Thistle Heather Lotus Orchid Tulip Saffron Cypress Elm""".split()
_W2 = """Creek Harbor Ridge Peak Point Bridge Gate Field Stone Rock Brook Falls Hill Hollow Grove
Glen Dale Park Haven Bay Cove Shore Coast Port Bend Crest Forge Mill Path Trail Way Road Lane
Crossing Junction Landing Ferry Wharf Dock Tower Castle Hall Arch Row Square Circle Loop Line Edge
Corner Heights Plains Springs Wells Woods Oaks Pines Rivers Lakes Isle Sound Reach Pass Gap Ledge
Bluff Cliff Mesa Butte Knoll Mount Vale Moor Marsh Fen Heath Down Wood Leaf Root Branch Seed Bloom
Light Star Sky Wave Tide Current Wind Fire Stream Source Key Shield Crown Arrow Blade Sail Mast
Keel Helm Wing Feather Nest Den Acre Farm Ranch Orchard Vineyard Garden Yard Court Place Street
Avenue Plaza Terrace Village Town Borough Hearth Anvil Compass Rose Quarry Summit Lantern""".split()
_W2 = [w for w in dict.fromkeys(_W2) if w not in set(_W1)]
_SURNAMES_EN = """Hartley Bennett Carter Sullivan Morgan Reed Hayes Brooks Foster Graham Porter
Hughes Russell Sanders Price Bishop Palmer Lawson Fletcher Grant Dalton Harper Mercer Sawyer
Whitman Calloway Prescott Ashford Thornton Langley Whitaker Kensington Hollis Barrett Chandler
Donovan Ellison Fairbanks Garrison Hampton Irving Jennings Kendall Lockwood Maddox Norwood Oakley
Pemberton Quinn Radcliffe Stanton Tolliver Underwood Vaughn Wexler Yates Abbott Blake Crawford
Dawson Emerson Finch Gallagher Holt Ingram Jarvis Kerr Lowell Monroe Nash Osborne Pryor Ramsey
Sterling Talbot Vance Walsh Wilder Ainsley Baxter Corbin Drummond Everett Fenwick Gibson Hale
Keaton Lancaster Marlowe Newell Ogden Parrish Rowe Sinclair Thatcher Upton Waverly Chen Patel
Nguyen Kim Singh García López Rossi Silva Núñez Cohen Okafor Haddad Novak Larsen Andersen
Lindqvist O'Brien Murphy Kelly Byrne Doyle Kowalski Ferreira Moreno Castillo Romano Costa
Johansson Nielsen Sato Mehta Reddy Iyer Khan Ahmed Mendoza Herrera""".split()
_SURNAMES_DE = """Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer
Koch Bauer Richter Klein Wolff Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann
Lange Schmitt Werner Krause Meier Lehmann Köhler Weiß Groß Böhm Jäger Günther Vogel Frank Berger
Kaiser Fuchs Scholz Möller Keller Huber Roth Beck Lorenz Baumann Franke""".split()
_SURNAMES_FR = """Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon
Laurent Lefèvre Michel Garnier Faure Rousseau Blanc Guérin Bonnet Dupont Lambert Fontaine
Chevalier Robin Masson Mercier Boyer Girard André Lefebvre Mathieu Clément Gauthier Perrin Morel
Roussel Giraud Brun Roux""".split()
_CORES_JA = [tuple(p.split(":")) for p in """山田:yamada 田中:tanaka 佐藤:sato 鈴木:suzuki
高橋:takahashi 伊藤:ito 渡辺:watanabe 中村:nakamura 小林:kobayashi 加藤:kato 東京:tokyo 大阪:osaka
名古屋:nagoya 横浜:yokohama 京都:kyoto 神戸:kobe 北海道:hokkaido 九州:kyushu 富士:fuji 日本:nihon
大和:yamato 三和:sanwa 昭和:showa 平和:heiwa 太陽:taiyo 旭:asahi 光:hikari 明治:meiji 東洋:toyo
新日本:shinnihon 第一:daiichi 中央:chuo 西日本:nishinihon 東日本:higashinihon 関西:kansai
関東:kanto 北陸:hokuriku 四国:shikoku 広島:hiroshima 福岡:fukuoka""".split()]
_LANGS = ("en", "de", "fr", "ja")


def _slug(text: str) -> str:
    text = text.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text if ch.isalnum())


def _pairs(surnames: list[str]) -> list[str]:
    return [f"{a} & {b}" for a in surnames for b in surnames if a != b]


def _name_space() -> tuple[list[tuple[list[str], list[str]]], list[list[list[tuple[str, str]]]]]:
    en = ([f"{a} {b}" for a in _W1 for b in _W2] + [f"{s} {b}" for s in _SURNAMES_EN for b in _W2]
          + _pairs(_SURNAMES_EN) + _SURNAMES_EN)
    de = _SURNAMES_DE + _pairs(_SURNAMES_DE)
    fr = _SURNAMES_FR + _pairs(_SURNAMES_FR)
    cores = [(en, [_slug(c) for c in en]), (de, [_slug(c) for c in de]),
             (fr, [_slug(c) for c in fr]), ([c for c, _ in _CORES_JA], [s for _, s in _CORES_JA])]
    stems = []  # [lang][sector] -> [(display, slug)]
    for lang in range(4):
        per_sector = []
        for s in _SECTORS:
            words = s[5 + lang].split("|")
            per_sector.append([tuple(w.split(":")) if lang == 3 else (w, _slug(w)) for w in words])
        stems.append(per_sector)
        flat = [slug for sector in per_sector for _, slug in sector]
        assert len(set(flat)) == len(flat), f"{_LANGS[lang]} stems must name one sector each"
    return cores, stems


_CORES, _STEMS = _name_space()
_CORE_OFFSET = np.cumsum([0] + [len(c[0]) for c in _CORES])[:-1]
_CORE_VOCAB = pa.array([w for c in _CORES for w in c[0]])
_CORE_SLUGS = pa.array([w for c in _CORES for w in c[1]])
_K_STEMS = np.array([len(_STEMS[lang][0]) for lang in range(4)])
_STEM_VOCAB = pa.array([w for lang in _STEMS for sector in lang for w, _ in sector])
_STEM_SLUGS = pa.array([s for lang in _STEMS for sector in lang for _, s in sector])
_STEM_OFFSET = np.cumsum([0] + [len(_STEMS[lang]) * _K_STEMS[lang] for lang in range(4)])[:-1]
_SPACE = np.array([len(_CORES[lang][0]) * _K_STEMS[lang] for lang in range(4)])  # names per cell


def _multiplier(space: int) -> int:
    """A stride coprime to `space`, so rank -> slot is a bijection that scatters names."""
    a = int(space * 0.6180339887) | 1
    while gcd(a, space) != 1:
        a += 2
    return a


_STRIDE = np.array([_multiplier(int(s)) for s in _SPACE])


def _weighted(spec: str) -> tuple[list[str], np.ndarray]:
    items = [item.rsplit(":", 1) if ":" in item else (item, "1") for item in spec.split("|")]
    weights = np.array([float(w) for _, w in items])
    return [v for v, _ in items], weights / weights.sum()


_COUNTRY_LANG = np.zeros((len(_COUNTRIES), 4))
_SUFFIX_VOCAB: list[str] = []  # with the separator: " Inc.", ", Inc.", "" 
_SUFFIX_CHOICE = []  # per country: (vocab indices, probabilities)
for _i, _c in enumerate(_COUNTRIES):
    _names, _p = _weighted(_c[4])
    _COUNTRY_LANG[_i, [_LANGS.index(n) for n in _names]] = _p
    _names, _p = _weighted(_c[5])
    _SUFFIX_CHOICE.append((np.arange(len(_SUFFIX_VOCAB), len(_SUFFIX_VOCAB) + len(_names)), _p))
    _SUFFIX_VOCAB += [f" {n}" if n else "" for n in _names]
_COUNTRY_LANG_CUM = np.cumsum(_COUNTRY_LANG, 1)
_COUNTRY_LANG_CUM[_COUNTRY_LANG_CUM > 1 - 1e-9] = 1.0  # u < 1 never falls past the last
# how a duplicate's legal suffix is rewritten: "Inc." -> "Inc", "Ltd" -> "Limited", ...
_SUFFIX_SWAP = {" Inc.": ", Inc.", " Inc": " Inc.", " LLC": " L.L.C.", " Corp.": " Corporation",
                " Corporation": " Corp", " Ltd": " Limited", " Limited": " Ltd.", " Ltd.": " Ltd",
                " GmbH": "", " AG": "", " B.V.": " BV", " Pty Ltd": " Pty. Ltd.", " SAS": " S.A.S.",
                " S.L.": " SL", " S.r.l.": " Srl", " Pvt. Ltd.": " Private Limited", "": ""}
_SUFFIX_VOCAB_ALL = list(dict.fromkeys(_SUFFIX_VOCAB + list(_SUFFIX_SWAP.values())))
_SUFFIX_DUP = np.array([_SUFFIX_VOCAB_ALL.index(_SUFFIX_SWAP.get(s, "")) for s in _SUFFIX_VOCAB])
_SUFFIX_REMAP = np.array([_SUFFIX_VOCAB_ALL.index(s) for s in _SUFFIX_VOCAB])
_SUFFIX_ARR = pa.array(_SUFFIX_VOCAB_ALL)

# --------------------------------------------------------------------------- go-to-market
PRODUCTS = ("Core Platform", "Analytics", "Automation", "Integrations", "Premium Support")
_PRODUCT_RATIO = np.array([1.0, 0.45, 0.35, 0.25, 0.2])  # list price relative to Core Platform
_PRODUCT_ARR = pa.array(PRODUCTS)
DEAL_TYPES = ("New Business", "Renewal", "Expansion", "Cross-sell")
NEW, RENEWAL, EXPANSION, CROSS_SELL = range(4)
STAGES = ("Prospecting", "Qualification", "Proposal", "Negotiation", "Closed Won", "Closed Lost")
WON, LOST = 4, 5
LEAD_SOURCES = ("Web", "Outbound", "Partner", "Event", "Referral")
_LEAD_P = np.array([30, 25, 15, 15, 15]) / 100
ACCOUNT_TYPES = ("Customer", "Prospect", "Former Customer", "Partner")
METRICS = ("active_users", "api_calls", "seats_used")
_EMPLOYEE_BANDS = ((10, "1-10"), (50, "11-50"), (200, "51-200"), (500, "201-500"),
                   (1000, "501-1,000"), (5000, "1,001-5,000"), (10000, "5,001-10,000"))
_EMPLOYEE_JUNK = ("n/a", "unknown", "N/A", "TBD", "-", "?")

# by size band: <100, 100-999, 1,000+ employees
_P_EXISTING = np.array([0.11, 0.2, 0.3])  # customers before the window opens
_NB_RATE = np.array([2.0, 2.7, 3.4])  # new-business opportunities per prospect in 3 years
_WIN_BASE = np.array([0.17, 0.14, 0.11])
_CHURN = np.array([0.22, 0.13, 0.07])  # at each annual renewal: the mean of a band's Beta
# an account's renewal churn is Beta(mean × c, (1 − mean) × c) around its band's rate, with
# concentration c = α + β; 2 is as spread as Fader & Hardie's (2007) "high end" customers
# (α 0.704, β 1.182), so what a shifted-beta-geometric fit estimates is there to find
_CHURN_CONCENTRATION = 2.0
# what usage shows of p_churn long before any churn: the account's p_churn as a normal score
# over all companies (the bands' Betas mixed at their shares of companies, band_share), plus a
# hidden normal (its share of the signal's variance: hidden, drawn on a stream of its own), is
# the signal. Seat utilisation and the active-user share lean on it (a Gaussian copula with
# correlation −lean, which keeps their Beta(6, 2) and Beta(5, 2) margins), and seats in use
# drift down by drift × the signal (when above 0) for every month the account has paid
_CHURN_IN_USAGE = {"band_share": (0.703, 0.193, 0.104), "hidden": 0.1, "lean": 0.9,
                   "drift": 0.01}
_NB_YEARS = (AS_OF_DAY - WINDOW_START_DAY + 121) / 365.25  # new-business deals are created then
_WALLET_HEADROOM = (1.5, 0.3)  # median, log-sd of the wallet over typical price × every product
# growth follows the wallet. A kept customer expands at a renewal with probability
# min(0.9, p_expand × room³), room = 1 − ARR / wallet before it; p_expand is the scale times a
# lognormal of mean 1 (log-sd below). An expansion takes a uniform share of the room left.
_EXPAND = {"scale": 1.0, "curve": 3.0, "log_sd": 0.8, "cap": 0.9, "share": (0.1, 0.3)}
# mid-term cross-sells and seat expansions a month, at the average renewal expansion (0.28);
# an account's rates scale with its own renewal probability over that average
_MID_TERM = {"cross_sell": 0.012, "seats": 0.008, "lost_attempt": 0.02, "average": 0.28}
# a prospect's p_win: the size band's rate × the sector's multiplier × the region's × (wallet /
# reference) to the elasticity × what the first contact told (source and lead score, below) × a
# hidden lognormal of mean 1 (log_sd: what no export records), within [floor, cap]
_WIN_FIT = {"reference": 20_000.0, "elasticity": 0.35, "log_sd": 0.25, "floor": 0.01, "cap": 0.8}
# p_win's multiplier by the country's region
_REGION_WIN_BY = {"North America": 1.1, "EMEA": 0.95, "APAC and Latin America": 0.8}
_REGION_WIN = np.where(np.isin([c[0] for c in _COUNTRIES], ["US", "CA"]),
                       _REGION_WIN_BY["North America"],
                       np.where(_EMEA, _REGION_WIN_BY["EMEA"],
                                _REGION_WIN_BY["APAC and Latin America"]))
# what the CRM learnt when a company first came (accounts' AccountSource and Lead_Score__c): its
# source, in LEAD_SOURCES order, multiplies p_win; a company that came as a marketing lead carries
# the lead's score at conversion, normal(mean, sd) within 1-99, which multiplies p_win by
# exp(per_sd × (score − mean) / sd − per_sd² / 2) (mean 1); outbound companies never were leads
_FIRST_CONTACT = {"source_win": dict(zip(LEAD_SOURCES, (1.0, 0.65, 1.35, 0.9, 1.8))),
                  "score_mean": 50.0, "score_sd": 20.0, "score_per_sd": 0.6,
                  "unscored_source": "Outbound"}
_RATES = {  # planted mess, share of rows
    "both_missing": 0.08, "industry_only": 0.04, "naics_only": 0.27,
    "emp_range": 0.07, "emp_junk": 0.005, "emp_blank": 0.05,
    "rev_blank": 0.20, "rev_absurd": 0.0005, "rev_negative": 0.0005,
    "country_blank": 0.04, "country_junk": 0.001, "country_variant": 0.25,
    "website_blank": 0.04, "no_owner": 0.03, "child": 0.05, "duplicate": 0.01,
    "deal_unknown": 0.005, "deal_negative": 0.001, "deal_absurd": 0.001, "deal_blank": 0.01,
    "deal_non_usd": 0.03, "revenue_negative": 0.0002, "revenue_unknown_accounts": 0.001,
}
_FX = {"EUR": 0.92, "GBP": 0.79}  # units of the currency one USD buys, before the drift
# drift of each month's rate: amplitude and phase of an 18-month wave, and a trend (the change
# over the three years, centred on the fixed rate); within ±2.5% of it
_FX_DRIFT = {"EUR": (0.02, 0.0, 0.01), "GBP": (0.015, 1.3, -0.01)}
_FX_RATES_FILE = "fx_rates.csv"  # written in CSV whatever the format of the exports


def _usd_per_unit() -> dict[str, np.ndarray]:
    """Per currency, the USD that one unit buys from the first of each month of the window:
    the fixed rate with a small wave and trend, to 4 decimals as rates are published. The deals'
    amounts are made with these same rates, so converting them gives back the book's USD."""
    month = np.arange(N_MONTHS)
    return {code: np.round((1 + amp * np.sin(2 * np.pi * month / 18 + phase)
                            + trend * (month / (N_MONTHS - 1) - 0.5)) / _FX[code], 4)
            for code, (amp, phase, trend) in _FX_DRIFT.items()}


_USD_PER_UNIT = _usd_per_unit()

_SCHEMAS = {
    "accounts": pa.schema([("Id", pa.string()), ("Name", pa.string()), ("Website", pa.string()),
                           ("Industry", pa.string()), ("NaicsCode", pa.string()),
                           ("NumberOfEmployees", pa.string()), ("AnnualRevenue", pa.int64()),
                           ("BillingCountry", pa.string()), ("BillingState", pa.string()),
                           ("ParentId", pa.string()), ("OwnerId", pa.string()),
                           ("Type", pa.string()), ("CreatedDate", pa.date32()),
                           # the address came later: after every column the demo wrote before
                           ("BillingPostalCode", pa.string()), ("BillingCity", pa.string()),
                           ("BillingLatitude", pa.float64()),
                           ("BillingLongitude", pa.float64()),
                           # how the company first came, set then and never again: after
                           # the address
                           ("AccountSource", pa.string()), ("Lead_Score__c", pa.int64())]),
    "opportunities": pa.schema([("Id", pa.string()), ("AccountId", pa.string()),
                                ("Name", pa.string()), ("Amount", pa.float64()),
                                ("CurrencyIsoCode", pa.string()), ("CloseDate", pa.date32()),
                                ("CreatedDate", pa.date32()), ("StageName", pa.string()),
                                ("IsWon", pa.bool_()), ("IsClosed", pa.bool_()),
                                ("Type", pa.string()), ("LeadSource", pa.string()),
                                ("Product__c", pa.string())]),
    "revenue": pa.schema([("account_id", pa.string()), ("month", pa.date32()),
                          ("product", pa.string()), ("mrr", pa.float64())]),
    "usage": pa.schema([("account_id", pa.string()), ("date", pa.date32()),
                        ("metric", pa.string()), ("value", pa.int64())]),
    "transactions": pa.schema([("invoice_id", pa.string()), ("line", pa.int64()),
                               ("account_id", pa.string()), ("invoice_date", pa.date32()),
                               ("item", pa.string()), ("channel", pa.string()),
                               ("amount", pa.float64())]),
}

# --------------------------------------------------------------------------- ids
_BASE62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)
_CHECKSUM = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", np.uint8)


def _sf_ids(prefix: str, numbers: np.ndarray) -> pa.StringArray:
    """18-character Salesforce ids: 8-char prefix, 7 base62 digits and the case checksum."""
    n = len(numbers)
    chars = np.empty((n, 18), np.uint8)
    chars[:, :8] = np.frombuffer(prefix.encode(), np.uint8)
    rest = np.asarray(numbers, np.int64).copy()
    for pos in range(14, 7, -1):
        rest, digit = np.divmod(rest, 62)
        chars[:, pos] = _BASE62[digit]
    upper = (chars[:, :15] >= ord("A")) & (chars[:, :15] <= ord("Z"))
    bits = upper.reshape(n, 3, 5).astype(np.int64) << np.arange(5)
    chars[:, 15:] = _CHECKSUM[bits.sum(axis=2)]
    offsets = pa.py_buffer(np.arange(0, 18 * n + 1, 18, dtype=np.int32).tobytes())
    return pa.StringArray.from_buffers(n, offsets, pa.py_buffer(chars.tobytes()))


_ACCOUNT_PREFIX, _LOST_ACCOUNT_PREFIX = "0015g000", "0013h000"  # deleted accounts' instance
_OWNER_IDS = _sf_ids("0055g000", 3_100_000 + 977 * np.arange(40))
_OWNER_P = np.linspace(2.0, 0.5, 40) / np.linspace(2.0, 0.5, 40).sum()  # some reps own more
_ADDRESS = ("BillingPostalCode", "BillingCity", "BillingLatitude", "BillingLongitude")
_FIRST_CONTACT_COLUMNS = ("AccountSource", "Lead_Score__c")
_ACCOUNTS_BEFORE_ADDRESS = pa.schema([f for f in _SCHEMAS["accounts"]
                                      if f.name not in _ADDRESS + _FIRST_CONTACT_COLUMNS])
_OTHER_USER_IDS = _sf_ids("0055g000", 3_100_000 + 977 * np.arange(40, 46))  # no accounts
_COUNTRY_CODES = pa.array([c[0] for c in _COUNTRIES])
_PLACES = geography.metro_groups([(c[0], "") for c in _COUNTRIES]
                                 + [("US", s) for s in _US_STATES]
                                 + [("CA", p) for p in _CA_PROVINCES])
_CLUSTER_NAMES = pa.array([c.name for c in streams.CLUSTERS])


# --------------------------------------------------------------------------- public API
@dataclass(frozen=True)
class DemoManifest:
    """What `generate_company` wrote.

    Attributes
    ----------
    files : dict[str, Path]
        Table name (``accounts``, ``opportunities``, ``revenue``, ``usage``, ``transactions``,
        ``owners``) to its file.
    rows : dict[str, int]
        Rows written per table, header excluded.
    planted : dict[str, int]
        Count of every kind of mess planted on purpose; keys are `PLANTED_KEYS`.
    fx_rates : Path
        The FX rates (``currency, date, rate``: USD per unit, monthly) that convert the EUR and
        GBP deals; always CSV.
    truth : Path
        ``truth.parquet``: the hidden quantities behind the data, one row per accounts row
        (`segmint.demo.truth`); the global parameters are under ``truth`` in ``planted.json``.
        Always Parquet; segmint never reads it.
    """

    files: dict[str, Path]
    rows: dict[str, int]
    planted: dict[str, int]
    fx_rates: Path
    truth: Path


def generate_company(
    out_dir: Path,
    *,
    accounts: int = 5000,
    seed: int = 7,
    file_format: Literal["csv", "parquet"] = "csv",
    progress: Callable[[str, int, int], None] | None = None,
) -> DemoManifest:
    """Write the CRM, billing and usage exports of a made-up B2B software company.

    Accounts are generated in chunks of 100,000 with their own seeds (spawned from `seed` by
    ``numpy.random.SeedSequence``), so memory stays flat at any size and the same seed and size
    give byte-identical files. Parents, duplicates and deals stay inside their chunk.

    Parameters
    ----------
    out_dir : Path
        Folder to write into; created if missing. Files are written under a temporary name and
        renamed when complete.
    accounts : int
        Distinct companies; duplicates (about 1%) are written on top.
    seed : int
        Seed of every random draw.
    file_format : {"csv", "parquet"}
        Format of the six exports.
    progress : callable, optional
        Called as ``progress("accounts", done, total)`` before the first chunk and after each.

    Returns
    -------
    DemoManifest
        Files written, rows per file, planted mess (see `PLANTED_KEYS`), the FX rates file and
        the truth; also written as ``planted.json`` next to the data, with the planted
        parameters under ``truth``.

    Notes
    -----
    Files (headers as the source systems export them):

    - ``accounts``: Salesforce Account: Id, Name, Website, Industry, NaicsCode,
      NumberOfEmployees, AnnualRevenue, BillingCountry, BillingState, ParentId, OwnerId, Type,
      CreatedDate, BillingPostalCode, BillingCity, BillingLatitude, BillingLongitude,
      AccountSource, Lead_Score__c. Addresses cluster around the metro areas of each country
      and state (`segmint.demo.metros`). AccountSource (how the company first came) and
      Lead_Score__c (its marketing lead's score at conversion, blank for outbound ones) were
      set at first contact and drive the win propensity (`segmint.demo.truth`).
    - ``opportunities``: Salesforce Opportunity: Id, AccountId, Name, Amount, CurrencyIsoCode,
      CloseDate, CreatedDate, StageName, IsWon, IsClosed, Type, LeadSource, Product__c; three
      years of deals to the as-of date 2026-09-30, open ones closing after it.
    - ``revenue``: billing MRR: account_id, month (``YYYY-MM-01``), product, mrr; 2023-10 to
      2026-09, one row per paying account, month and product.
    - ``usage``: account_id, date, metric (active_users, api_calls, seats_used), value; monthly
      per paying account.
    - ``transactions``: services invoice lines from billing: invoice_id (``INV-`` invoices,
      ``CN-`` credit notes), line, account_id, invoice_date, item, channel, amount (USD); every
      invoice since each customer's first, BG/NBD and Gamma-Gamma streams
      (`segmint.demo.streams`).
    - ``owners``: Salesforce User export of the sales team: Id (the accounts' OwnerIds and a
      few users holding none), FirstName, LastName, Name, Email, Title, UserRole.Name,
      Division, ManagerId, IsActive, CreatedDate (the start date), Capacity_Hours__c.
    - ``fx_rates.csv`` (CSV in either format): currency, date, rate: the USD one EUR or GBP
      buys, from the first of each month 2023-10 to 2026-09, drifting up to 2.5% around
      1/0.92 and 1/0.79. A deal in EUR or GBP was written at its close month's rate (the last
      one after 2026-09), so converting it with this file gives back its USD amount to about a
      cent.

    Company names are unique within a sector, country and language up to about 600,000
    (English), 12,000 (German, French) or 160 (Japanese) companies per cell; past that a
    cell's names repeat.

    Examples
    --------
    >>> import tempfile
    >>> manifest = generate_company(Path(tempfile.mkdtemp()), accounts=300, seed=1)
    >>> sorted(manifest.files)
    ['accounts', 'opportunities', 'owners', 'revenue', 'transactions', 'usage']
    >>> manifest.rows["accounts"] - manifest.planted["duplicate_accounts"]
    300
    >>> manifest.fx_rates.read_text().splitlines()[:2]
    ['currency,date,rate', 'EUR,2023-10-01,1.0815']
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {name: out_dir / f"{name}.{file_format}" for name in (*_SCHEMAS, "owners")}
    truth_file = out_dir / "truth.parquet"
    tmp = {name: path.with_name(path.name + ".tmp")
           for name, path in (*files.items(), ("truth", truth_file))}
    rows = dict.fromkeys(files, 0)
    planted = dict.fromkeys(PLANTED_KEYS, 0)
    state = _State(seed)
    books = np.zeros((2, len(_OWNER_IDS)))  # per owner: potential (wallet) and accounts held
    writers = {name: _open_writer(tmp[name], _SCHEMAS[name], file_format) for name in _SCHEMAS}
    writers["truth"] = pq.ParquetWriter(str(tmp["truth"]), truth.SCHEMA, compression="zstd",
                                        use_dictionary=list(truth.FEW_VALUES))
    try:
        if progress:
            progress("accounts", 0, accounts)
        for k, start in enumerate(range(0, accounts, CHUNK_ACCOUNTS)):
            n = min(CHUNK_ACCOUNTS, accounts - start)
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k,)))
            tables, counts, truth_rows, book = _chunk(rng, k, n, state, seed)
            for name, table in tables.items():
                writers[name].write_table(table)
                rows[name] += table.num_rows
            writers["truth"].write_table(truth_rows)
            books += book
            for key, count in counts.items():
                planted[key] += int(count)
            if progress:
                progress("accounts", start + n, accounts)
        # the sales team: its own stream, the same for every size of company
        owners_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2**32 - 2,)))
        team = owners.owners_table(owners_rng, _OWNER_IDS, _OWNER_P, _OTHER_USER_IDS, AS_OF_DAY)
        writers["owners"] = _open_writer(tmp["owners"], owners.SCHEMA, file_format)
        writers["owners"].write_table(team)
        rows["owners"] = team.num_rows
    finally:
        for writer in writers.values():
            writer.close()
    for name in files:
        os.replace(tmp[name], files[name])
    os.replace(tmp["truth"], truth_file)
    fx_rates = out_dir / _FX_RATES_FILE
    fx_rates.write_text(_fx_rates_csv(), encoding="utf-8")
    manifest = DemoManifest(files=files, rows=rows, planted=planted, fx_rates=fx_rates,
                            truth=truth_file)
    # keys as they were, then the truth: only keys are added to planted.json
    doc = {"seed": seed, "accounts": accounts, "as_of": str(AS_OF), "format": file_format,
           "files": {name: path.name for name, path in files.items()}, "rows": rows,
           "planted": planted,
           "fx_rates": {"file": fx_rates.name, "rate": "USD per unit, from the first of each month",
                        "currencies": sorted(_USD_PER_UNIT), "rows": N_MONTHS * len(_USD_PER_UNIT),
                        "first": str(FIRST_MONTH.astype("datetime64[D]")),
                        "last": str((FIRST_MONTH + N_MONTHS - 1).astype("datetime64[D]"))},
           "truth": _truth_doc(truth_file, rows["accounts"], books)}
    (out_dir / "planted.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return manifest


def _truth_doc(path: Path, n_rows: int, books: np.ndarray) -> dict:
    """The planted parameters behind `truth.parquet`, for ``planted.json``."""
    potential, held = books
    relative = potential / potential.mean()
    return {
        "file": path.name, "rows": n_rows,
        "read_by_segmint": False,
        "columns": {name: text for name, (_, text) in truth.COLUMNS.items()},
        "bgnbd": {**streams.BGNBD, "time_unit_days": streams.WEEK_DAYS,
                  "population": "accounts that were ever customers (ever_customer), from their "
                  "first invoice (stream_start) to 2026-09-30",
                  "lambda": "Gamma(shape r, rate alpha), repeat purchases a week",
                  "dropout": "Beta(a, b): the probability of leaving after each repeat purchase"},
        "gamma_gamma": {**streams.GAMMA_GAMMA,
                        "amount": "Gamma(shape p, rate nu) USD, nu Gamma(shape q, rate gamma)",
                        "note": "every invoice, the first included, draws on the same nu; nu "
                        "is independent of the purchase rate, dropout and everything else"},
        "renewal_churn": {"by_size_band": dict(zip(truth.SIZE_BANDS, _CHURN.tolist())),
                          "concentration": _CHURN_CONCENTRATION,
                          "alpha_by_size_band": dict(zip(truth.SIZE_BANDS,
                                                         _churn_beta()[0].tolist())),
                          "beta_by_size_band": dict(zip(truth.SIZE_BANDS,
                                                        _churn_beta()[1].tolist())),
                          "note": "each account's p_churn is Beta(alpha, beta) of its size "
                          "band, mean by_size_band and alpha + beta = concentration, drawn "
                          "once; it is lost at each annual renewal with that probability "
                          "(the shifted-beta-geometric model)",
                          "usage": {**{key: list(value) if isinstance(value, tuple) else value
                                       for key, value in _CHURN_IN_USAGE.items()},
                                    "note": "churn_signal = sqrt(1 − hidden) × the normal "
                                    "score of p_churn over all companies (the bands' Betas "
                                    "mixed at band_share) + sqrt(hidden) × a standard normal "
                                    "no export records; seat_utilisation and active_user_share "
                                    "are their Beta(6, 2) and Beta(5, 2) draws moved by a "
                                    "Gaussian copula of correlation −lean with it, and seats "
                                    "used are × exp(−drift × max(churn_signal, 0) × months "
                                    "paid before), before the fade of the four months ahead "
                                    "of a churn"}},
        "new_business": {
            "win_by_size_band": dict(zip(truth.SIZE_BANDS, _WIN_BASE.tolist())),
            "sector_multiplier": dict(zip(INDUSTRIES, _SECTOR_WIN.tolist())),
            "opportunities_per_year_by_size_band": dict(zip(truth.SIZE_BANDS,
                                                            (_NB_RATE / _NB_YEARS).tolist())),
            "wallet_fit": dict(_WIN_FIT),
            "region_multiplier": dict(_REGION_WIN_BY),
            "first_contact": dict(_FIRST_CONTACT),
            "note": "p_win = clip(win_by_size_band × sector_multiplier × region_multiplier × "
            "(wallet before any spend / wallet_fit.reference) ^ wallet_fit.elasticity × "
            "first_contact.source_win[AccountSource] × exp(score_per_sd × (Lead_Score__c − "
            "score_mean) / score_sd − score_per_sd² / 2) (1 without a score, the "
            "unscored_source) × a hidden lognormal of mean 1 and log-sd wallet_fit.log_sd, "
            "wallet_fit.floor, wallet_fit.cap), per closed opportunity until the first win; "
            "p_win_known is it without the hidden lognormal"},
        "expansion": {
            **{key: list(value) if isinstance(value, tuple) else value
               for key, value in _EXPAND.items()}, "mid_term_a_month": dict(_MID_TERM),
            "note": "p_expand = scale × a lognormal of mean 1 and log-sd log_sd, per account. A "
            "customer kept at a renewal expands with probability min(cap, p_expand × room ^ "
            "curve), room = 1 − ARR / wallet before it (clipped to [0, 1]); the expansion adds "
            "a uniform share (within share) of the room left. Each month between renewals a "
            "customer is cross-sold a product it lacks at cross_sell × that probability / "
            "average, expands seats (Core Platform × 1.1-1.3) at seats × the same ratio, and "
            "is pitched and lost at lost_attempt"},
        "wallet": {"products_multiplier": float(_PRODUCT_RATIO.sum()),
                   "headroom_median": _WALLET_HEADROOM[0],
                   "headroom_log_sd": _WALLET_HEADROOM[1],
                   "typical_mrr": "max(49, 40 × employees ^ 0.72): the Core Platform price "
                   "at the company's size; list_mrr is it × a lognormal of sigma 0.35",
                   "formula": "max(12 × typical_mrr × products_multiplier × headroom, "
                   "peak_arr)"},
        "clusters": [c.as_dict() for c in streams.CLUSTERS],
        "cluster_tiers": {"frequency": "occasional, regular, frequent: drawn from the quantile "
                          "of bgnbd_lambda among the chunk's customers (soft, centred on 1/6, "
                          "1/2, 5/6)", "ticket": "small, large: drawn from the quantile of "
                          "gg_mean_spend (soft, split at the median)"},
        "transactions": {"split_lines": streams.SPLIT_LINES,
                         "credit_notes": streams.CREDIT_NOTES},
        "owners": {
            "book_potential_cv": round(float(relative.std()), 4),
            "book_potential_max_deviation": round(float(np.abs(relative - 1).max()), 4),
            "book_accounts_cv": round(float((held / held.mean()).std()), 4),
            "definition": "book potential: the total wallet of the distinct companies each of "
            "the 40 reps holding accounts owns (duplicates and ownerless accounts left out); "
            "cv: its standard deviation over its mean across those reps",
        },
    }


def _fx_rates_csv() -> str:
    """The rates as segmint reads them under `currency.rates`: one row per currency and month."""
    days = (FIRST_MONTH + np.arange(N_MONTHS)).astype("datetime64[D]").astype(str)
    lines = ["currency,date,rate"] + [f"{code},{day},{rate:.4f}"
                                      for code, rates in sorted(_USD_PER_UNIT.items())
                                      for day, rate in zip(days, rates)]
    return "\n".join(lines) + "\n"


def _open_writer(path: Path, schema: pa.Schema, file_format: str):
    if file_format == "csv":
        return pacsv.CSVWriter(str(path), schema)
    if file_format == "parquet":
        return pq.ParquetWriter(str(path), schema, compression="zstd")
    raise ValueError(f"file_format must be 'csv' or 'parquet', not {file_format!r}")


class _State:
    """Counters carried from chunk to chunk, so ids and names never repeat."""

    def __init__(self, seed: int) -> None:
        cells = len(_SECTORS) * len(_COUNTRIES) * 4
        self.name_cells = np.zeros(cells, np.int64)  # names handed out per cell so far
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2**32 - 1,)))
        self.name_offset = rng.integers(0, 2**40, cells)  # where each cell starts its names
        self.deals = 0
        self.lost_accounts = 0
        self.invoices = 0
        self.credit_notes = 0


# --------------------------------------------------------------------------- one chunk
def _chunk(rng: np.random.Generator, k: int, n: int, state: _State, seed: int):
    firms = _firmographics(rng, n)
    # the new exports and the truth draw on streams of their own, so the files never shift
    # when they change
    geo_rng, truth_rng, stream_rng, contact_rng, usage_rng = (
        np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k, stream)))
        for stream in (1, 2, 3, 4, 5))
    # the wallet's headroom comes first: expansions and wins follow the wallet
    headroom = _WALLET_HEADROOM[0] * np.exp(_WALLET_HEADROOM[1] * truth_rng.standard_normal(n))
    # then each account's renewal churn, which drives the renewals
    p_churn = truth_rng.beta(*_churn_beta()[:, firms["band"]])
    contact = _first_contact(contact_rng, firms)
    book = _book(rng, firms, headroom, contact["win"], p_churn)
    accounts, acct_ids, names, counts, layout = _accounts_table(rng, k, firms, book, state)
    deals, deal_counts = _deals_table(rng, firms, book, acct_ids, names, state)
    revenue, usage, rev_counts, habits = _revenue_usage_tables(rng, firms, book, acct_ids, state,
                                                               usage_rng)
    counts |= deal_counts | rev_counts
    accounts = _with_first_contact(_with_addresses(geo_rng, accounts, firms, layout), contact,
                                   layout)
    services = _services(stream_rng, book, layout, acct_ids, state)
    truth_table, books = _truth(firms, book, layout, habits, services, acct_ids)
    counts |= services.counts
    return {"accounts": accounts, "opportunities": deals, "revenue": revenue,
            "usage": usage, "transactions": services.table}, counts, truth_table, books


def _firmographics(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    sector = rng.choice(len(_SECTORS), n, p=_SECTOR_P)
    country = rng.choice(len(_COUNTRIES), n, p=_COUNTRY_P)
    # heavy tail: a lognormal body (median 30) and a lognormal tail of larger firms;
    # median ~40, ~9% over 1,000, a handful per 5,000 over 100,000
    tail = rng.random(n) < 0.15
    log_emp = np.where(tail, np.log(2000) + 1.6 * rng.standard_normal(n),
                       np.log(30) + 1.3 * rng.standard_normal(n))
    employees = np.clip(np.rint(np.exp(log_emp)), 1, 2_300_000).astype(np.int64)
    # children: subsidiaries of larger firms, mostly in the parent's country and sector
    n_child = round(_RATES["child"] * n)
    child = np.zeros(n, bool)
    child[rng.choice(n, n_child, replace=False)] = True
    parent = np.full(n, -1)
    candidates = np.flatnonzero(~child)
    w = np.log1p(employees[candidates]) ** 2
    parent[child] = rng.choice(candidates, n_child, p=w / w.sum())
    kids = np.flatnonzero(child)
    same_country = rng.random(n_child) < 0.75
    country[kids[same_country]] = country[parent[kids[same_country]]]
    same_sector = rng.random(n_child) < 0.85
    sector[kids[same_sector]] = sector[parent[kids[same_sector]]]
    employees[kids] = np.minimum(employees[kids], np.maximum(1, employees[parent[kids]] // 2))
    band = np.digitize(employees, [100, 1000])
    revenue = employees * _REV_PER_EMP[sector] * np.exp(0.5 * rng.standard_normal(n))
    revenue = np.clip(np.round(revenue, -3), 10_000, 7e11).astype(np.int64)
    state_idx = np.full(n, -1)
    us, ca = country == _US, country == _CA
    state_idx[us] = rng.choice(len(_US_STATES), us.sum(), p=_US_STATE_P)
    state_idx[ca] = len(_US_STATES) + rng.choice(len(_CA_PROVINCES), ca.sum(), p=_CA_PROV_P)
    naics = _NAICS_OFFSET[sector] + (rng.random(n) * _NAICS_COUNT[sector]).astype(np.int64)
    return {"sector": sector, "country": country, "employees": employees, "band": band,
            "revenue": revenue, "parent": parent, "state": state_idx, "naics": naics}


def _cycle_days(rng: np.random.Generator, employees: np.ndarray, scale: float = 1.0):
    """Sales cycle: median ~30 days at 40 employees, ~150 at 1,000, ~240 at most; lognormal."""
    median = np.minimum(30 * np.sqrt(employees / 40), 240) * scale
    days = median * np.exp(0.45 * rng.standard_normal(len(employees)))
    return np.clip(np.rint(days), 7, 540).astype(np.int64)


def _day_in_month(rng: np.random.Generator, month: np.ndarray) -> np.ndarray:
    return MONTH_START[month] + rng.integers(0, 28, len(month))


def _mean_one(rng: np.random.Generator, log_sd: float, n: int) -> np.ndarray:
    """Lognormal multipliers of mean 1."""
    return np.exp(log_sd * rng.standard_normal(n) - log_sd**2 / 2)


def _churn_beta() -> np.ndarray:
    """The Beta (α, β) of renewal churn per size band: rows α and β, a column per band."""
    return np.stack([_CHURN * _CHURN_CONCENTRATION, (1 - _CHURN) * _CHURN_CONCENTRATION])


def _churn_signal(rng: np.random.Generator, p_churn: np.ndarray) -> np.ndarray:
    """What usage shows of each account's renewal churn: ``p_churn`` as a normal score over
    all companies, mixed with a hidden standard normal that takes `_CHURN_IN_USAGE`'s
    ``hidden`` share of the variance (higher is riskier; mean 0 and sd 1 over all companies).

    >>> signal = _churn_signal(np.random.default_rng(0), np.array([0.01, 0.2, 0.6]))
    >>> bool(signal[0] < signal[1] < signal[2])
    True
    """
    from scipy import stats

    alpha, beta = _churn_beta()
    share = np.asarray(_CHURN_IN_USAGE["band_share"])
    mixed = sum(w * stats.beta.cdf(p_churn, a, b) for w, a, b in zip(share / share.sum(),
                                                                        alpha, beta))
    score = stats.norm.ppf(np.clip(mixed, 1e-9, 1 - 1e-9))
    hidden = _CHURN_IN_USAGE["hidden"]
    return np.sqrt(1 - hidden) * score + np.sqrt(hidden) * rng.standard_normal(len(p_churn))


def _lean(draw: np.ndarray, a: float, b: float, signal: np.ndarray) -> np.ndarray:
    """Beta(a, b) draws moved against `signal` (a Gaussian copula of correlation −lean), so
    the margin stays Beta(a, b) and the riskier accounts get the lower values.

    >>> x = np.array([0.5, 0.5])
    >>> low, high = _lean(x, 5, 2, np.array([1.0, -1.0]))
    >>> bool(low < high)
    True
    """
    from scipy import stats

    lean = _CHURN_IN_USAGE["lean"]
    own = stats.norm.ppf(np.clip(stats.beta.cdf(draw, a, b), 1e-12, 1 - 1e-12))
    return stats.beta.ppf(stats.norm.cdf(np.sqrt(1 - lean**2) * own - lean * signal), a, b)


def _first_contact(rng: np.random.Generator, firms: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What the CRM learnt of each company when it first came, before any deal: its source
    (one of LEAD_SOURCES) and, unless it came outbound, the score its marketing lead had when
    converted (NaN for outbound). ``win`` is what both multiply p_win by (`_FIRST_CONTACT`)."""
    n = len(firms["sector"])
    spec = _FIRST_CONTACT
    source = rng.choice(len(LEAD_SOURCES), n, p=_LEAD_P)
    score = np.clip(np.rint(spec["score_mean"] + spec["score_sd"] * rng.standard_normal(n)), 1, 99)
    score[source == LEAD_SOURCES.index(spec["unscored_source"])] = np.nan
    per_sd = spec["score_per_sd"]
    lift = np.exp(per_sd * (score - spec["score_mean"]) / spec["score_sd"] - per_sd**2 / 2)
    win = np.array(list(spec["source_win"].values()))[source] * np.nan_to_num(lift, nan=1.0)
    return {"source": source, "score": score, "win": win}


def _with_first_contact(accounts: pa.Table, contact: dict[str, np.ndarray], layout) -> pa.Table:
    """Accounts with AccountSource and Lead_Score__c; blank on a duplicate (someone typed the
    company in again: it came through no lead)."""
    rows, n = layout["rows"], len(contact["source"])
    copy = np.arange(len(rows)) >= n
    source = pa.array(LEAD_SOURCES).take(pa.array(contact["source"][rows], mask=copy))
    score = contact["score"][rows]
    score = pa.array(np.nan_to_num(score).astype(np.int64), mask=copy | np.isnan(score))
    return pa.Table.from_arrays([*accounts.columns, source, score], schema=_SCHEMAS["accounts"])


def _book(rng: np.random.Generator, firms: dict[str, np.ndarray], headroom: np.ndarray,
          first_contact_win: np.ndarray, p_churn: np.ndarray) -> dict[str, np.ndarray]:
    """Deals and monthly MRR per product: wins start revenue, renewals keep or lose it. Wins
    are likelier the larger the prospect's wallet and the better its first contact went;
    expansions the more room a customer has left in its wallet, and they fill part of that
    room. Each annual renewal is lost at the account's own `p_churn`."""
    n = len(firms["sector"])
    band, employees = firms["band"], firms["employees"]
    existing = rng.random(n) < _P_EXISTING[band]
    # one list price per account (a year of Core Platform for new business, a customer's
    # starting Core MRR), the wallet (the suite at the typical price for the account's size,
    # times its headroom), and each account's win and expansion propensity
    typical = np.maximum(49.0, 40 * employees**0.72)
    price = np.maximum(49.0, typical * np.exp(0.35 * rng.standard_normal(n)))
    wallet = 12 * typical * _PRODUCT_RATIO.sum() * headroom
    fit = (wallet / _WIN_FIT["reference"]) ** _WIN_FIT["elasticity"]
    p_win_known = (_WIN_BASE[band] * _SECTOR_WIN[firms["sector"]]
                   * _REGION_WIN[firms["country"]] * fit * first_contact_win)
    p_win = np.clip(p_win_known * _mean_one(rng, _WIN_FIT["log_sd"], n),
                    _WIN_FIT["floor"], _WIN_FIT["cap"])
    p_win_known = np.clip(p_win_known, _WIN_FIT["floor"], _WIN_FIT["cap"])
    p_expand = _EXPAND["scale"] * _mean_one(rng, _EXPAND["log_sd"], n)
    # new business: opportunities on prospects; the first win starts the subscription
    n_nb = rng.poisson(_NB_RATE[band]) * ~existing
    acc = np.repeat(np.arange(n), n_nb)
    created = rng.integers(WINDOW_START_DAY - 120, AS_OF_DAY + 1, len(acc))
    close = created + _cycle_days(rng, employees[acc])
    closed = close <= AS_OF_DAY
    won = closed & (rng.random(len(acc)) < p_win[acc])
    keep = close >= WINDOW_START_DAY
    acc, created, close, closed, won = acc[keep], created[keep], close[keep], closed[keep], won[keep]
    first_win = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_win, acc[won], close[won])
    is_new = first_win < np.iinfo(np.int64).max
    keep = ~is_new[acc] | (close < first_win[acc])  # losses before the first win, none after
    winning = np.flatnonzero(won & (close == first_win[acc]))
    keep[winning[np.unique(acc[winning], return_index=True)[1]]] = True  # one win per account
    deal = {"acc": acc[keep], "created": created[keep], "close": close[keep],
            "won": won[keep], "closed": closed[keep]}
    start_month = np.full(n, -99)
    start_month[is_new] = (first_win[is_new].astype("datetime64[D]").astype("datetime64[M]")
                           - FIRST_MONTH).astype(np.int64)

    # the subscription book, month by month, over customers only
    cust = np.flatnonzero(existing | is_new)
    nc = len(cust)
    cb, ce = band[cust], employees[cust]
    base = price[cust]
    wallet_mrr, c_expand, c_churn = wallet[cust] / 12, p_expand[cust], p_churn[cust]

    def p_up(idx):  # the probability a renewal expands, from the room left in the wallet
        room = np.clip(1 - mrr[idx].sum(1) / wallet_mrr[idx], 0.0, 1.0)
        return np.minimum(_EXPAND["cap"], c_expand[idx] * room ** _EXPAND["curve"])
    mrr = np.zeros((nc, len(PRODUCTS)))
    ex = existing[cust]
    mrr[ex, 0] = base[ex]
    extras = (rng.random((nc, len(PRODUCTS) - 1)) < 0.15) & ex[:, None]
    mrr[:, 1:] = np.where(extras, base[:, None] * _PRODUCT_RATIO[1:]
                          * rng.uniform(0.8, 1.2, (nc, len(PRODUCTS) - 1)), 0.0)
    since = np.where(ex, rng.integers(-11, 1, nc), start_month[cust])  # last (re)start month
    react = np.full(nc, -1)
    history = np.zeros((nc, N_MONTHS, len(PRODUCTS)))
    events = []  # (customer, type, product, amount, close day, won)

    def emit(idx, kind, product, amount, won_, close=None):
        if close is None:
            close = _day_in_month(rng, np.full(len(idx), month))
        events.append((idx, np.broadcast_to(kind, idx.shape), np.broadcast_to(product, idx.shape),
                       amount, close, np.broadcast_to(won_, idx.shape)))

    for month in range(N_MONTHS):
        starting = np.flatnonzero((since == month) & ~ex)
        mrr[starting, 0] = base[starting]
        back = np.flatnonzero((react == month) & (mrr.sum(1) == 0))
        if len(back):  # win-back: a new-business deal on a former customer
            mrr[back, 0] = base[back] * rng.uniform(0.6, 1.0, len(back))
            since[back], react[back] = month, -1
            emit(back, NEW, 0, 12 * mrr[back, 0], True)
        active = mrr.sum(1) > 0
        renewing = np.flatnonzero(active & (month > since) & ((month - since) % 12 == 0))
        total = mrr[renewing].sum(1)
        churn = rng.random(len(renewing)) < c_churn[renewing]
        lost = renewing[churn]
        emit(lost, RENEWAL, 0, 12 * total[churn], False)
        mrr[lost] = 0.0
        comeback = rng.random(len(lost)) < 0.15
        react[lost[comeback]] = month + rng.integers(3, 13, comeback.sum())
        kept = renewing[~churn]
        emit(kept, RENEWAL, 0, 12 * total[~churn], True)
        chance = p_up(kept)
        move = rng.random(len(kept))
        up = kept[move < chance]
        before = mrr[up].sum(1)
        fill = rng.uniform(*_EXPAND["share"], len(up)) * np.maximum(wallet_mrr[up] - before, 0)
        mrr[up] *= (1 + fill / before)[:, None]
        emit(up, EXPANSION, 0, 12 * (mrr[up].sum(1) - before), True)
        down = kept[(move >= chance) & (move < chance + 0.12)]
        extra = (mrr[down, 1:] > 0) * rng.random((len(down), len(PRODUCTS) - 1))
        drop = (extra.max(1) > 0) & (rng.random(len(down)) < 0.5)  # lose a product line
        mrr[down[drop], 1 + extra[drop].argmax(1)] = 0.0
        mrr[down[~drop]] *= rng.uniform(0.6, 0.9, ((~drop).sum(), 1))
        # mid-term: cross-sell of a product not owned yet, seat expansion, lost attempts
        mid = np.flatnonzero(active & ~np.isin(np.arange(nc), renewing))
        scale = p_up(mid) / _MID_TERM["average"]
        xs_p, seats_p = _MID_TERM["cross_sell"] * scale, _MID_TERM["seats"] * scale
        draw = rng.random(len(mid))
        xs = mid[draw < xs_p]
        unowned = (mrr[xs, 1:] == 0) * rng.random((len(xs), len(PRODUCTS) - 1))
        xs_ok = unowned.max(1) > 0
        xs, product = xs[xs_ok], 1 + unowned[xs_ok].argmax(1)
        mrr[xs, product] = mrr[xs, 0] * _PRODUCT_RATIO[product] * rng.uniform(0.8, 1.2, len(xs))
        emit(xs, CROSS_SELL, product, 12 * mrr[xs, product], True)
        seats = mid[(draw >= xs_p) & (draw < xs_p + seats_p)]
        before = mrr[seats, 0].copy()
        mrr[seats, 0] *= rng.uniform(1.1, 1.3, len(seats))
        emit(seats, EXPANSION, 0, 12 * (mrr[seats, 0] - before), True)
        grown = xs_p + seats_p
        tried = mid[(draw >= grown) & (draw < grown + _MID_TERM["lost_attempt"])]
        emit(tried, np.where(rng.random(len(tried)) < 0.5, EXPANSION, CROSS_SELL),
             rng.integers(0, len(PRODUCTS), len(tried)),
             12 * mrr[tried, 0] * rng.uniform(0.1, 0.5, len(tried)), False)
        history[:, month] = mrr
    history = np.round(history, 2)

    # open pipeline: renewals due in the next quarter, expansion talks with today's customers
    now = np.flatnonzero(history[:, -1].sum(1) > 0)
    next_renewal = N_MONTHS + (since[now] - N_MONTHS) % 12
    due = next_renewal < N_MONTHS + 3
    emit(now[due], RENEWAL, 0, 12 * history[now[due], -1].sum(1), False,
         _day_in_month(rng, next_renewal[due]))
    talks = now[rng.random(len(now)) < 0.12]
    emit(talks, np.where(rng.random(len(talks)) < 0.5, EXPANSION, CROSS_SELL),
         rng.integers(0, len(PRODUCTS), len(talks)),
         12 * history[talks, -1, 0] * rng.uniform(0.1, 0.5, len(talks)), False,
         AS_OF_DAY + 1 + _cycle_days(rng, ce[talks], 0.6) // 2)
    e_cust, e_type, e_prod, e_amount, e_close, e_won = (np.concatenate(part)
                                                         for part in zip(*events))
    renewal_lead = rng.integers(60, 121, len(e_cust)) + 30 * cb[e_cust]
    lead = np.where(e_type == RENEWAL, renewal_lead, _cycle_days(rng, ce[e_cust], 0.6))
    e_closed = e_close <= AS_OF_DAY
    # new business asks for a year of Core Platform at the account's price
    nb_amount = 12 * price[deal["acc"]]
    nb_amount[~deal["won"]] *= rng.uniform(0.7, 1.3, (~deal["won"]).sum())
    nb = len(deal["acc"])
    deals = {
        "acc": np.r_[deal["acc"], cust[e_cust]],
        "type": np.r_[np.full(nb, NEW), e_type].astype(np.int64),
        "product": np.r_[np.zeros(nb, np.int64), e_prod].astype(np.int64),
        "amount": np.round(np.r_[np.maximum(nb_amount, 588.0), e_amount], 2),
        "created": np.r_[deal["created"], np.minimum(e_close - lead, AS_OF_DAY)],
        "close": np.r_[deal["close"], e_close],
        "won": np.r_[deal["won"], e_won & e_closed],
        "closed": np.r_[deal["closed"], e_closed],
    }
    # kept for the truth (no draws): the price each account was offered, who was a customer
    # before the window, the day each new customer's first win closed, the wallet before any
    # spend raised it, and the win and expansion propensities
    return {"deals": deals, "customers": cust, "history": history, "price": price,
            "existing": existing, "first_win": first_win, "wallet": wallet, "p_win": p_win,
            "p_win_known": p_win_known, "p_expand": p_expand, "p_churn": p_churn}


def _accounts_table(rng, k, firms, book, state):
    n = len(firms["sector"])
    sector, country = firms["sector"], firms["country"]
    # names: rank each account within its (sector, country, language) cell, across chunks
    lang = (rng.random(n)[:, None] >= _COUNTRY_LANG_CUM[country]).sum(1)
    cell = (sector * len(_COUNTRIES) + country) * 4 + lang
    rank = _rank_within(cell) + state.name_cells[cell]
    overflow = (lang > 0) & (rank >= _SPACE[lang])
    state.name_cells += np.bincount(cell[~overflow], minlength=len(state.name_cells))
    if overflow.any():  # a full non-English cell names its next firms in English
        lang[overflow] = 0
        cell = (sector * len(_COUNTRIES) + country) * 4 + lang
        rank[overflow] = _rank_within(cell[overflow]) + state.name_cells[cell[overflow]]
        state.name_cells += np.bincount(cell[overflow], minlength=len(state.name_cells))
    slot = ((rank % _SPACE[lang]) * _STRIDE[lang] + state.name_offset[cell]) % _SPACE[lang]
    core = _CORE_OFFSET[lang] + slot // _K_STEMS[lang]
    stem = _STEM_OFFSET[lang] + sector * _K_STEMS[lang] + slot % _K_STEMS[lang]
    suffix = np.empty(n, np.int64)
    for c in np.unique(country):
        rows = np.flatnonzero(country == c)
        vocab, p = _SUFFIX_CHOICE[c]
        suffix[rows] = vocab[rng.choice(len(vocab), len(rows), p=p)]
    ja = lang == 3
    suffix[ja] = _SUFFIX_VOCAB.index("")
    fr_prefix = (lang == 2) & (rng.random(n) < 0.25)

    # duplicates: a copy of a top-level company, written again later by someone else
    n_dup = round(_RATES["duplicate"] * n)
    orig = np.sort(rng.choice(np.flatnonzero(firms["parent"] < 0), n_dup, replace=False))
    rows = np.r_[np.arange(n), orig]  # written row -> company
    total = n + n_dup

    prefix = np.where(ja, 1, np.where(fr_prefix, 2 + (rng.random(n) < 0.5), 0))[rows]
    sep = np.where(ja, 1, 0)[rows]
    suffix_all = np.r_[_SUFFIX_REMAP[suffix], _SUFFIX_DUP[suffix[orig]]]
    name = pc.binary_join_element_wise(
        pa.array(["", "株式会社", "Société ", "Groupe "]).take(prefix),
        _CORE_VOCAB.take(core[rows]), pa.array([" ", ""]).take(sep),
        _STEM_VOCAB.take(stem[rows]), _SUFFIX_ARR.take(suffix_all), "")
    case = rng.integers(0, 3, n_dup)  # as written, UPPER, lower
    dup_names = name.slice(n)
    dup_names = pc.if_else(pa.array(case == 1), pc.utf8_upper(dup_names),
                           pc.if_else(pa.array(case == 2), pc.utf8_lower(dup_names), dup_names))
    name = pa.concat_arrays([name.slice(0, n), dup_names])
    domain = pc.binary_join_element_wise(_CORE_SLUGS.take(core[rows]), _STEM_SLUGS.take(stem[rows]),
                                         _TLDS.take(country[rows]), "")
    scheme = np.r_[np.zeros(n, np.int64), rng.integers(1, 6, n_dup)]
    website = pc.binary_join_element_wise(
        pa.array(["https://www.", "", "www.", "http://", "http://www.", "https://"]).take(scheme),
        domain, pa.array(["", "/"]).take((scheme == 5).astype(np.int64)), "")

    # ids: slots of 13 numbers per row, one used, so ids rise with the row and never repeat
    slot_no = k * 2 * CHUNK_ACCOUNTS + np.arange(total)
    ids = _sf_ids(_ACCOUNT_PREFIX, 1_000_000 + 13 * slot_no + rng.integers(0, 13, total))

    # lifecycle from the book: paying now, paid in the window, or never
    history = book["history"]
    cust = book["customers"]
    acct_type = np.ones(n, np.int64)  # Prospect
    acct_type[rng.random(n) < 0.03] = 3  # Partner
    acct_type[cust[history.sum((1, 2)) > 0]] = 2  # Former Customer
    paying_now = cust[history[:, -1].sum(1) > 0]
    acct_type[paying_now] = 0
    dup_type = np.where(rng.random(n_dup) < 0.7, 1, acct_type[orig])
    type_all = np.r_[acct_type, dup_type]

    first_deal = np.full(n, AS_OF_DAY)
    np.minimum.at(first_deal, book["deals"]["acc"], book["deals"]["created"])
    created = rng.integers(CRM_START_DAY, AS_OF_DAY + 1, n)
    created = np.minimum(created, first_deal - rng.integers(1, 90, n))
    old = np.zeros(n, bool)
    old[cust] = history[:, 0].sum(1) > 0
    created[old] = np.minimum(created[old], WINDOW_START_DAY - rng.integers(30, 1000, old.sum()))
    created = np.maximum(created, CRM_START_DAY)
    dup_created = np.minimum(created[orig] + rng.integers(30, 900, n_dup), AS_OF_DAY)
    created_all = np.r_[created, dup_created]

    parent = np.r_[firms["parent"], np.full(n_dup, -1)]
    parent_id = ids.take(pa.array(np.maximum(parent, 0), mask=parent < 0))

    # --- planted mess, over every written row
    counts = {}
    u = rng.random(total)
    r = _RATES
    no_industry = u < r["both_missing"] + r["industry_only"]
    no_naics = (u < r["both_missing"]) | (
        (u >= r["both_missing"] + r["industry_only"])
        & (u < r["both_missing"] + r["industry_only"] + r["naics_only"]))
    counts["accounts_missing_industry"] = no_industry.sum()
    counts["accounts_missing_naics"] = no_naics.sum()
    counts["accounts_missing_industry_and_naics"] = (no_industry & no_naics).sum()
    industry = pa.array(INDUSTRIES).take(pa.array(sector[rows], mask=no_industry))
    naics = _NAICS_VOCAB.take(pa.array(firms["naics"][rows], mask=no_naics))

    employees = firms["employees"][rows]
    u = rng.random(total)
    as_range = u < r["emp_range"]
    junk = (u >= r["emp_range"]) & (u < r["emp_range"] + r["emp_junk"])
    blank = (u >= r["emp_range"] + r["emp_junk"]) & (u < r["emp_range"] + r["emp_junk"]
                                                     + r["emp_blank"])
    bands = pa.array([label for _, label in _EMPLOYEE_BANDS] + ["10,000+"])
    band_text = bands.take(np.searchsorted([edge for edge, _ in _EMPLOYEE_BANDS], employees))
    junk_text = pa.array(_EMPLOYEE_JUNK).take(rng.integers(0, len(_EMPLOYEE_JUNK), total))
    emp_text = pc.if_else(pa.array(as_range), band_text,
                          pc.if_else(pa.array(junk), junk_text, pc.cast(pa.array(employees), pa.string())))
    emp_text = pc.if_else(pa.array(blank), pa.scalar(None, pa.string()), emp_text)
    counts |= {"accounts_employee_ranges": as_range.sum(), "accounts_employee_junk": junk.sum(),
               "accounts_employees_blank": blank.sum()}

    revenue = firms["revenue"][rows].copy()
    u = rng.random(total)
    rev_blank = u < r["rev_blank"]
    absurd = (u >= r["rev_blank"]) & (u < r["rev_blank"] + r["rev_absurd"])
    negative = (u >= r["rev_blank"] + r["rev_absurd"]) & (
        u < r["rev_blank"] + r["rev_absurd"] + r["rev_negative"])
    revenue[absurd] = rng.integers(1, 100, absurd.sum()) * 10**13
    revenue[negative] = -revenue[negative]
    counts |= {"accounts_revenue_blank": rev_blank.sum(), "accounts_revenue_absurd": absurd.sum(),
               "accounts_revenue_negative": negative.sum()}

    u = rng.random(total)
    c_blank = u < r["country_blank"]
    c_junk = (u >= r["country_blank"]) & (u < r["country_blank"] + r["country_junk"])
    c_variant = (u >= r["country_blank"] + r["country_junk"]) & (
        u < r["country_blank"] + r["country_junk"] + r["country_variant"])
    country_rows = country[rows]
    written = np.array(_COUNTRY_NAMES.to_pylist(), dtype=object)[country_rows]
    for c in np.unique(country_rows[c_variant]):
        at = np.flatnonzero(c_variant & (country_rows == c))
        variants = COUNTRY_VARIANTS[_COUNTRIES[c][1]]
        p = np.r_[0.5, np.full(len(variants) - 1, 0.5 / max(1, len(variants) - 1))][:len(variants)]
        written[at] = np.array(variants, dtype=object)[rng.choice(len(variants), len(at),
                                                                  p=p / p.sum())]
    written[c_junk] = np.array(COUNTRY_JUNK, dtype=object)[rng.integers(0, len(COUNTRY_JUNK),
                                                                        c_junk.sum())]
    written[c_blank] = None
    counts |= {"accounts_country_variants": c_variant.sum(),
               "accounts_country_blank": c_blank.sum(), "accounts_country_junk": c_junk.sum()}
    state_col = _STATE_VOCAB.take(pa.array(np.maximum(firms["state"][rows], 0),
                                           mask=firms["state"][rows] < 0))

    protected = np.zeros(total, bool)  # a duplicate pair keeps its websites, to be found
    protected[orig] = True
    protected[n:] = True
    web_blank = (rng.random(total) < r["website_blank"]) & ~protected
    website = pc.if_else(pa.array(web_blank), pa.scalar(None, pa.string()), website)
    counts["accounts_website_blank"] = web_blank.sum()

    owner = rng.choice(len(_OWNER_IDS), total, p=_OWNER_P)
    no_owner = rng.random(total) < r["no_owner"]
    counts["accounts_no_owner"] = no_owner.sum()
    counts["duplicate_accounts"] = n_dup
    counts["child_accounts"] = (parent >= 0).sum()
    counts["customers"] = len(paying_now)

    table = pa.table([
        ids, name, website, industry, naics, emp_text, pa.array(revenue, mask=rev_blank),
        pa.array(written, pa.string()), state_col, parent_id,
        _OWNER_IDS.take(pa.array(owner, mask=no_owner)),
        pa.array(ACCOUNT_TYPES).take(type_all),
        pa.array(created_all.astype(np.int32), pa.date32()),
    ], schema=_ACCOUNTS_BEFORE_ADDRESS)
    layout = {"rows": rows, "owner": np.where(no_owner, -1, owner), "created": created,
              "ids": ids}
    return table, ids.slice(0, n), name.slice(0, n), counts, layout


def _rank_within(cell: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... for each account in order of appearance within its cell."""
    order = np.argsort(cell, kind="stable")
    sorted_cells = cell[order]
    first = np.searchsorted(sorted_cells, sorted_cells, side="left")
    rank = np.empty(len(cell), np.int64)
    rank[order] = np.arange(len(cell)) - first
    return rank


def _deals_table(rng, firms, book, acct_ids, names, state):
    d = book["deals"]
    order = np.lexsort((d["close"], d["created"]))  # ids rise with creation, as in Salesforce
    d = {key: value[order] for key, value in d.items()}
    nd = len(d["acc"])
    # open deals: stage by how far through the expected cycle they are
    elapsed = (AS_OF_DAY - d["created"]) / np.maximum(d["close"] - d["created"], 1)
    stage = np.where(d["closed"], np.where(d["won"], WON, LOST),
                     np.clip((elapsed * 4).astype(np.int64), 0, 3))
    lead = rng.choice(len(LEAD_SOURCES), nd, p=_LEAD_P)

    amount = d["amount"].copy()
    r = _RATES
    u = rng.random(nd)
    negative = u < r["deal_negative"]
    absurd = (u >= r["deal_negative"]) & (u < r["deal_negative"] + r["deal_absurd"])
    blank = (u >= r["deal_negative"] + r["deal_absurd"]) & (
        u < r["deal_negative"] + r["deal_absurd"] + r["deal_blank"])
    emea = _EMEA[firms["country"][d["acc"]]]
    non_usd = ~(negative | absurd | blank) & (rng.random(nd) < np.where(emea, 0.12, 0.005))
    currency = np.zeros(nd, np.int64)
    uk = firms["country"][d["acc"]] == _GB
    currency[non_usd] = np.where(uk[non_usd], 2, 1)
    # at the rate of the close month (a deal closing after the window takes the last one), as
    # segmint converts them with fx_rates.csv
    month = np.clip((d["close"].astype("datetime64[D]").astype("datetime64[M]") - FIRST_MONTH)
                    .astype(np.int64), 0, N_MONTHS - 1)
    usd_per_unit = np.where(uk, _USD_PER_UNIT["GBP"][month], _USD_PER_UNIT["EUR"][month])
    amount[non_usd] = np.round(amount[non_usd] / usd_per_unit[non_usd], 2)
    amount[negative] = -amount[negative]
    amount[absurd] = np.round(amount[absurd] * 1e6 + 1e9, 2)  # a paste of too many zeros
    counts = {"deals_negative_amount": negative.sum(), "deals_absurd_amount": absurd.sum(),
              "deals_blank_amount": blank.sum(), "deals_non_usd": non_usd.sum()}

    unknown = rng.random(nd) < r["deal_unknown"]
    n_unknown = int(unknown.sum())
    lost_ids = _sf_ids(_LOST_ACCOUNT_PREFIX, 2_000_000 + 17 * (state.lost_accounts
                                                               + np.arange(n_unknown)))
    state.lost_accounts += n_unknown
    pointer = d["acc"].copy()
    pointer[unknown] = len(acct_ids) + np.arange(n_unknown)
    account_id = pa.concat_arrays([acct_ids, lost_ids]).take(pointer)
    counts["deals_unknown_account"] = unknown.sum()

    deal_no = state.deals + np.arange(nd)
    state.deals += nd
    ids = _sf_ids("0065g000", 1_000_000 + 7 * deal_no + rng.integers(0, 7, nd))
    types = pa.array(DEAL_TYPES).take(d["type"])
    products = _PRODUCT_ARR.take(d["product"])
    name = pc.binary_join_element_wise(names.take(d["acc"]), types, products, " - ")
    table = pa.table([
        ids, account_id, name, pa.array(amount, mask=blank),
        pa.array(["USD", "EUR", "GBP"]).take(currency),
        pa.array(d["close"].astype(np.int32), pa.date32()),
        pa.array(d["created"].astype(np.int32), pa.date32()),
        pa.array(STAGES).take(stage), pa.array(d["won"]), pa.array(d["closed"]), types,
        pa.array(LEAD_SOURCES).take(lead), products,
    ], schema=_SCHEMAS["opportunities"])
    return table, counts


def _with_addresses(rng, accounts, firms, layout):
    """Accounts with BillingPostalCode, BillingCity, BillingLatitude and BillingLongitude."""
    place = np.where(firms["state"] >= 0, len(_COUNTRIES) + firms["state"], firms["country"])
    address = geography.place(rng, place, _PLACES, firms["parent"], layout["rows"])
    schema = pa.schema([f for f in _SCHEMAS["accounts"] if f.name not in _FIRST_CONTACT_COLUMNS])
    return pa.Table.from_arrays([*accounts.columns, *address], schema=schema)


@dataclass
class _Services:
    """The services invoices of a chunk's customers and the streams behind them."""

    traits: dict[str, np.ndarray]  # per customer: lam, p, nu, cluster, channel
    birth: np.ndarray  # per customer: day of the first invoice
    stream: streams.Stream
    table: pa.Table
    counts: dict[str, int]


def _services(rng, book, layout, acct_ids, state) -> _Services:
    """Every account that was ever a customer buys services from its first invoice: the day its
    first new-business deal closed, or, for a customer before the window, a day between its
    CreatedDate and the window's start."""
    cust = book["customers"]
    traits = streams.customer_traits(rng, len(cust))
    created = layout["created"][cust]
    before = created + (rng.random(len(cust)) * (WINDOW_START_DAY - created)).astype(np.int64)
    birth = np.where(book["existing"][cust], before, book["first_win"][cust])
    stream = streams.invoices(rng, birth, AS_OF_DAY, traits)
    table, (state.invoices, state.credit_notes) = streams.invoice_table(
        stream, acct_ids.take(pa.array(cust)), traits["channel"],
        (state.invoices, state.credit_notes), _SCHEMAS["transactions"])
    counts = {"transactions_split_lines": stream.split_lines,
              "transactions_credit_notes": stream.credit_notes}
    return _Services(traits, birth, stream, table, counts)


def _truth(firms, book, layout, habits, services, acct_ids):
    """The truth rows of a chunk (one per accounts row) and each owner's book.

    What drove the files is taken from the generator's state, never redrawn (the wallet's
    headroom is drawn before the book, on the truth's own stream).
    """
    n = len(firms["sector"])
    band, sector, parent = firms["band"], firms["sector"], firms["parent"]
    cust, history = book["customers"], book["history"]
    monthly = history @ np.ones(history.shape[2])  # MRR per customer and month (a fast sum)
    arr, peak = np.zeros(n), np.zeros(n)
    arr[cust], peak[cust] = 12 * monthly[:, -1], 12 * monthly.max(1)
    wallet = np.maximum(book["wallet"], peak)
    traits, stream = services.traits, services.stream

    rows = layout["rows"]
    ever = np.zeros(n, bool)
    ever[cust] = True
    at = np.full(n, -1)  # company -> its row among the customers
    at[cust] = np.arange(len(cust))
    c_rows, missing = np.maximum(at[rows], 0), ~ever[rows]

    def customers(values, dtype=None):  # a per-customer array on every row, null elsewhere
        return pa.array(np.asarray(values)[c_rows], dtype, mask=missing)

    def days(values):
        return customers(np.asarray(values).astype(np.int32), pa.date32())

    nu = traits["nu"]
    family = np.where(parent >= 0, parent, np.arange(n))
    columns = {
        "account_id": layout["ids"],
        "company_id": acct_ids.take(pa.array(rows)),
        "is_duplicate": pa.array(np.arange(len(rows)) >= n),
        "family_id": acct_ids.take(pa.array(family[rows])),
        "industry": pa.array(INDUSTRIES).take(pa.array(sector[rows])),
        "naics": _NAICS_VOCAB.take(pa.array(firms["naics"][rows])),
        "employees": pa.array(firms["employees"][rows]),
        "annual_revenue": pa.array(firms["revenue"][rows]),
        "country": _COUNTRY_CODES.take(pa.array(firms["country"][rows])),
        "state": _STATE_VOCAB.take(pa.array(np.maximum(firms["state"][rows], 0),
                                            mask=firms["state"][rows] < 0)),
        "size_band": pa.array(truth.SIZE_BANDS).take(pa.array(band[rows])),
        "customer_before_window": pa.array(book["existing"][rows]),
        "ever_customer": pa.array(ever[rows]),
        "paying_at_as_of": pa.array(arr[rows] > 0),
        "arr": pa.array(arr[rows]),
        "peak_arr": pa.array(peak[rows]),
        "list_mrr": pa.array(book["price"][rows]),
        "wallet": pa.array(wallet[rows]),
        "p_expand": pa.array(book["p_expand"][rows]),
        "p_win": pa.array(book["p_win"][rows]),
        "p_win_known": pa.array(book["p_win_known"][rows]),
        "new_business_per_year": pa.array(np.where(book["existing"], 0.0, _NB_RATE[band]
                                                   / _NB_YEARS)[rows]),
        "p_churn": pa.array(book["p_churn"][rows]),
        **{name: customers(values) for name, values in habits.items()},
        "cluster": customers(traits["cluster"], pa.int8()),
        "cluster_name": _CLUSTER_NAMES.take(customers(traits["cluster"])),
        "stream_start": days(services.birth),
        "bgnbd_lambda": customers(traits["lam"]),
        "bgnbd_p": customers(traits["p"]),
        "gg_nu": customers(nu),
        "gg_mean_spend": customers(streams.GAMMA_GAMMA["p"] / nu),
        "repeat_purchases": customers(stream.repeat),
        "last_purchase": days(stream.last_day),
        "alive_at_as_of": customers(stream.alive),
    }
    table = pa.Table.from_arrays([columns[name] for name in truth.SCHEMA.names],
                                 schema=truth.SCHEMA)

    owner = layout["owner"][:n]  # each company once: duplicates are not extra potential
    held = owner >= 0
    books = np.stack([np.bincount(owner[held], wallet[held], len(_OWNER_IDS)),
                      np.bincount(owner[held], minlength=len(_OWNER_IDS))])
    return table, books


def _revenue_usage_tables(rng, firms, book, acct_ids, state, usage_rng):
    history, cust = book["history"], book["customers"]
    c, m, p = np.nonzero(history > 0)
    mrr = history[c, m, p]
    counts = {}
    neg = rng.random(len(mrr)) < _RATES["revenue_negative"]
    mrr[neg] = -mrr[neg]
    counts["revenue_negative_mrr"] = neg.sum()
    account_id = acct_ids.take(cust[c])
    # billing rows for accounts deleted from the CRM: a short run each
    n_lost = max(1, round(_RATES["revenue_unknown_accounts"] * len(firms["sector"])))
    months = rng.integers(3, 13, n_lost)
    first = rng.integers(0, N_MONTHS - 12, n_lost)
    lost_m = np.repeat(first, months) + np.arange(months.sum()) - np.repeat(
        np.cumsum(months) - months, months)
    lost_ids = _sf_ids(_LOST_ACCOUNT_PREFIX, 2_000_000 + 17 * (state.lost_accounts
                                                               + np.arange(n_lost)))
    state.lost_accounts += n_lost
    lost_mrr = np.round(np.repeat(rng.uniform(100, 5000, n_lost), months), 2)
    counts["revenue_unknown_account"] = len(lost_m)
    revenue = pa.table([
        pa.concat_arrays([account_id, lost_ids.take(np.repeat(np.arange(n_lost), months))]),
        pa.array(MONTH_START[np.r_[m, lost_m]].astype(np.int32), pa.date32()),
        _PRODUCT_ARR.take(np.r_[p, np.zeros(len(lost_m), np.int64)]),
        pa.array(np.r_[mrr, lost_mrr]),
    ], schema=_SCHEMAS["revenue"])

    # usage: seats bought follow MRR; use fades in the four months before a churn, and is
    # lower, and drifts down, the higher the account's p_churn (_CHURN_IN_USAGE)
    total = history.sum(2)
    nc = len(cust)
    next_zero = np.full(nc, 10**6)
    until_churn = np.empty((nc, N_MONTHS), np.int64)
    for month in range(N_MONTHS - 1, -1, -1):
        until_churn[:, month] = next_zero - month
        next_zero = np.where(total[:, month] == 0, month, next_zero)
    fade = np.where(until_churn <= 4, 0.2 + 0.15 * until_churn, 1.0)
    uc, um = np.nonzero(total > 0)
    seats = np.maximum(1, np.rint(history[uc, um, 0] / 30))
    noise = np.exp(0.08 * rng.standard_normal((len(uc), 3)))
    # per customer (kept for the truth): seats in use, active share, API calls per user; the
    # first two lean on what usage shows of p_churn (drawn as before, then moved)
    signal = _churn_signal(usage_rng, book["p_churn"][cust])
    paid = np.cumsum(total > 0, axis=1)[uc, um] - 1  # months paid before this one
    drift = np.exp(-_CHURN_IN_USAGE["drift"] * np.maximum(signal[uc], 0.0) * paid)
    utilisation = _lean(rng.beta(6, 2, nc), 6, 2, signal)
    seats_used = np.maximum(1, np.rint(seats * utilisation[uc] * drift * fade[uc, um]
                                       * noise[:, 0]))
    active_share = _lean(rng.beta(5, 2, nc), 5, 2, signal)
    active_users = np.maximum(0, np.rint(seats_used * active_share[uc] * noise[:, 1]))
    integrations = 1 + 2 * (history[uc, um, 3] > 0)
    api_intensity = np.exp(0.6 * rng.standard_normal(nc))
    api_calls = np.rint(active_users * 400 * api_intensity[uc]
                        * integrations * fade[uc, um] * noise[:, 2])
    values = np.stack([active_users, api_calls, seats_used], 1).astype(np.int64).ravel()
    usage = pa.table([
        acct_ids.take(np.repeat(cust[uc], 3)),
        pa.array(np.repeat(MONTH_START[um], 3).astype(np.int32), pa.date32()),
        pa.array(METRICS).take(np.tile(np.arange(3), len(uc))),
        pa.array(values),
    ], schema=_SCHEMAS["usage"])
    habits = {"seat_utilisation": utilisation, "active_user_share": active_share,
              "api_intensity": api_intensity, "churn_signal": signal}
    return revenue, usage, counts, habits
