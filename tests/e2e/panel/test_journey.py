"""The user's journey on the Connections page, in Debian's Chromium, against the
whole system (gateway, connection-store, plan-limits, their workers, the provider
sandbox and the panel), started by each test."""
from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.support import wait_for

pytestmark = pytest.mark.browser
CREATOR_LIMIT = 15


# -- what a user does ---------------------------------------------------------
def card(page, network: str):
    return page.locator(f"#net-{network}")


def accounts(page):
    return page.locator("#accounts .account")


def connect_in_new_tab(context, page, name: str):
    """Click Connect <name>; returns the platform's tab the page opened."""
    with context.expect_page() as opened:
        page.get_by_role("button", name=f"Connect {name}", exact=True).click()
    tab = opened.value
    tab.wait_for_load_state()
    return tab


def decide(tab, decision: str) -> None:
    """Approve or deny on the sandbox's consent page."""
    tab.get_by_role("button", name=re.compile(f"^{decision}", re.I)).click()


def connect_over_http(system, user: str, network: str = "instagram") -> None:
    """A connect by a script (sandbox auto-approve): a real attempt, start URL and callback."""
    started = system.gateway("POST", f"/v1/connections/{network}/attempts", user, json={})
    assert started.status_code == 201, started.text
    landed = requests.Session().get(started.json()["start_url"], timeout=15)
    assert landed.status_code == 200, landed.text


def reached_the_panel_or_closed(tab) -> bool:
    return tab.is_closed() or "/returned" in tab.url


# -- connect -------------------------------------------------------------------
def test_connecting_instagram_opens_a_new_tab_and_lists_the_account_without_a_reload(
        system, context, open_panel, user, shot):
    page = open_panel(system)
    page.evaluate("window.__samePage = true")
    shot(page, "1-before")

    tab = connect_in_new_tab(context, page, "Instagram")
    shot(tab, "2-consent")
    decide(tab, "approve")

    expect(accounts(page)).to_have_count(1)
    expect(accounts(page).first).to_contain_text("Instagram")
    expect(accounts(page).first.locator(".badge")).to_have_text("Connected")
    expect(card(page, "instagram").locator(".status")).to_contain_text("Connected Instagram account")
    assert page.evaluate("window.__samePage") is True  # no reload
    wait_for(lambda: reached_the_panel_or_closed(tab), what="the platform's tab to close or return")
    assert [c["network"] for c in system.connections(user)] == ["instagram"]
    expect(page.locator("#quota")).to_contain_text("1 of 15")
    shot(page, "3-connected")


def test_denying_at_the_platform_shows_the_reason(system, context, open_panel, user, shot):
    page = open_panel(system)
    tab = connect_in_new_tab(context, page, "Instagram")
    decide(tab, "deny")

    status = card(page, "instagram").locator(".status")
    expect(status).to_contain_text("declined")
    expect(status).to_have_class(re.compile(r"\berror\b"))
    expect(accounts(page)).to_have_count(0)
    expect(page.locator("#announcer")).to_contain_text("declined")
    assert system.connections(user) == []
    shot(page, "denied")


def test_a_tab_closed_without_approving_shows_the_extension_hint_once_the_attempt_expires(
        make_system, context, open_panel, shot):
    system = make_system(POSTMATE_ATTEMPT_TTL_S="3")
    page = open_panel(system)
    tab = connect_in_new_tab(context, page, "Instagram")
    tab.close()

    status = card(page, "instagram").locator(".status")
    expect(status).to_contain_text("private window", timeout=15000)
    expect(status).to_contain_text("extensions")
    expect(accounts(page)).to_have_count(0)
    shot(page, "extension-hint")


def test_reconnecting_brings_back_the_same_account_in_place(system, context, open_panel, user):
    page = open_panel(system)
    tab = connect_in_new_tab(context, page, "Instagram")
    account_name = tab.get_by_label("Sandbox account").input_value()
    decide(tab, "approve")
    expect(accounts(page)).to_have_count(1)
    handle = accounts(page).first.locator(".handle").inner_text()

    with context.expect_page() as opened:
        accounts(page).first.get_by_role("button", name=re.compile("^Reconnect")).click()
    tab = opened.value
    tab.wait_for_load_state()
    tab.get_by_label("Sandbox account").fill(account_name)  # the same platform account
    decide(tab, "approve")

    expect(accounts(page).first.locator(".status")).to_contain_text(f"Reconnected Instagram account {handle}")
    expect(accounts(page)).to_have_count(1)
    assert len(system.connections(user)) == 1


