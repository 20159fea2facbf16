"""Conformance queries over tests/search/corpus.py, each pinned by what it must and must not find.

`must` slugs have to be among the hits and `never` slugs must not be: these pin the semantics
(stemming, folding, hyphens, NEAR distances, dates...) independently of any backend, and every
backend's hits must also equal the in-stream matcher's exactly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    query: str
    must: tuple[str, ...] = ()
    never: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.query


GAPS = ("near-gap-1", "near-gap-2", "near-gap-3", "near-gap-5", "near-gap-8", "near-gap-10", "near-gap-12")

CASES: list[Case] = [
    # stemming: singular, plural, possessive, inflections
    Case(
        "missile", must=("missile-singular", "missiles-plural", "missile-possessive"), never=("missionary",)
    ),
    Case("missiles", must=("missile-singular", "missiles-plural", "missile-possessive")),
    Case("=missiles", must=("missiles-plural", "exact-missiles-upper"), never=("missile-singular",)),
    Case("=missile", must=("missile-singular", "missile-possessive"), never=("missiles-plural",)),
    Case("attacked", must=("attack-forms", "attack-noun")),
    Case("=attacked", must=("attack-forms",), never=("attack-noun",)),
    Case("strike", must=("strike-forms",), never=("struck-only",)),
    Case("struck", must=("struck-only", "missiles-plural"), never=("strike-forms",)),
    Case("city", must=("cities",)),
    Case("policy", must=("policy",)),
    Case("unit", must=("united-unit",)),
    Case("university", must=("university",), never=("universe",)),
    # hyphens and punctuation
    Case(
        '"air defense"',
        must=("air-defense-hyphen", "air-defense-space", "air-emdash-defense", "air-slash-defense"),
    ),
    Case("air-defense", must=("air-defense-hyphen", "air-defense-space"), never=("air-defence-british",)),
    Case('"air defence"', must=("air-defence-british",), never=("air-defense-space",)),
    Case('"air defense"', never=("air-far-defense", "defense-air-reversed", "title-air-body-defense")),
    Case("F-16", must=("f16", "f-sixteen-apart")),
    Case('"f 16 jets"', must=("f16",), never=("f-sixteen-apart",)),
    Case("shahed", must=("shahed",)),
    Case("Shahed-136", must=("shahed",)),
    Case("reelection", must=("reelection",)),
    Case('"re election"', must=("reelection",)),
    Case('"anti aircraft"', must=("anti-aircraft",)),
    Case("U.S.", must=("us-abbrev",), never=("us-pronoun",)),
    Case("us", must=("us-pronoun",), never=("us-abbrev",)),
    # possessives and apostrophes
    Case("Russia", must=("russia-possessive", "russia-plain")),
    Case("Russia's", must=("russia-possessive", "russia-plain")),
    Case('"soldiers families"', must=("soldiers-plural-possessive",)),
    Case("O'Brien", must=("obrien",)),
    Case('"don t"', must=("dont",)),
    # case folding
    Case("nato", must=("nato-upper", "nato-lower", "nato-possessive", "fullwidth")),
    Case("=NATO", must=("nato-upper", "nato-lower")),
    Case("it", must=("it-upper",)),
    # accents, Unicode normalisation, other scripts
    Case("cafe", must=("cafe-accent", "cafe-plain")),
    Case("café", must=("cafe-accent", "cafe-plain")),
    Case("zurich", must=("zurich",)),
    Case('"sao paulo"', must=("sao-paulo",)),
    Case("Gdansk", must=("gdansk",)),
    Case("naive", must=("naive",)),
    Case("financial", must=("ligature",)),
    Case("ελλάδα", must=("greek",)),
    Case("Київ", must=("kyiv-ukrainian",), never=("kyiv-genitive", "kiev-russian")),
    Case("києва", must=("kyiv-genitive",)),
    Case("Киев", must=("kiev-russian",)),
    Case("йошкар-ола", must=("yoshkar-ola",)),
    Case("елка", must=("yolka",)),
    Case("ракети OR ракета", must=("kyiv-ukrainian",)),
    # HTML entities decoded upstream
    Case('"at t"', must=("att",)),
    Case("AT&T", must=("att",)),
    Case('"procter gamble"', must=("pg",)),
    Case('"p g raised"', must=("pg",)),
    Case("inflation", must=("lt-gt",)),
    # phrases across punctuation and lines
    Case('"kyiv air defense"', must=("phrase-across-sentence",)),
    Case('"air defense units"', must=("phrase-across-newline",)),
    Case('"missiles air defense"', must=("phrase-across-comma",)),
    # boolean logic
    Case("patriot", must=("title-only-patriot", "body-only-patriot", "patriot-air-defense-topic")),
    Case('Patriot OR "air defense"', must=("title-only-patriot", "air-defense-space")),
    Case("patriot AND germany", must=("patriot-air-defense-topic",), never=("title-only-patriot",)),
    Case("patriot germany", must=("patriot-air-defense-topic",), never=("title-only-patriot",)),
    Case("patriot -germany", must=("title-only-patriot",), never=("patriot-air-defense-topic",)),
    Case("patriot NOT germany", must=("title-only-patriot",), never=("patriot-air-defense-topic",)),
    Case("(missile OR drone) AND NOT kyiv", must=("missile-singular", "shahed"), never=("kyiv-ukrainian",)),
    Case("NOT port", must=("missile-singular",), never=("date-1h", "date-400d")),
    Case("-port -missile", never=("date-1h", "missile-singular")),
    Case("NOT (port OR missile OR air)", never=("date-1h", "missile-singular", "air-defense-space")),
    Case("(cafe OR café) -bombing", must=("cafe-plain",), never=("cafe-accent",)),
    Case("port OR (NOT port AND missile)", must=("date-1h", "missile-singular")),
    Case("air AND (defense OR defence) AND NOT patriot", must=("air-defence-british", "air-far-defense")),
    # stop words are searchable
    Case('"the hague"', must=("the-hague", "nato-possessive")),
    Case('"to be or not to be"', must=("to-be",)),
    Case('"minister of the interior"', must=("grams-phrase",), never=("grams-trap",)),
    Case('title:"of the"', must=("grams-phrase",), never=("grams-trap", "the-hague")),
    Case('"is at"', must=("grams-phrase",), never=("grams-trap",)),
    Case('"said the interior"', must=("grams-trap",), never=("grams-phrase",)),
    Case('"the interior is"', must=("grams-trap",), never=("grams-phrase",)),
    Case('"minister of" -"of the"', must=("grams-trap",), never=("grams-phrase",)),
    # numbers
    Case('"1 000"', must=("numbers",)),
    Case("2026", must=("numbers",)),
    # field scopes
    Case(
        "title:patriot",
        must=("title-only-patriot", "patriot-air-defense-topic"),
        never=("body-only-patriot",),
    ),
    Case("body:patriot", must=("body-only-patriot",), never=("title-only-patriot",)),
    Case('title:"air defense"', must=("air-defense-space",), never=("phrase-across-sentence",)),
    Case("title:air body:defense", must=("title-air-body-defense",)),
    Case('title:(patriot OR "air defense")', must=("title-only-patriot", "air-defense-space")),
    Case("title:(missile -rain)", must=("missile-singular",), never=("missiles-plural",)),
    Case("text:ceasefire", must=("summary-and-content",)),
    Case("envoys delegations", must=("summary-and-content",)),
    Case('"grain ships"', must=("summary-lead",)),
    # prefixes
    Case("defen*", must=("air-defense-space", "air-defence-british", "french")),
    Case("missi*", must=("missile-singular", "missionary")),
    Case("title:patr*", must=("title-only-patriot",), never=("body-only-patriot",)),
    Case('"air def*"', must=("air-defense-space", "air-defence-british"), never=("air-far-defense",)),
    Case('"air defense sys*"', must=("air-defense-hyphen", "patriot-air-defense-topic")),
    Case("кие*", must=("kiev-russian",)),
    Case("xx*", must=("long-word",)),
    # an OR of words, prefixes and field words (the matcher tests each group as one set)
    Case(
        "title:patr* OR missi* OR =cafe OR кие* OR title:grain OR zzyzx",
        must=("title-only-patriot", "missile-singular", "missionary", "cafe-plain", "kiev-russian"),
        never=("body-only-patriot",),
    ),
    # proximity: NEAR/N and "..."~N (FTS5 semantics: N words may come between)
    Case("air NEAR/0 defense", must=("air-defense-space",), never=GAPS),
    Case("air NEAR/1 defense", must=("near-gap-1",), never=GAPS[1:]),
    Case("air NEAR/3 defense", must=GAPS[:3], never=GAPS[3:]),
    Case('"air defense"~5', must=(*GAPS[:4], "near-reversed"), never=GAPS[4:]),
    Case("air NEAR defense", must=(*GAPS[:6], "near-reversed"), never=GAPS[6:]),
    Case("defense NEAR/2 air", must=("near-reversed", "near-gap-1")),
    Case('"air defense" NEAR/1 systems', must=("air-defense-hyphen", "near-overlap")),
    Case("patriot NEAR/8 kyiv NEAR/8 defense", must=("near-three",)),
    Case("patriot NEAR/6 kyiv NEAR/6 defense", never=("near-three",)),
    Case('"patriot kyiv defense"~8', must=("near-three",)),
    Case('"patriot kyiv defense"~7', never=("near-three",)),
    Case("=Air NEAR/2 =defense", must=("air-defense-space",)),
    Case("title:(air NEAR/3 defense)", must=("air-defense-space",), never=GAPS),
    # keyword fields
    Case("entity:kyiv", must=("zelensky-en",), never=("kyiv-genitive",)),
    Case('entity:"Volodymyr Zelensky"', must=("zelensky-en", "zelensky-lower-entity")),
    Case("entity:zurich", must=("zurich-entity",), never=("zurich",)),
    Case("entity:Київ", must=("kyiv-ukrainian",)),
    Case("topic:conflict", must=("zelensky-en", "patriot-air-defense-topic")),
    Case("topic:conflict/air-defense", must=("patriot-air-defense-topic",), never=("zelensky-en",)),
    Case("topic:economy/banking", must=("zurich-entity",)),
    Case("topic:air-defense", never=("patriot-air-defense-topic",)),
    Case('source:"kyiv independent"', must=("zelensky-en", "zelensky-lower-entity")),
    Case("source:Reuters patriot", must=("patriot-air-defense-topic",), never=("title-only-patriot",)),
    Case("lang:uk", must=("kyiv-ukrainian", "kyiv-genitive"), never=("kiev-russian",)),
    Case("lang:fr OR lang:de", must=("french", "zurich-entity")),
    Case("-lang:en defense", must=("french",), never=("air-defense-space",)),
    Case("port -lang:en", never=("date-1h",)),
    # dates (relative to NOW; future articles included by open ranges)
    Case(
        "port published:>now-24h",
        must=("date-1h", "date-23h", "date-future"),
        never=("date-24h-exact", "date-25h"),
    ),
    Case("port published:>=now-24h", must=("date-24h-exact",), never=("date-25h",)),
    Case("port published:<now-7d", must=("date-8d", "date-40d", "date-400d"), never=("date-25h",)),
    Case(
        "port published:2026-11-24..2026-11-24",
        must=("date-23h", "date-24h-exact", "date-25h"),
        never=("date-1h",),
    ),
    Case("port published:2026-11-24", must=("date-23h", "date-24h-exact", "date-25h"), never=("date-1h",)),
    Case("port published:>2026-11-24", must=("date-1h",), never=("date-23h",)),
    Case("port published:<=2026-11-24", must=("date-23h",), never=("date-1h",)),
    Case("port published:>now", must=("date-future",), never=("date-1h",)),
    Case("published:>=2026-11-25T10:00:00Z published:<2026-11-25T11:30Z", must=("date-1h",)),
    Case("port (published:<now-30d OR published:>now-2h)", must=("date-1h", "date-40d"), never=("date-8d",)),
    Case("NOT published:<now-1d", must=("date-1h",), never=("date-25h",)),
]
