"""Hostile feed documents shared by the parser tests and the hostile-feed suite."""

from __future__ import annotations

from pathlib import Path

SECRET = Path(__file__).with_name("secret.txt")
SECRET_TEXT = "TOP-SECRET-LOCAL-FILE-CONTENT"


def rss(items: str, head: str = "", title: str = "Hostile") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{head}<rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://evil.example/</link>{items}</channel></rss>"
    ).encode()


def item(title: str = "t", link: str = "https://evil.example/1", extra: str = "") -> str:
    return f"<item><title>{title}</title><link>{link}</link>{extra}</item>"


BILLION_LAUGHS = rss(
    item("&lol9;"),
    head='<!DOCTYPE rss [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    + "]>",
)
QUADRATIC = rss(
    item("&big;" * 20_000),
    head=f'<!DOCTYPE rss [<!ENTITY big "{"x" * 50_000}">]>',
)
XXE = rss(
    item("&xxe;", extra="<description>&xxe;</description>"),
    head=f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{SECRET}">]>',
)
PARAMETER_ENTITY = rss(
    item("param"),
    head=f'<!DOCTYPE rss [<!ENTITY % ext SYSTEM "file://{SECRET}"> %ext;]>',
)
EXTERNAL_DTD = rss(item("dtd"), head='<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/evil.dtd">')
SCRIPTS = rss(
    item(
        "<![CDATA[Breaking <script>alert('title')</script>news]]>",
        extra="<description>"
        "&lt;p onclick=&quot;steal()&quot;&gt;Body&lt;script&gt;alert(1)&lt;/script&gt;"
        "&lt;img src=x onerror=alert(2)&gt;&lt;a href=&quot;javascript:alert(3)&quot;&gt;link&lt;/a&gt;"
        "&lt;style&gt;body{display:none}&lt;/style&gt;&lt;iframe src=&quot;https://evil.example&quot;&gt;&lt;/iframe&gt;"
        "&amp;lt;script&amp;gt;alert(4)&amp;lt;/script&amp;gt;tail&lt;/p&gt;</description>",
    )
    + item("Second", link="javascript:alert(5)", extra="<guid>g-js</guid>")
)
HUGE_TITLE = rss(item("A" * 1_000_000))
DUPLICATE_GUIDS = rss(
    item("one", extra="<guid>same</guid>", link="https://evil.example/a")
    + item("one again", extra="<guid>same</guid>", link="https://evil.example/a")
    + "<item><title>no link 1</title><guid>dup</guid></item>"
    + "<item><title>no link 2</title><guid>dup</guid></item>"
)
NO_LINKS_OR_DATES = rss(
    "<item><title>only a guid</title><guid>urn:1</guid></item>"
    "<item><title>nothing but a title</title></item>"
    "<item><description>only text, dated nonsense</description><pubDate>yesterday-ish</pubDate>"
    "<guid>urn:3</guid></item>"
    "<item><title>from the future</title><link>https://evil.example/f</link>"
    "<pubDate>Tue, 10 Jun 2098 04:00:00 GMT</pubDate></item>"
)
TRUNCATED = rss(item("first") + item("second"))[:-60]
NOT_XML = b"<html><body><h1>Welcome</h1><p>This is not a feed.</p></body></html>"
REDOS_AUTHOR = rss(item("slow", extra=f"<author>{'a' * 100_000}</author>"))
