"""Metro areas the demo company's accounts cluster around: centre, weight and postal prefix.

Provenance: written by hand for the demo (issue 19), from memory of public references, not
fetched: city-centre coordinates as GeoNames and Wikipedia give them, rounded to 0.01°;
weights are rough metro-area populations in millions (2020-2023 censuses and estimates as
Wikipedia summarises them); postal prefixes are the leading characters of the codes in use in
each city centre (USPS three-digit ZIP prefixes, Canada Post forward sortation areas, Royal Mail
postcode areas, Eircode routing keys, the national four-, five-, six- and seven-digit schemes).
Good enough to place made-up accounts plausibly; not a gazetteer. The tests keep every centre
inside its country's bounding box. The United Arab Emirates has no postal codes.

Columns of `METROS`: ISO country, state or province (US and Canada only, as the generator's
BillingState), city, latitude, longitude, weight, postal prefix, and the spread in km of the
accounts around the centre (10 unless given; smaller where a state line or a border is near).
"""

from __future__ import annotations

# Postal code shape per country: '#' a digit, '@' a capital letter, '%' a digit 1-9, anything
# else as written. A metro's prefix replaces the leading characters; "" means no postal codes.
POSTAL_PATTERNS = {
    "US": "#####", "CA": "@#@ #@#", "GB": "@%% #@@", "DE": "#####", "FR": "#####",
    "NL": "%### @@", "SE": "%## ##", "ES": "#####", "IT": "#####", "IE": "@%% @#@#",
    "CH": "%###", "AT": "%###", "BE": "%###", "DK": "%###", "PL": "##-###", "AU": "%###",
    "NZ": "%###", "JP": "###-####", "SG": "######", "IN": "%#####", "BR": "#####-###",
    "MX": "#####", "AR": "@%###@@@", "CL": "%######", "CO": "######", "ZA": "####",
    "AE": "", "IL": "%######",
}

