"""The page itself, in Debian's Chromium: keyboard only, labels and live regions for
screen readers, tidy at phone and desktop widths, and "tell us which network you miss"."""
from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.fixtures.panel import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def tab_to(page, name: str, limit: int = 80):
    """Press Tab until the focused element's accessible text is `name`; fail if never."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.textContent.trim()")
        if focused == name:
            return page.locator(":focus")
    raise AssertionError(f"{name!r} can't be reached with the Tab key")


def test_dialogs_work_from_the_keyboard_and_give_focus_back(system, open_panel):
    page = open_panel(system)
    tab_to(page, "Connect Mastodon")
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Connect Mastodon")).to_be_visible()
    expect(page.get_by_label("Your Mastodon server")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Connect Mastodon")).to_be_hidden()
    expect(page.get_by_role("button", name="Connect Mastodon")).to_be_focused()

    tab_to(page, "Connect Bluesky")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Connect Bluesky with an app password")
    expect(dialog).to_be_visible()
    expect(page.get_by_label("Your Bluesky handle")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("App password", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Connect Bluesky")).to_be_focused()


def test_connecting_with_the_keyboard_alone(system, context, open_panel):
    page = open_panel(system)
    tab_to(page, "Connect Instagram")
    with context.expect_page() as opened:
        page.keyboard.press("Enter")
    tab = opened.value
    tab.wait_for_load_state()
    tab.get_by_role("button", name=re.compile("^approve", re.I)).focus()
    tab.keyboard.press("Enter")
    expect(page.locator("#accounts .account")).to_have_count(1)
    account = page.locator("#accounts .account").first
    expect(account.get_by_role("button", name=re.compile(r"^Disconnect Instagram @"))).to_be_visible()


def test_screen_readers_get_labels_and_status_announcements(system, open_panel):
    page = open_panel(system)
    expect(page.locator("[role=status][aria-live=polite]#announcer")).to_have_count(1)
    unlabelled = page.evaluate("""[...document.querySelectorAll('input, button, a')]
        .filter((el) => !(el.labels && el.labels.length) && !el.textContent.trim() && !el.getAttribute('aria-label'))
        .map((el) => el.outerHTML)""")
    assert unlabelled == []
    expect(page.get_by_role("heading", level=1)).to_have_text("Connections")
    expect(page.get_by_role("region", name="Your accounts")).to_be_visible()
    expect(page.get_by_role("region", name="Connect an account")).to_be_visible()
    instagram = page.get_by_role("listitem", name="Instagram")
    instagram.get_by_text("What we ask for and why").click()
    expect(instagram).to_contain_text("instagram_business_content_publish")
    expect(instagram).to_contain_text("publish the posts you schedule")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
def test_the_page_is_tidy_at_phone_and_desktop_widths(system, context, open_panel, viewport, shot):
    page = open_panel(system)
    page.set_viewport_size(viewport)
    page.get_by_role("listitem", name="Instagram").get_by_text("What we ask for and why").click()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {viewport['width']}px"
    small_targets = page.evaluate("""[...document.querySelectorAll('main button')]
        .filter((b) => b.offsetParent && b.getBoundingClientRect().height < 44).length""")
    assert small_targets == 0
    shot(page, f"page-{viewport['width']}")
    page.get_by_role("button", name="Connect Bluesky", exact=True).click()
    shot(page, f"bluesky-{viewport['width']}")


def test_telling_us_about_a_missing_network_is_stored_and_counted(system, open_panel, user):
    def counted() -> float:
        text = requests.get(f"{system.panel}/metrics", timeout=5).text
        found = re.search(r'^panel_network_requests_total\{network="reddit"\} (\S+)$', text, re.M)
        return float(found.group(1)) if found else 0.0

    before = counted()
    page = open_panel(system)
    page.get_by_label("Which network should Post Mate connect to next?").fill("Reddit")
    page.keyboard.press("Enter")
    expect(page.locator("#missing-result")).to_contain_text("Thanks")
    assert counted() == before + 1
    page.get_by_label("Which network should Post Mate connect to next?").fill("reddit.com")
    page.keyboard.press("Enter")
    expect(page.locator("#missing-result")).to_contain_text("already told us")
    assert counted() == before + 1