def test_mastodon_asks_for_the_server_first(system, context, open_panel, user):
    page = open_panel(system)
    page.get_by_role("button", name="Connect Mastodon", exact=True).click()
    dialog = page.get_by_role("dialog", name="Connect Mastodon")
    expect(dialog).to_be_visible()
    expect(page.get_by_label("Your Mastodon server")).to_be_focused()
    page.get_by_label("Your Mastodon server").fill("mastodon.example")
    with context.expect_page() as opened:
        page.get_by_role("button", name="Continue to my server").click()
    tab = opened.value
    tab.wait_for_load_state()
    expect(dialog).to_be_hidden()
    decide(tab, "approve")
    expect(accounts(page)).to_have_count(1)
    expect(accounts(page).first).to_contain_text("mastodon.example")


def test_facebook_asks_which_of_the_granted_pages_to_connect(system, context, open_panel, user, shot):
    page = open_panel(system)
    tab = connect_in_new_tab(context, page, "Facebook")
    expect(tab.get_by_role("checkbox")).to_have_count(3)  # the sandbox grants two of three by default
    decide(tab, "approve")

    dialog = page.get_by_role("dialog", name="Choose your Facebook Pages")
    expect(dialog).to_be_visible()
    choices = dialog.get_by_role("checkbox")
    expect(choices).to_have_count(2)
    expect(choices.first).to_be_focused()
    shot(page, "choose-pages")
    choices.first.check()
    dialog.get_by_role("button", name="Connect these Pages").click()

    expect(dialog).to_be_hidden()
    expect(accounts(page)).to_have_count(1)
    expect(accounts(page).first).to_contain_text("Page 1")
    assert [c["network"] for c in system.connections(user)] == ["facebook"]


# -- plan limit -----------------------------------------------------------------
def test_at_15_of_15_every_network_is_greyed_out_until_the_upgrade_to_pro(
        make_system, context, open_panel, user, shot):
    system = make_system(POSTMATE_SANDBOX_AUTO_APPROVE="1")
    for _ in range(CREATOR_LIMIT):
        connect_over_http(system, user)
    wait_for(lambda: system.quota(user)["used"] == CREATOR_LIMIT, what="plan-limits to count 15 sockets")

    page = open_panel(system)
    cards = page.locator("#networks .network")
    expect(cards).to_have_count(10)
    for index in range(10):
        expect(cards.nth(index).locator("button.connect")).to_be_disabled()
        expect(cards.nth(index).locator(".reason")).to_contain_text("plan limit reached (15 of 15")
    expect(page.locator("#limit")).to_be_visible()
    expect(page.locator("#limit-message")).to_contain_text("15")
    expect(page.get_by_role("link", name=re.compile("Upgrade"))).to_be_visible()
    expect(page.locator("#quota")).to_contain_text("15 of 15")
    expect(accounts(page)).to_have_count(CREATOR_LIMIT)
    shot(page, "1-at-the-limit")

    system.set_plan(user, "pro")
    page.reload()
    page.locator("#networks .network").first.wait_for()
    for index in range(10):
        expect(cards.nth(index).locator("button.connect")).to_be_enabled()
    expect(page.locator("#limit")).to_be_hidden()
    expect(page.locator("#quota")).to_contain_text("Pro plan")
    shot(page, "2-after-upgrade")


