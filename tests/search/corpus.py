"""The conformance corpus: hand-written tricky articles plus generated news-like filler.

Every article is addressed by a slug (its URL path); `ids(*slugs)` turns slugs into article
ids. Times are relative to the fixed NOW so date queries are stable.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from wirewatch.schema import Article, Entity, article_id

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
FEED = "corpus"


def url(slug: str) -> str:
    return f"https://corpus.example/{slug}"


def id_of(slug: str) -> str:
    return article_id(url(slug), FEED)


@dataclass(frozen=True)
class Doc:
    """A corpus article in compact form."""

    slug: str
    title: str
    body: str = ""
    hours_ago: float = 2.0
    source: str = "Wire Service"
    entities: tuple[tuple[str, str], ...] = ()
    topics: tuple[str, ...] = ()
    lang: str | None = "en"
    summary: str = ""

    def article(self) -> Article:
        published = NOW - timedelta(hours=self.hours_ago)
        return Article(
            id=id_of(self.slug),
            url=url(self.slug),
            feed_id=FEED,
            source=self.source,
            title=self.title,
            summary=self.summary,
            content=self.body,
            published=published,
            fetched=published,
            language=self.lang,
            entities=[Entity(name=n, type=t) for n, t in self.entities],
            topics=list(self.topics),
        )


# Hand-written cases, grouped by what they exercise.
TRICKY: list[Doc] = [
    # plural / singular / inflections (English stemming)
    Doc("missile-singular", "A missile hit the depot", "One missile was intercepted over the river."),
    Doc("missiles-plural", "Missiles rain on the port", "Several missiles struck warehouses overnight."),
    Doc("missile-possessive", "The missile's range surprised analysts", "Its range exceeded 500 km."),
    Doc("missionary", "Missionary school reopens", "The mission was founded in 1890."),
    Doc("attack-forms", "Drone attacks continue", "Forces attacked at dawn; attacking units withdrew."),
    Doc("attack-noun", "Cyber attack on a bank", "The attack took the website down for hours."),
    Doc("strike-forms", "Workers strike for pay", "Strikes spread; a striking miner spoke."),
    Doc("struck-only", "Lightning struck twice", "The tower was struck by lightning in a storm."),
    Doc("cities", "Cities brace for winter", "Many cities ration power; each city has a plan."),
    Doc("policy", "New policy on energy", "The policies were debated for weeks."),
    Doc("united-unit", "United front against fraud", "A police unit arrested three suspects."),
    Doc("universe", "Universe older than thought", "Astronomers dated the universe again."),
    Doc("university", "University strike ends", "The university and its unions agreed."),
    # hyphens and punctuation inside words
    Doc(
        "air-defense-hyphen", "Allies send air-defense systems", "New air-defense batteries arrive in spring."
    ),
    Doc("air-defense-space", "Kyiv asks for more air defense", "Air defense shot down 20 drones."),
    Doc("air-defence-british", "Britain pledges air defence", "The air defence package is worth millions."),
    Doc("air-emdash-defense", "Talks on air—defense cooperation", "Officials met in Brussels."),
    Doc("air-slash-defense", "Air/defense budget grows", "The air/defense line item doubled."),
    Doc(
        "air-far-defense",
        "Air power and coastal defense",
        "The air force will lead while the navy handles defense.",
    ),
    Doc(
        "defense-air-reversed",
        "Defense of the air base",
        "Defense ministers discussed air bases and air routes.",
    ),
    Doc("f16", "F-16 jets delivered", "The first F-16 fighters landed in Denmark."),
    Doc("f-sixteen-apart", "F 16 is a road in the story", "Road F 16 closed due to snow."),
    Doc("shahed", "Shahed-136 drones downed", "Dozens of Shahed drones were downed overnight."),
    Doc("reelection", "Re-election bid announced", "The mayor seeks reelection in May."),
    Doc("anti-aircraft", "Anti-aircraft guns sighted", "Old anti aircraft guns were moved north."),
    Doc("us-abbrev", "U.S. sends aid", "The U.S. package includes ammunition."),
    Doc("us-pronoun", "Let us talk about aid", "Tell us what you think about the aid package."),
    # possessives and apostrophes
    Doc("russia-possessive", "Russia's army regroups", "Russia’s generals moved units east."),
    Doc("russia-plain", "Russia holds drills", "Russia announced exercises near the border."),
    Doc(
        "soldiers-plural-possessive",
        "Soldiers' families protest",
        "The soldiers' wives marched in the capital.",
    ),
    Doc("obrien", "O'Brien resigns", "Minister O'Brien quit after the vote."),
    Doc("dont", "Don't panic, says minister", "People don't need to stock up on fuel."),
    Doc("nato-possessive", "NATO's summit opens", "Nato’s leaders arrive in The Hague."),
    # case
    Doc("nato-upper", "NATO expands patrols", "NATO jets patrol the Baltic."),
    Doc("nato-lower", "nato reacts", "a spokesperson for nato declined to comment."),
    Doc("it-upper", "IT outage hits airlines", "An IT failure grounded flights."),
    # accents and Unicode normalisation
    Doc("cafe-accent", "Café bombing condemned", "The café was crowded at noon."),
    Doc("cafe-plain", "Cafe owners protest rents", "Cafe prices rose sharply."),
    Doc("zurich", "Zürich talks resume", "Negotiators returned to Zürich on Monday."),
    Doc("sao-paulo", "São Paulo floods", "Heavy rain flooded São Paulo overnight."),
    Doc("gdansk", "Gdańsk shipyard strike", "Workers in Gdańsk walked out."),
    Doc("naive", "A naïve plan, critics say", "The naïve approach drew criticism."),
    Doc("ligature", "ﬁnancial markets slide", "Traders blamed ﬁnancial uncertainty."),
    Doc("fullwidth", "ＮＡＴＯ statement in fullwidth letters", "ＮＡＴＯ said it was watching closely."),
    Doc("greek", "Ελλάδα: νέα μέτρα", "Η κυβέρνηση ανακοίνωσε μέτρα.", lang="el", source="Kathimerini"),
    # Cyrillic
    Doc(
        "kyiv-ukrainian",
        "Київ під обстрілом",
        "Ракети влучили у Київ вночі. Сили ППО збили дрони.",
        lang="uk",
        source="Українська правда",
        entities=(("Київ", "GPE"),),
    ),
    Doc(
        "kyiv-genitive",
        "Мер Києва заявив",
        "Мер Києва Кличко закликав економити світло.",
        lang="uk",
        source="Українська правда",
    ),
    Doc("kiev-russian", "Киев и Москва", "Ракета упала под Киевом.", lang="ru", source="Новая газета"),
    Doc("yoshkar-ola", "Йошкар-Ола готовится к зиме", "Город Йошкар-Ола закупил соль.", lang="ru"),
    Doc("yolka", "ЁЛКА на площади", "Ёлку поставили на площади.", lang="ru"),
    # HTML entities, decoded by ingest before indexing
    Doc("att", html.unescape("AT&amp;T outage"), html.unescape("AT&amp;T said service was restored.")),
    Doc(
        "pg",
        html.unescape("Procter &amp; Gamble profits"),
        html.unescape("P&amp;G raised prices &mdash; again."),
    ),
    Doc(
        "quotes",
        html.unescape("&ldquo;Air defense&rdquo; is the priority"),
        html.unescape("He said&nbsp;it twice."),
    ),
    Doc("lt-gt", html.unescape("Inflation &lt; 2% in Ireland"), html.unescape("Growth &gt; 3% expected.")),
    # phrases across punctuation, lines and columns
    Doc(
        "phrase-across-sentence",
        "Strikes on Kyiv",
        "Explosions shook Kyiv. Air defense was active all night.",
    ),
    Doc(
        "phrase-across-newline",
        "Overnight report",
        "Sirens sounded across the capital and air\ndefense units fired.",
    ),
    Doc(
        "phrase-across-comma", "Missiles, air defense and drones", "The list: missiles, air, defense budgets."
    ),
    Doc("title-only-patriot", "Patriot battery arrives", ""),
    Doc("body-only-patriot", "Weapons delivery confirmed", "A Patriot battery arrived in Rzeszów."),
    Doc("title-air-body-defense", "Air traffic resumes", "Defense officials approved the flights."),
    # NEAR distances (air ... defense with 0..12 words between)
    *[
        Doc(
            f"near-gap-{gap}",
            f"Proximity test {gap}",
            "air " + " ".join(["filler"] * gap) + " defense",
        )
        for gap in (1, 2, 3, 5, 8, 10, 12)
    ],
    Doc("near-reversed", "Reversed proximity", "defense of the air"),
    Doc("near-three", "Three words", "patriot systems guard the air over kyiv and its defense"),
    Doc("near-overlap", "Overlap", "air defense systems defense air"),
    # stop words are not removed
    Doc("the-hague", "Court in The Hague rules", "Judges in The Hague issued a ruling."),
    Doc("to-be", "To be or not to be", "Hamlet asked whether to be."),
    # common words, which SQLite also indexes as grams ("minist_of"): phrases must match as the
    # words do, and grams of different places must not join
    Doc("grams-phrase", "Minister of the Interior resigns", "He said it is at the border."),
    Doc("grams-trap", "Interior news", "The minister of state said the interior is not at ease."),
    # numbers
    Doc("numbers", "1,000 troops and 3.5 billion", "The 2026 budget adds 1,000 troops."),
    # summary and content
    Doc(
        "summary-and-content",
        "Ceasefire talks",
        "Delegations met for six hours.",
        summary="Envoys propose a ceasefire.",
    ),
    Doc(
        "summary-lead",
        "Grain deal",
        "Ports reopen for grain. Ships left Odesa on Tuesday.",
        summary="Ports reopen for grain.",
    ),
    # keyword fields: entities, topics, sources, languages
    Doc(
        "zelensky-en",
        "Zelensky visits the front",
        "President Volodymyr Zelensky met soldiers.",
        entities=(("Volodymyr Zelensky", "PERSON"), ("Kyiv", "GPE")),
        topics=("conflict/frontline", "politics"),
        source="Kyiv Independent",
    ),
    Doc(
        "zelensky-lower-entity",
        "President speaks",
        "The president addressed parliament.",
        entities=(("volodymyr zelensky", "PERSON"),),
        topics=("politics",),
        source="kyiv independent",
        hours_ago=1,
    ),
    Doc(
        "zurich-entity",
        "Banking summit",
        "Bankers gathered for the summit.",
        entities=(("Zürich", "GPE"),),
        topics=("Economy/Banking",),
        source="Neue Zürcher Zeitung",
        lang="de",
    ),
    Doc(
        "patriot-air-defense-topic",
        "Patriot systems for Ukraine",
        "Germany sends Patriot air defense systems.",
        entities=(("Germany", "GPE"), ("Patriot", "WEAPON"), ("Ukraine", "GPE")),
        topics=("conflict/air-defense",),
        source="Reuters",
    ),
    Doc(
        "energy-topic",
        "Gas prices fall",
        "European gas prices fell for a third week.",
        topics=("economy/energy",),
        source="Reuters",
        lang="en",
    ),
    Doc("no-lang", "Language unknown", "Short text.", lang=None, source="Unknown Blog"),
    Doc(
        "french",
        "Défense aérienne renforcée",
        "La défense aérienne a abattu des drones.",
        lang="fr",
        source="Le Monde",
    ),
    # dates around the usual windows
    Doc("date-1h", "Breaking: port fire", "A fire broke out at the port.", hours_ago=1),
    Doc("date-23h", "Yesterday's port fire", "The port fire was put out.", hours_ago=23),
    Doc("date-24h-exact", "Port fire inquiry", "An inquiry into the port fire opened.", hours_ago=24),
    Doc("date-25h", "Port fire: first report", "Smoke rose over the port.", hours_ago=25),
    Doc("date-8d", "Port expansion plan", "The port will expand.", hours_ago=8 * 24),
    Doc("date-40d", "Port strike last month", "Dockers struck for a week.", hours_ago=40 * 24),
    Doc("date-400d", "Port history", "The port opened a century ago.", hours_ago=400 * 24),
    Doc("date-future", "Scheduled: port reopening", "The port reopens tomorrow.", hours_ago=-10),
    # exact forms
    Doc("exact-missiles-upper", "MISSILES", "MISSILES everywhere.", hours_ago=3),
    Doc("long-word", "Long token", "x" * 150 + " tail", hours_ago=3),
]

# Generated filler: realistic-looking wire copy built from a fixed vocabulary.
_SOURCES = ("Reuters", "AP", "AFP", "BBC", "Kyiv Independent", "Le Monde", "Deutsche Welle")
_ENTITIES = (
    ("Kyiv", "GPE"),
    ("Kharkiv", "GPE"),
    ("NATO", "ORG"),
    ("Volodymyr Zelensky", "PERSON"),
    ("European Union", "ORG"),
    ("Patriot", "WEAPON"),
    ("Odesa", "GPE"),
)
_TOPICS = ("conflict/air-defense", "conflict/frontline", "economy/energy", "politics", "economy/banking")
_SUBJECTS = (
    "Officials",
    "The ministry",
    "Air defense units",
    "Analysts",
    "Drone crews",
    "Residents",
    "Engineers",
)
_VERBS = ("reported", "confirmed", "denied", "warned about", "described", "welcomed", "condemned")
_OBJECTS = (
    "new missile strikes",
    "an attack on power lines",
    "air-defense shortages",
    "a Patriot battery",
    "drone attacks near Kharkiv",
    "energy prices",
    "the NATO summit",
    "grain shipments from Odesa",
    "a ceasefire proposal",
    "blackouts in Kyiv",
)
_TAILS = ("overnight.", "on Monday.", "after talks in Brussels.", "despite the cold.", "for the third day.")


def _generated(count: int, seed: int = 20261125) -> list[Doc]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        sentences = [
            f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}"
            for _ in range(rng.randint(1, 5))
        ]
        title = sentences[0].rstrip(".")
        out.append(
            Doc(
                f"gen-{n:03d}",
                title,
                " ".join(sentences[1:]) or sentences[0],
                hours_ago=rng.choice((0.5, 3, 12, 30, 70, 200, 800)) + n / 100,
                source=rng.choice(_SOURCES),
                entities=tuple(rng.sample(_ENTITIES, rng.randint(0, 3))),
                topics=tuple(rng.sample(_TOPICS, rng.randint(0, 2))),
                lang=rng.choice(("en", "en", "en", "uk", None)),
            )
        )
    return out


DOCS: list[Doc] = TRICKY + _generated(140)
ARTICLES: list[Article] = [d.article() for d in DOCS]
SLUGS = {d.slug for d in DOCS}
assert len(SLUGS) == len(DOCS), "corpus slugs must be unique"


def ids(*slugs: str) -> set[str]:
    unknown = set(slugs) - SLUGS
    assert not unknown, f"unknown corpus slugs {unknown}"
    return {id_of(s) for s in slugs}
