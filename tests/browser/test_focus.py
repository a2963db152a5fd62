"""What axe-core cannot see: the focus ring is a 3:1 change against what surrounds it (WCAG
1.4.11) on buttons and sidebar links, a focused inbox row shows its whole ring, the chat's
messages are a live log, and the message box of an open thread is two Tab stops away."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from tests.conftest import save_screenshot, signed_in_page
from wholesale.extensions import db


def _luminance(rgb: tuple[int, ...]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _shot(page: Any, box: dict[str, float], pad: int) -> Image.Image:
    clip = {"x": box["x"] - pad, "y": box["y"] - pad, "width": box["width"] + 2 * pad,
            "height": box["height"] + 2 * pad}
    return Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("RGB")


def ring_contrast(page: Any, locator: Any) -> dict[str, float]:
    """Per side of the element, the strongest contrast between the focused and the unfocused
    pixels on a short line across its edge (a ring drawn outside or inside it): what a person
    sees change when focus arrives."""
    pad = 8
    page.emulate_media(reduced_motion="reduce")  # no transition: the ring as it ends up
    locator.scroll_into_view_if_needed()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    box = locator.bounding_box()
    before = _shot(page, box, pad)
    locator.focus()
    assert locator.evaluate("(el) => el.matches(':focus-visible')")
    after = _shot(page, box, pad)
    w, h = before.size
    mid_x, mid_y = w // 2, h // 2
    offsets = range(1, 2 * pad - 1)
    sides = {
        "left": [(o, mid_y) for o in offsets],
        "right": [(w - 1 - o, mid_y) for o in offsets],
        "top": [(mid_x, o) for o in offsets],
        "bottom": [(mid_x, h - 1 - o) for o in offsets],
    }
    return {side: max(contrast(before.getpixel(p), after.getpixel(p)) for p in points)
            for side, points in sides.items()}


def _world(live_db: Any) -> tuple[str, str, int]:
    supplier, buyer = live_db.supplier("Golden Gate"), live_db.buyer("Bistro Verde")
    live_db.connect(supplier, buyer)
    emails = live_db.owner(supplier).email, live_db.owner(buyer).email
    supplier_id = supplier.id
    db.session.commit()  # and no more reads: on SQLite they would keep the server waiting
    return *emails, supplier_id


def test_focus_rings_chat_log_and_the_way_to_the_message_box(browser, live_server,
                                                             live_db) -> None:
    supplier_email, buyer_email, supplier_id = _world(live_db)
    page = signed_in_page(browser, live_server, buyer_email)

    # Buttons and sidebar links: the ring is a 3:1 change on every side.
    page.goto("/settings/profile")
    for target in (page.locator(".nav__link").first,
                   page.locator(".btn--secondary").first,
                   page.locator("button.btn--primary, a.btn--primary").first):
        sides = ring_contrast(page, target)
        assert min(sides.values()) >= 3, (target, sides)

    # The account thread: the chat's messages are a polite live log ...
    page.goto(f"/inbox/account/{supplier_id}")
    page.wait_for_url("**/inbox/t/*")
    log = page.locator("[role=log]")
    assert log.get_attribute("aria-live") == "polite"
    assert log.locator("[data-chat-messages]").count() == 1
    # ... and the message box is two Tab stops from the top of the page.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == (
        "Skip to the message box")
    save_screenshot(page, "thread-skip-link", full_page=False)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.matches('[data-chat-input]')")
    page.keyboard.type("Two cases of lemons for Friday, please")
    page.locator("[data-chat-send]").click()
    # what is sent lands inside the live region (where a screen reader announces it)
    log.locator("text=Two cases of lemons for Friday").wait_for()

    # The supplier's inbox: a focused row shows its ring on all four sides, inside the
    # list that clips what sticks out of it.
    supplier = signed_in_page(browser, live_server, supplier_email)
    supplier.goto("/inbox")
    row = supplier.locator("[data-inbox-row]").first
    sides = ring_contrast(supplier, row)
    assert min(sides.values()) >= 3, sides
    save_screenshot(supplier, "inbox-row-focused", full_page=False)
    page.context.close()
    supplier.context.close()