# -- disconnect -----------------------------------------------------------------
def test_disconnect_removes_the_account_and_frees_the_socket(make_system, context, open_panel, user, shot):
    system = make_system(POSTMATE_SANDBOX_AUTO_APPROVE="1")
    connect_over_http(system, user)
    wait_for(lambda: system.quota(user)["used"] == 1, what="the socket to be counted")
    page = open_panel(system)
    expect(accounts(page)).to_have_count(1)

    accounts(page).first.get_by_role("button", name=re.compile("^Disconnect")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Keep it")).to_be_focused()  # the safe choice first
    shot(page, "1-confirm")
    dialog.get_by_role("button", name="Disconnect").click()

    expect(accounts(page)).to_have_count(0)
    expect(page.locator("#announcer")).to_contain_text("Disconnected")
    expect(page.locator("#announcer")).to_contain_text("remove Post Mate in Instagram's settings")  # no revoke API
    wait_for(lambda: system.quota(user)["used"] == 0, what="plan-limits to free the socket")
    assert system.connections(user) == []
    shot(page, "2-disconnected")


# -- Bluesky ---------------------------------------------------------------------
def open_bluesky(page):
    page.get_by_role("button", name="Connect Bluesky", exact=True).click()
    dialog = page.get_by_role("dialog", name="Connect Bluesky with an app password")
    expect(dialog).to_be_visible()
    return dialog


def submit_bluesky(page, dialog, handle: str, password: str, service: str | None = None) -> None:
    page.get_by_label("Your Bluesky handle").fill(handle)
    page.get_by_label("App password", exact=True).fill(password)
    if service:
        dialog.get_by_text("Self-hosted account?").click()
        page.get_by_label("Your PDS address").fill(service)
    dialog.get_by_role("button", name="Connect Bluesky").click()


def main_password_refused_then_app_password_connects(page, dialog, handle, main_password, app_password, shot,
                                                      service=None, refusal_says="app password"):
    expect(dialog.locator("ol.steps li")).to_have_count(4)
    expect(dialog).to_contain_text("Add App Password")
    expect(dialog).to_contain_text("Post Mate")
    submit_bluesky(page, dialog, handle, main_password, service)
    refusal = dialog.get_by_role("alert")
    expect(refusal).to_contain_text(refusal_says, ignore_case=True)
    expect(refusal).to_contain_text("bsky.app/settings/app-passwords")
    expect(page.get_by_label("App password", exact=True)).to_have_value("")  # not kept on screen
    expect(page.get_by_label("App password", exact=True)).to_be_focused()
    expect(accounts(page)).to_have_count(0)
    shot(page, "1-main-password-refused")

    submit_bluesky(page, dialog, handle, app_password)
    expect(dialog).to_be_hidden()
    expect(accounts(page)).to_have_count(1)
    expect(accounts(page).first).to_contain_text("Bluesky")
    shot(page, "2-connected")


def test_bluesky_connects_with_an_app_password_and_refuses_the_main_password(system, open_panel, user, shot):
    page = open_panel(system)
    dialog = open_bluesky(page)
    # The sandbox's Bluesky: any *.sandbox handle, "main-password" is the main password.
    main_password_refused_then_app_password_connects(page, dialog, f"{user}.sandbox", "main-password",
                                                     "abcd-efgh-ijkl-mnop", shot)
    assert [c["network"] for c in system.connections(user)] == ["bluesky"]

    accounts(page).first.get_by_role("button", name=re.compile("^Reconnect")).click()  # a new app password
    expect(page.get_by_label("Your Bluesky handle")).to_have_value(f"{user}.sandbox")
    expect(page.get_by_label("App password", exact=True)).to_be_focused()
    page.get_by_label("App password", exact=True).fill("qrst-uvwx-yz23-4567")
    page.keyboard.press("Enter")
    expect(accounts(page).first.locator(".status")).to_contain_text("Reconnected Bluesky account")
    expect(accounts(page)).to_have_count(1)


@pytest.mark.pds
def test_bluesky_on_a_self_hosted_pds_through_the_optional_field(system, open_panel, user, shot):
    from tests.pds_harness import Account, LocalPds
    with LocalPds() as pds:
        # A main password shaped like an app password: only the session's scope can tell them apart.
        handle, main_password = f"panel-{user[-4:]}.test", "abcd-efgh-ijkl-mnop"
        created = pds.xrpc("com.atproto.server.createAccount",
                           body={"handle": handle, "email": f"{user}@example.com", "password": main_password})
        assert created.status_code == 200, created.text
        account = Account(handle, created.json()["did"], main_password, f"{user}@example.com")
        app_password = pds.create_app_password(account)
        page = open_panel(system)
        dialog = open_bluesky(page)
        main_password_refused_then_app_password_connects(page, dialog, account.handle, account.password,
                                                         app_password, shot, service=pds.url,
                                                         refusal_says="That's your main Bluesky password")
        expect(accounts(page).first).to_contain_text(account.handle)


def test_check_connection_reports_the_connections_status(make_system, context, open_panel, user):
    system = make_system(POSTMATE_SANDBOX_AUTO_APPROVE="1")
    connect_over_http(system, user)
    wait_for(lambda: system.connections(user) and system.connections(user)[0]["status"] == "active",
             what="the store to hold the connection")
    page = open_panel(system)
    account = accounts(page).first
    account.get_by_role("button", name=re.compile("^Check connection")).click()
    expect(account.locator(".status")).to_contain_text("Connected")
    expect(account.locator(".status")).to_have_class(re.compile(r"\bok\b"))
