"""Message text rendering: escaped, links clickable and safe."""

from __future__ import annotations

import re

import pytest

from messaging.chat.text import preview, render_text, split_links

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "javascript:alert(1)",
    "[click me](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "http://example.test/\"onmouseover=\"alert(1)",
    "https://example.test/<script>alert(1)</script>",
    "<svg/onload=alert(1)>",
    "![x](https://example.test/x.png\" onerror=\"alert(1))",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_inert(payload):
    html = str(render_text(payload))
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert 'href="javascript' not in html
    assert not re.search(r"<[^>]*\son\w+\s*=", html)  # no event handler inside a tag
    # Every tag left is one of our anchors.
    for tag in html.split("<")[1:]:
        assert tag.startswith(("a href=\"http", "/a>")), html


def test_links_are_clickable_and_safe():
    html = str(render_text("Track it: https://carrier.test/t?id=1&x=2. Thanks!"))
    assert html == (
        'Track it: <a href="https://carrier.test/t?id=1&amp;x=2" rel="noopener noreferrer '
        'nofollow" target="_blank">https://carrier.test/t?id=1&amp;x=2</a>. Thanks!'
    )


def test_split_links_leaves_other_schemes_alone():
    assert split_links("ftp://x.test and mailto:a@b.test") == [
        ("ftp://x.test and mailto:a@b.test", False)]
    assert split_links("(see http://a.test/x)") == [
        ("(see ", False), ("http://a.test/x", True), (")", False)]


def test_preview_is_short_and_flat():
    assert preview("a\n\nb   c") == "a b c"
    assert len(preview("x" * 500)) == 120
