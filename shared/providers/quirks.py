"""Per-network quirks that plain data can't express, each a small function."""
from __future__ import annotations

from shared.providers.spec import Account


def unwrap_data_list(body: dict) -> dict:
    """Instagram Login may answer the code exchange with {"data": [{access_token, user_id, permissions}]}."""
    data = body.get("data")
    if "access_token" not in body and isinstance(data, list) and data and isinstance(data[0], dict):
        return dict(data[0])
    return body


def facebook_pages(client, token: dict) -> list[Account]:
    """One connection per Facebook Page, each holding its own Page token.

    /me/accounts lists only the Pages this login granted (Meta's granular
    consent); a Page without a token, or where the user can't create content,
    can't be posted to and is left out rather than saved half-broken. Page
    tokens made from a long-lived user token do not expire.
    """
    # Who shared the Pages: Meta's deauthorize callback names this person, not a Page.
    person = client.get_json(client.url("me_url"), {"fields": "id"}, token["access_token"], token_in="query")
    accounts = []
    for page in _every_page(client, token["access_token"]):
        tasks = page.get("tasks")
        if not page.get("id") or not page.get("access_token") or (tasks is not None and "CREATE_CONTENT" not in tasks):
            continue
        page_token = {"access_token": page["access_token"], "token_type": "bearer", "page_id": str(page["id"]),
                      "granted_by": str(person.get("id") or ""),
                      **({"scope": token["scope"]} if token.get("scope") else {})}
        name = page.get("name") or str(page["id"])
        accounts.append(Account(str(page["id"]), name, name, page_token))
    return accounts


MAX_PAGE_ROUNDS = 40  # 40 × up to 100: far more Pages than one person manages


def _every_page(client, access_token: str) -> list[dict]:
    """All of /me/accounts: Graph answers a page at a time (25 by default) with `paging.next` while
    more follow (developers.facebook.com/docs/graph-api/results; providers.md §17). The next page is
    asked for with its `after` cursor on our own pages URL, never by following the URL in the answer."""
    params, found = {"fields": "id,name,access_token,tasks", "limit": "100"}, []
    for _ in range(MAX_PAGE_ROUNDS):
        answer = client.get_json(client.url("pages_url"), params, access_token, token_in="query")
        found += answer.get("data") or []
        paging = answer.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after")
        if not paging.get("next") or not after:
            break
        params = {**params, "after": after}
    return found
