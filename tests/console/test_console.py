"""The web console in a real browser (Debian's Chromium driven by Playwright) against the real API
app, SQLite index and alert store, and for live alerts the Faust worker on a Tansu broker."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from search.backends import open_backend
from tests.conftest import Processes, clean_env, cli, free_port, settings_for, wait_for
from wirewatch import topics
from wirewatch.broker import broker_argv, wait_for_port
from wirewatch.kafka import make_producer
from wirewatch.schema import Article, Entity, article_id, utcnow

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "console"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


def article(n: int, title: str, source: str, hours: float, **fields: object) -> Article:
    url = f"https://{source.lower().replace(' ', '-')}.example/{n}"
    now = utcnow()
    return Article(
        id=article_id(url, ""),
        url=url,
        feed_id=source.lower().replace(" ", "-"),
        source=source,
        title=title,
        summary=fields.pop("summary", "Officials confirmed the news on Tuesday."),
        published=now - timedelta(hours=hours),
        fetched=now,
        language="en",
        **fields,
    )


KYIV = Entity(name="Kyiv", type="GPE")
AIR = ["conflict/air-defense"]
SEED = [
    *(
        article(i, f"{src}: Patriot battery arrives in Kyiv", src, 1 + i, entities=[KYIV], topics=AIR,
                cluster_id="c-patriot", cluster_size=3,
                summary="A Patriot air defense battery reached Kyiv overnight, officials said.")
        for i, src in enumerate(["Wire", "Atom Daily", "Kyiv Post"])
    ),
    article(5, "Germany sends more Patriot systems", "Berlin Desk", 30, topics=AIR,
            entities=[Entity(name="Germany", type="GPE")], summary="Berlin pledged two more Patriot systems."),
    article(6, "Monsoon rains flood Mumbai streets", "Wire", 5, topics=["weather"],
            entities=[Entity(name="Mumbai", type="GPE")], summary="Heavy monsoon rain closed roads."),
    article(7, "Central bank holds interest rates", "Ledger", 50, topics=["economy"],
            summary="The bank kept its key rate unchanged."),
]  # fmt: skip


OPML = """<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
<outline type="rss" text="Kyiv Wire" xmlUrl="https://kyiv-wire.example/rss.xml"/>
<outline type="rss" text="Harbour Watch" xmlUrl="https://harbour.example/feed.xml"/>
</body></opml>"""


@dataclass
class Stack:
    url: str
    env: dict[str, str]
    token: str
    procs: Processes


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Broker, seeded index, a write token, `wirewatch api` and the worker, shared by the module."""
    tmp = tmp_path_factory.mktemp("console")
    data = tmp / "data"
    data.mkdir()
    broker_port, api_port = free_port(), free_port()
    broker = subprocess.Popen(broker_argv(broker_port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = clean_env(
        WIREWATCH_DATA_DIR=str(data),
        WIREWATCH_KAFKA_BOOTSTRAP=f"127.0.0.1:{broker_port}",
        WIREWATCH_FEEDS=str(data / "feeds.yaml"),
        WIREWATCH_TOPIC_PARTITIONS="1",
        WIREWATCH_STREAM_SESSION_TIMEOUT="6",
        WIREWATCH_NER="0",
        WIREWATCH_API_PORT=str(api_port),
    )
    procs = Processes(tmp, env)
    try:
        wait_for_port(broker_port)
        assert cli(env, "setup").returncode == 0
        index = open_backend(settings_for(env))
        index.index(SEED)
        index.close()
        created = cli(env, "tokens", "create", "console-test", "--scope", "write")
        assert created.returncode == 0, created.stderr
        token = re.search(r"ww_\S+", created.stdout)
        assert token, created.stdout
        procs.start("stream", "stream")
        procs.start("api", "api")
        url = f"http://127.0.0.1:{api_port}/"
        wait_for(lambda: _healthy(url), 30, "the API to answer /healthz")
        yield Stack(url, env, token.group(0), procs)
    finally:
        procs.stop_all()
        broker.terminate()
        broker.wait(10)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium for these tests"
        )
    args = [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run",
    ]  # fmt: skip
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, stack: Stack, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, base_url=stack.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Scripts that throw, or that the CSP refuses, fail the test even when the page looked fine.
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    context.close()
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        print("\n".join(problems))
        for log in stack.procs.logs:
            print(f"----- {log.name} -----\n{log.read_text(errors='replace')[-4000:]}")
    assert not problems, problems


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def fits_phone(page: Page) -> None:
    """Nothing makes the page scroll sideways at phone width (wide tables scroll in their box)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_search_highlights_filters_and_history(page: Page) -> None:
    page.goto("/")
    expect(page.locator("#summary")).to_contain_text(f"{len(SEED)} articles")
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("patriot")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?q=patriot"))
    expect(page.locator("#summary")).to_contain_text("4 articles")
    expect(page.locator(".hit .snippet mark").first).to_have_text(re.compile("patriot", re.I))
    # Three outlets of one story are grouped under the first.
    expect(page.locator(".hit")).to_have_count(2)
    expect(page.locator(".cluster summary")).to_have_text("+2 outlets")
    # The volume chart and the facets describe the same query.
    expect(page.locator("#chart svg rect.bar")).not_to_have_count(0)
    expect(page.locator("#facets").get_by_role("button", name="Kyiv, 3 articles")).to_be_visible()
    shoot(page, "search-desktop-light")

    page.locator(".hit .tags button", has_text="Kyiv").first.click()
    expect(page).to_have_url(re.compile(r"entity=Kyiv"))
    expect(page.locator("#chips .chip.filter")).to_have_text(re.compile("entity:.*Kyiv"))
    expect(page.locator("#summary")).to_contain_text("3 articles")
    expect(page.locator(".hit")).to_have_count(1)

    page.go_back()  # the filter lives in the URL: back removes it
    expect(page.locator("#summary")).to_contain_text("4 articles")
    expect(page.locator("#chips .chip.filter")).to_have_count(0)
    page.go_forward()
    expect(page.locator("#summary")).to_contain_text("3 articles")
    page.get_by_role("button", name="Remove filter entity Kyiv").click()
    expect(page.locator("#summary")).to_contain_text("4 articles")


def test_syntax_error_shown_inline_as_you_type(page: Page) -> None:
    page.goto("/")
    page.locator("#q").fill('"air defense')
    error = page.locator("#q-error")
    # The check is a request to the API 250 ms after typing; on a loaded 2-core CI machine (the
    # module's worker starting, another test process enriching) it has taken more than the
    # default 5 s once.
    expect(error).to_be_visible(timeout=15_000)
    expect(error).to_contain_text("unbalanced quote")
    expect(error.locator(".bad")).to_have_text('"')
    expect(page.locator("#q")).to_have_attribute("aria-invalid", "true")
    page.locator("#q").fill('"air defense"')
    expect(error).to_be_hidden()
    expect(page.locator("#q")).not_to_have_attribute("aria-invalid", "true")


def slow_by(seconds: float) -> Callable[[Route], None]:
    """A route handler passing requests on to the real server after a delay."""

    def handle(route: Route) -> None:
        time.sleep(seconds)
        route.continue_()

    return handle


def test_subscribe_then_alert_arrives_live(page: Page, stack: Stack) -> None:
    page.goto("/?view=alerts")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    page.get_by_role("button", name="New subscription").click()
    form = page.locator("#sub-form")
    form.get_by_label("Name", exact=True).fill("harbour")
    # A slow API: the query check of the submit is still under way when the typing check fires
    # (250 ms after the last key), which used to abort it and make Create silently do nothing.
    page.route("**/api/query/check*", slow_by(0.6))
    form.get_by_label("Query", exact=True).fill("drone AND harbour")
    form.get_by_role("button", name="Create").click()
    # No token yet: the write is refused and the console asks for one.
    dialog = page.locator("#token-dialog")
    expect(dialog).to_be_visible()
    page.unroute("**/api/query/check*")
    dialog.get_by_label("Token").fill(stack.token)
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#subs .sub h3", has_text="harbour")).to_be_visible()

    page.evaluate("window.notReloaded = true")
    wait_for(lambda: "partitions assigned" in stack.procs.log_text("stream"), 60, "the stream worker")
    producer = make_producer(stack.env["WIREWATCH_KAFKA_BOOTSTRAP"])
    raw = article(20, "Drone hits harbour crane in Odesa", "Wire", 0.05)
    producer.send(topics.RAW, key=raw.id.encode(), value=raw.to_json())
    producer.flush(30)
    producer.close()

    alert = page.locator("#alerts .alert", has_text="Drone hits harbour crane")
    expect(alert).to_be_visible(timeout=45_000)
    expect(alert.locator(".snippet mark, .alert-title")).not_to_have_count(0)
    expect(page.locator("#alerts-announce")).to_contain_text("harbour")
    assert page.evaluate("window.notReloaded") is True, "the page reloaded instead of updating live"
    shoot(page, "alerts-desktop-light")

    sub = page.locator("#subs .sub", has_text="harbour")
    sub.get_by_role("button", name="Test send").click()
    expect(sub.locator(".test-results li.ok")).to_contain_text("console")
    sub.get_by_role("button", name="Edit").click()
    expect(form.get_by_label("Query", exact=True)).to_have_value("drone AND harbour")
    form.get_by_label("Query", exact=True).fill("drone AND (harbour OR port)")
    form.get_by_role("button", name="Save").click()
    expect(sub.locator(".sub-query")).to_have_text("drone AND (harbour OR port)")
    sub.get_by_role("button", name="Mute").click()
    expect(page.locator("#subs .sub", has_text="harbour").locator(".badge")).to_have_text("muted")
    page.locator("#subs .sub", has_text="harbour").get_by_role("button", name="Delete").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Delete").click()
    expect(page.locator("#subs")).to_contain_text("No subscriptions yet.")


def test_feed_errors_and_phone_dark_layout(page: Page, stack: Stack) -> None:
    page.add_init_script(f"localStorage.setItem('wirewatch.token', {json.dumps(stack.token)})")
    page.goto("/?view=feeds")
    page.get_by_label("Add a feed").fill("http://127.0.0.1:9/feed.xml")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#feed-form-error")).to_be_visible()
    expect(page.locator("#feed-form-error")).not_to_be_empty()

    page.get_by_label("Import OPML").set_input_files(
        {"name": "feeds.opml", "mimeType": "text/x-opml", "buffer": OPML.encode()}
    )
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#opml-result")).to_have_text("Added 2, skipped 0.")
    expect(page.locator("#feeds tr")).to_have_count(2)
    expect(page.locator("#feeds")).to_contain_text("not polled yet")
    page.get_by_role("button", name="Remove Harbour Watch").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Remove").click()
    removed = page.locator("#feeds tr", has_text="Harbour Watch")  # kept, inactive, listed last
    expect(removed).to_contain_text("inactive")
    expect(removed.get_by_role("button")).to_have_count(0)
    expect(page.locator("#feeds tr").first).to_contain_text("Kyiv Wire")
    shoot(page, "feeds-desktop-light")

    page.set_viewport_size(PHONE)
    page.emulate_media(color_scheme="dark")
    fits_phone(page)
    shoot(page, "feeds-phone-dark")
    page.goto("/?q=patriot")
    expect(page.locator(".hit").first).to_be_visible()
    fits_phone(page)
    shoot(page, "search-phone-dark")
    page.emulate_media(color_scheme="light")
    shoot(page, "search-phone-light")
    page.set_viewport_size(DESKTOP)
    page.emulate_media(color_scheme="dark")
    shoot(page, "search-desktop-dark")
    page.goto("/?view=alerts")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    shoot(page, "alerts-desktop-dark")