_TABLE = """
US|AL|Birmingham|33.52|-86.80|1.1|352
US|AL|Huntsville|34.73|-86.59|0.5|358
US|AK|Anchorage|61.22|-149.90|0.4|995
US|AZ|Phoenix|33.45|-112.07|4.9|850|15
US|AZ|Tucson|32.22|-110.97|1.0|857
US|AR|Little Rock|34.75|-92.29|0.75|722
US|AR|Fayetteville|36.06|-94.16|0.55|727
US|CA|Los Angeles|34.05|-118.24|12.8|900|15
US|CA|San Francisco|37.77|-122.42|4.6|941|6
US|CA|San Jose|37.34|-121.89|2.0|951
US|CA|San Diego|32.72|-117.16|3.3|921|8
US|CA|Sacramento|38.58|-121.49|2.4|958
US|CA|Fresno|36.74|-119.79|1.0|937
US|CO|Denver|39.74|-104.99|2.9|802|12
US|CO|Colorado Springs|38.83|-104.82|0.75|809
US|CT|Hartford|41.76|-72.69|1.2|061
US|CT|Stamford|41.05|-73.54|0.95|069|4
US|CT|New Haven|41.31|-72.92|0.86|065|6
US|DE|Wilmington|39.74|-75.55|0.7|198|4
US|DE|Dover|39.16|-75.52|0.18|199|5
US|DC|Washington|38.91|-77.04|5.0|200|3
US|FL|Miami|25.76|-80.19|6.1|331|10
US|FL|Tampa|27.95|-82.46|3.2|336
US|FL|Orlando|28.54|-81.38|2.7|328
US|FL|Jacksonville|30.33|-81.66|1.6|322
US|GA|Atlanta|33.75|-84.39|6.1|303|15
US|GA|Savannah|32.08|-81.09|0.4|314|6
US|HI|Honolulu|21.31|-157.86|1.0|968|6
US|ID|Boise|43.62|-116.20|0.8|837
US|IL|Chicago|41.88|-87.63|9.4|606|12
US|IL|Springfield|39.80|-89.64|0.2|627
US|IN|Indianapolis|39.77|-86.16|2.1|462
US|IN|Fort Wayne|41.08|-85.14|0.4|468
US|IA|Des Moines|41.59|-93.62|0.7|503
US|IA|Cedar Rapids|41.98|-91.67|0.27|524
US|KS|Wichita|37.69|-97.34|0.65|672
US|KS|Overland Park|38.98|-94.67|0.6|662|5
US|KY|Louisville|38.25|-85.76|1.3|402|5
US|KY|Lexington|38.04|-84.50|0.5|405
US|LA|New Orleans|29.95|-90.07|1.3|701|8
US|LA|Baton Rouge|30.45|-91.19|0.9|708
US|ME|Portland|43.66|-70.26|0.55|041|6
US|MD|Baltimore|39.29|-76.61|2.8|212|8
US|MD|Bethesda|38.98|-77.10|1.0|208|3
US|MA|Boston|42.36|-71.06|4.9|021|10
US|MA|Worcester|42.26|-71.80|0.9|016
US|MA|Springfield|42.10|-72.59|0.7|011|5
US|MI|Detroit|42.33|-83.05|4.4|482|10
US|MI|Grand Rapids|42.96|-85.67|1.1|495
US|MN|Minneapolis|44.98|-93.27|3.7|554|12
US|MN|Rochester|44.02|-92.47|0.2|559
US|MS|Jackson|32.30|-90.18|0.6|392
US|MS|Gulfport|30.37|-89.09|0.4|395|6
US|MO|St. Louis|38.63|-90.20|2.8|631|5
US|MO|Kansas City|39.10|-94.58|2.2|641|5
US|MT|Billings|45.78|-108.50|0.18|591
US|MT|Missoula|46.87|-114.00|0.12|598
US|NE|Omaha|41.26|-95.93|1.0|681|5
US|NE|Lincoln|40.81|-96.70|0.34|685
US|NV|Las Vegas|36.17|-115.14|2.3|891
US|NV|Reno|39.53|-119.81|0.5|895|6
US|NH|Manchester|42.99|-71.46|0.4|031
US|NJ|Newark|40.74|-74.17|2.0|071|5
US|NJ|Jersey City|40.73|-74.08|0.7|073|2
US|NJ|Princeton|40.36|-74.66|0.4|085|6
US|NJ|Cherry Hill|39.93|-75.03|0.5|080|4
US|NM|Albuquerque|35.08|-106.65|0.9|871
US|NM|Santa Fe|35.69|-105.94|0.15|875
US|NY|New York|40.73|-73.94|19.5|100|6
US|NY|Buffalo|42.89|-78.88|1.1|142|8
US|NY|Rochester|43.16|-77.61|1.1|146
US|NY|Albany|42.65|-73.76|0.9|122
US|NC|Charlotte|35.23|-80.84|2.7|282|8
US|NC|Raleigh|35.78|-78.64|1.4|276
US|ND|Fargo|46.88|-96.79|0.25|581|3
US|OH|Columbus|39.96|-83.00|2.1|432
US|OH|Cleveland|41.50|-81.69|2.1|441|8
US|OH|Cincinnati|39.10|-84.51|2.3|452|5
US|OK|Oklahoma City|35.47|-97.52|1.4|731
US|OK|Tulsa|36.15|-95.99|1.0|741
US|OR|Portland|45.52|-122.68|2.5|972|5
US|OR|Eugene|44.05|-123.09|0.4|974
US|PA|Philadelphia|39.95|-75.17|6.2|191|5
US|PA|Pittsburgh|40.44|-80.00|2.4|152
US|RI|Providence|41.82|-71.41|1.6|029|5
US|SC|Charleston|32.78|-79.93|0.8|294|6
US|SC|Columbia|34.00|-81.03|0.8|292
US|SC|Greenville|34.85|-82.40|0.9|296
US|SD|Sioux Falls|43.54|-96.73|0.28|571|5
US|TN|Nashville|36.16|-86.78|2.0|372
US|TN|Memphis|35.15|-90.05|1.3|381|4
US|TN|Knoxville|35.96|-83.92|0.9|379
US|TX|Houston|29.76|-95.37|7.1|770|15
US|TX|Dallas|32.78|-96.80|7.6|752|15
US|TX|Austin|30.27|-97.74|2.3|787
US|TX|San Antonio|29.42|-98.49|2.6|782
US|TX|El Paso|31.76|-106.49|0.9|799|4
US|UT|Salt Lake City|40.76|-111.89|1.3|841
US|UT|Provo|40.23|-111.66|0.7|846
US|VT|Burlington|44.48|-73.21|0.22|054|6
US|VA|Arlington|38.88|-77.10|2.5|222|3
US|VA|Richmond|37.54|-77.44|1.3|232
US|VA|Virginia Beach|36.85|-75.98|1.8|234|6
US|WA|Seattle|47.61|-122.33|4.0|981|10
US|WA|Spokane|47.66|-117.43|0.6|992|6
US|WV|Charleston|38.35|-81.63|0.2|253
US|WV|Morgantown|39.63|-79.96|0.14|265|4
US|WI|Milwaukee|43.04|-87.91|1.6|532|8
US|WI|Madison|43.07|-89.40|0.7|537
US|WY|Cheyenne|41.14|-104.82|0.1|820|5
US|WY|Casper|42.87|-106.31|0.08|826
CA|ON|Toronto|43.65|-79.38|6.2|M5|15
CA|ON|Ottawa|45.42|-75.70|1.5|K1|5
CA|ON|Hamilton|43.26|-79.87|0.8|L8
CA|ON|Kitchener|43.45|-80.49|0.6|N2
CA|ON|London|42.98|-81.25|0.5|N6
CA|QC|Montreal|45.50|-73.57|4.3|H3|10
CA|QC|Quebec City|46.81|-71.21|0.8|G1
CA|BC|Vancouver|49.28|-123.12|2.6|V6|7
CA|BC|Victoria|48.43|-123.37|0.4|V8|5
CA|BC|Kelowna|49.89|-119.50|0.2|V1
CA|AB|Calgary|51.05|-114.07|1.5|T2
CA|AB|Edmonton|53.55|-113.49|1.4|T5
CA|MB|Winnipeg|49.90|-97.14|0.8|R3
CA|SK|Saskatoon|52.13|-106.67|0.3|S7
CA|SK|Regina|50.45|-104.61|0.25|S4
CA|NS|Halifax|44.65|-63.58|0.45|B3|6
CA|NB|Moncton|46.09|-64.78|0.16|E1
CA|NB|Saint John|45.27|-66.06|0.13|E2|5
CA|NB|Fredericton|45.96|-66.64|0.11|E3
CA|NL|St. John's|47.56|-52.71|0.21|A1|5
CA|PE|Charlottetown|46.24|-63.13|0.08|C1|5
GB||London|51.51|-0.13|9.5|EC|15
GB||Manchester|53.48|-2.24|2.8|M
GB||Birmingham|52.49|-1.89|2.9|B
GB||Leeds|53.80|-1.55|1.9|LS
GB||Glasgow|55.86|-4.25|1.7|G
GB||Edinburgh|55.95|-3.19|0.9|EH|6
GB||Bristol|51.45|-2.59|0.7|BS|6
GB||Cambridge|52.21|0.12|0.3|CB
GB||Newcastle upon Tyne|54.97|-1.61|0.8|NE|6
GB||Belfast|54.60|-5.93|0.6|BT|6
GB||Cardiff|51.48|-3.18|0.5|CF|6
DE||Berlin|52.52|13.40|4.5|10|12
DE||Hamburg|53.55|9.99|2.7|20
DE||Munich|48.14|11.58|2.9|80
DE||Cologne|50.94|6.96|2.0|50
DE||Frankfurt|50.11|8.68|2.3|60
DE||Stuttgart|48.78|9.18|2.8|70
DE||Düsseldorf|51.23|6.77|1.5|40
DE||Leipzig|51.34|12.37|1.0|04
DE||Hanover|52.37|9.73|1.2|30
DE||Nuremberg|49.45|11.08|1.3|90
FR||Paris|48.86|2.35|12.3|75|15
FR||Lyon|45.76|4.84|2.3|69
FR||Marseille|43.30|5.37|1.9|13|6
FR||Toulouse|43.60|1.44|1.4|31
FR||Lille|50.63|3.06|1.5|59|5
FR||Bordeaux|44.84|-0.58|1.3|33
FR||Nantes|47.22|-1.55|1.0|44
FR||Nice|43.70|7.27|1.0|06|5
FR||Strasbourg|48.58|7.75|0.8|67|4
NL||Amsterdam|52.37|4.90|2.5|10
NL||Rotterdam|51.92|4.48|1.8|30
NL||The Hague|52.08|4.30|1.1|25|5
NL||Utrecht|52.09|5.12|0.9|35
NL||Eindhoven|51.44|5.48|0.8|56
SE||Stockholm|59.33|18.07|2.4|11
SE||Gothenburg|57.71|11.97|1.1|41|6
SE||Malmö|55.60|13.00|0.75|21|6
SE||Uppsala|59.86|17.64|0.24|75
ES||Madrid|40.42|-3.70|6.7|28|15
ES||Barcelona|41.39|2.17|5.6|08|8
ES||Valencia|39.47|-0.38|1.6|46|6
ES||Seville|37.39|-5.98|1.5|41
ES||Bilbao|43.26|-2.93|1.0|48|6
ES||Málaga|36.72|-4.42|1.0|29|6
IT||Milan|45.46|9.19|4.3|20|12
IT||Rome|41.90|12.50|4.3|00|12
IT||Naples|40.85|14.27|3.1|80|6
IT||Turin|45.07|7.69|1.7|10
IT||Bologna|44.49|11.34|1.0|40
IT||Florence|43.77|11.26|1.0|50
IE||Dublin|53.35|-6.26|1.4|D0|6
IE||Cork|51.90|-8.47|0.3|T1|6
IE||Galway|53.27|-9.05|0.1|H9|4
IE||Limerick|52.66|-8.63|0.1|V9|5
CH||Zurich|47.38|8.54|1.4|80
CH||Geneva|46.20|6.14|0.6|12|3
CH||Basel|47.56|7.59|0.55|40|3
CH||Bern|46.95|7.45|0.4|30
CH||Lausanne|46.52|6.63|0.4|10|4
AT||Vienna|48.21|16.37|2.0|10
AT||Graz|47.07|15.44|0.3|80
AT||Linz|48.31|14.29|0.3|40
AT||Salzburg|47.81|13.05|0.35|50|3
AT||Innsbruck|47.27|11.40|0.3|60|5
BE||Brussels|50.85|4.35|2.1|10
BE||Antwerp|51.22|4.40|1.1|20|6
BE||Ghent|51.05|3.72|0.6|90|6
BE||Liège|50.63|5.57|0.75|40|6
DK||Copenhagen|55.68|12.57|2.0|1|8
DK||Aarhus|56.16|10.20|0.35|80|6
DK||Odense|55.40|10.39|0.2|50|6
DK||Aalborg|57.05|9.92|0.2|90|6
PL||Warsaw|52.23|21.01|3.1|0
PL||Kraków|50.06|19.94|1.5|3
PL||Wrocław|51.11|17.04|1.2|5
PL||Poznań|52.41|16.93|1.0|6
PL||Gdańsk|54.35|18.65|1.1|8|6
PL||Katowice|50.26|19.02|2.0|4
AU||Sydney|-33.87|151.21|5.3|20|15
AU||Melbourne|-37.81|144.96|5.1|30|15
AU||Brisbane|-27.47|153.03|2.6|40|12
AU||Perth|-31.95|115.86|2.1|60|12
AU||Adelaide|-34.93|138.60|1.4|50
AU||Canberra|-35.28|149.13|0.45|26|6
NZ||Auckland|-36.85|174.76|1.7|10
NZ||Wellington|-41.29|174.78|0.4|60|5
NZ||Christchurch|-43.53|172.64|0.4|80|6
JP||Tokyo|35.68|139.69|37|1|15
JP||Osaka|34.69|135.50|19|53|12
JP||Nagoya|35.18|136.91|9|45
JP||Yokohama|35.44|139.64|3.8|22|6
JP||Fukuoka|33.59|130.40|2.5|81|6
JP||Sapporo|43.06|141.35|2.6|06
JP||Kyoto|35.01|135.77|1.5|60|6
SG||Singapore|1.29|103.85|5.9|0|4
IN||Mumbai|19.08|72.88|21|400|12
IN||Delhi|28.61|77.21|30|110|15
IN||Bengaluru|12.97|77.59|13|560|12
IN||Chennai|13.08|80.27|11|600|10
IN||Hyderabad|17.39|78.49|10|500|12
IN||Pune|18.52|73.86|7|411
IN||Kolkata|22.57|88.36|15|700|10
IN||Ahmedabad|23.02|72.57|8|380
BR||São Paulo|-23.55|-46.63|22|0|15
BR||Rio de Janeiro|-22.91|-43.17|13.5|2|12
BR||Belo Horizonte|-19.92|-43.94|6|30
BR||Curitiba|-25.43|-49.27|3.7|80
BR||Porto Alegre|-30.03|-51.23|4.3|90
BR||Brasília|-15.79|-47.88|4.7|70|12
MX||Mexico City|19.43|-99.13|22|0|15
MX||Guadalajara|20.67|-103.35|5.3|44
MX||Monterrey|25.69|-100.32|5.3|64
MX||Puebla|19.04|-98.21|3.2|72
MX||Querétaro|20.59|-100.39|1.5|76
AR||Buenos Aires|-34.60|-58.38|15.5|C1|12
AR||Córdoba|-31.42|-64.18|1.6|X5
AR||Rosario|-32.95|-60.65|1.3|S2
AR||Mendoza|-32.89|-68.84|1.1|M5
CL||Santiago|-33.45|-70.67|7.0|83|12
CL||Valparaíso|-33.05|-71.62|1.0|23|5
CL||Concepción|-36.83|-73.05|1.0|40|6
CO||Bogotá|4.71|-74.07|11|11|12
CO||Medellín|6.24|-75.58|4.0|05
CO||Cali|3.45|-76.53|2.8|76
CO||Barranquilla|10.96|-74.80|2.3|08|6
ZA||Johannesburg|-26.20|28.05|10|20|15
ZA||Cape Town|-33.92|18.42|4.8|80|8
ZA||Durban|-29.86|31.02|3.9|40|8
ZA||Pretoria|-25.75|28.19|2.9|00
AE||Dubai|25.20|55.27|3.5||10
AE||Abu Dhabi|24.45|54.38|1.5||8
AE||Sharjah|25.35|55.42|1.8||5
IL||Tel Aviv|32.09|34.78|4.2|61|6
IL||Jerusalem|31.77|35.21|1.3|91|3
IL||Haifa|32.79|34.99|1.1|31|5
"""


def _rows() -> list[tuple[str, str, str, float, float, float, str, float]]:
    rows = []
    for line in _TABLE.strip().splitlines():
        country, state, city, lat, lon, weight, prefix, *spread = line.split("|")
        rows.append((country, state, city, float(lat), float(lon), float(weight), prefix,
                     float(spread[0]) if spread else 10.0))
    return rows


METROS = _rows()
