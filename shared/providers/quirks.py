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
    answer = client.get_json(client.url("pages_url"), {"fields": "id,name,access_token,tasks", "limit": "100"},
                             token["access_token"], token_in="query")
    accounts = []
    for page in answer.get("data") or []:
        tasks = page.get("tasks")
        if not page.get("id") or not page.get("access_token") or (tasks is not None and "CREATE_CONTENT" not in tasks):
            continue
        page_token = {"access_token": page["access_token"], "token_type": "bearer", "page_id": str(page["id"]),
                      "granted_by": str(person.get("id") or ""),
                      **({"scope": token["scope"]} if token.get("scope") else {})}
        name = page.get("name") or str(page["id"])
        accounts.append(Account(str(page["id"]), name, name, page_token))
    return accounts
