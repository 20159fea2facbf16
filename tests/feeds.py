"""Sample feeds for tests, rendered by the same code that serves the demo feeds."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources

from wirewatch.demo.server import Item, Outlet, render_atom, render_rss

PATRIOT_QUERY = 'Patriot OR "air defense"'


def item(
    slug: str, title: str, text: str, minutes_ago: float = 5, site: str = "https://news.example"
) -> Item:
    return Item(
        url=f"{site}/2026/{slug}",
        title=title,
        summary=text.split(". ")[0] + ".",
        content=text,
        author="Test Writer",
        categories=("World",),
        published=datetime.now(UTC) - timedelta(minutes=minutes_ago),
        release_after=0,
    )


@cache
def _vocabulary() -> tuple[str, ...]:
    """The distinct words of the bundled demo articles (a few thousand real news words), minus
    the words the tests' subscriptions look for."""
    text = resources.files("wirewatch.demo").joinpath("articles.yaml").read_text("utf-8")
    words = set(re.findall(r"[a-z]{4,}", text.lower()))
    return tuple(sorted(w for w in words if not w.startswith(("patriot", "defen", "defence"))))


def distinct_story(seed: int, words: int = 80) -> str:
    """Filler text that shares almost no word pairs with any other seed, so stories never cluster."""
    rng = random.Random(seed)
    vocabulary = _vocabulary()
    sentences = [
        " ".join(rng.choice(vocabulary) for _ in range(10)).capitalize() + "." for _ in range(words // 10)
    ]
    return " ".join(sentences)


def feed(items: list[Item], fmt: str = "rss", name: str = "Test News", slug: str = "test") -> bytes:
    outlet = Outlet(slug, name, fmt, "https://news.example", "en", tuple(items))
    render = render_atom if fmt == "atom" else render_rss
    return render(outlet, items).encode("utf-8")


WIRE_ITEMS = [
    item(
        "patriot-1",
        "Germany pledges a third Patriot battery",
        "Berlin will send another Patriot system to Ukraine. Officials in Kyiv welcomed the decision.",
    ),
    item(
        "air-defense-1",
        "Kyiv asks allies for more air defense",
        "Ukraine needs more air defense before winter, its foreign minister said in Brussels.",
    ),
    item(
        "markets-1",
        "Oil prices steady as OPEC meets",
        "Brent crude was little changed on Tuesday ahead of an OPEC meeting in Vienna.",
    ),
    item(
        "sport-1",
        "Patriots win in overtime",
        "The New England Patriots beat the Jets 27-24 in overtime on Sunday.",
    ),
    item(
        "climate-1",
        "Floods displace thousands in Bangladesh",
        "Monsoon floods forced thousands from their homes in northern Bangladesh.",
    ),
]
ATOM_ITEMS = [
    item(
        "air-defence-2",
        "Poland tests new air-defense radar",
        "Poland said its new air-defense radar passed field trials near Warsaw.",
        site="https://atom.example",
    ),
    item(
        "elections-1",
        "Run-off called in presidential vote",
        "Election officials announced a run-off after no candidate won a majority.",
        site="https://atom.example",
    ),
    item(
        "health-1",
        "WHO warns of measles rise",
        "The World Health Organization warned of a rise in measles cases in Europe.",
        site="https://atom.example",
    ),
]
MATCHING_SLUGS = {"patriot-1", "air-defense-1", "sport-1", "air-defence-2"}
