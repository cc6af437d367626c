"""Listing, reading and deleting referral records."""

from __future__ import annotations

import httpx

from app.core.db import Database
from tests.conftest import Account, assert_problem, signup
from tests.referrals.factories import snapshot, stored_person, workspace_path
from tests.referrals.test_create import interview_with, post_referrals, referrals_url


async def test_list_pages_through_an_interviews_referrals_in_order(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    _, interview_id = await interview_with(database, owner)
    _, other_interview = await interview_with(database, owner, "Other One")
    created = await post_referrals(
        client, owner, interview_id, *({"given_name": f"P{n}"} for n in range(5))
    )
    await post_referrals(client, owner, other_interview, {"given_name": "Elsewhere"})
    expected = [r["id"] for r in created.json()["data"]]

    seen: list[str] = []
    params: dict[str, object] = {"limit": 2}
    for _ in range(5):
        response = await client.get(
            referrals_url(owner, interview_id), params=params, headers=owner.headers
        )
        assert response.status_code == 200, response.text
        page = response.json()
        seen.extend(r["id"] for r in page["data"])
        if not page["has_more"]:
            break
        assert 'rel="next"' in response.headers["link"]
        params["cursor"] = page["next_cursor"]
    assert seen == expected
    first = created.json()["data"][0]
    listed = (await client.get(referrals_url(owner, interview_id), headers=owner.headers)).json()[
        "data"
    ][0]
    assert listed == first


async def test_get_and_delete_a_referral_keeps_the_person_and_follow_up(
    client: httpx.AsyncClient, owner: Account, viewer: Account, database: Database
) -> None:
    interviewee, interview_id = await interview_with(database, owner)
    referral = (await post_referrals(client, owner, interview_id, {"given_name": "Grace"})).json()[
        "data"
    ][0]
    url = f"{workspace_path(owner)}/referrals/{referral['id']}"

    got = await client.get(url, headers=viewer.headers)
    assert got.status_code == 200
    assert got.json() == referral
    assert (
        await client.get(url, headers={**owner.headers, "If-None-Match": got.headers["etag"]})
    ).status_code == 304

    before = await snapshot(database, owner.workspace_id)
    assert_problem(await client.delete(url, headers=viewer.headers), 403, "forbidden")
    assert await snapshot(database, owner.workspace_id) == before

    stale = await client.delete(url, headers={**owner.headers, "If-Match": '"stale"'})
    assert_problem(stale, 412, "precondition_failed")
    assert await snapshot(database, owner.workspace_id) == before
    current = {**owner.headers, "If-Match": got.headers["etag"]}
    assert (await client.delete(url, headers=current)).status_code == 204
    after = await snapshot(database, owner.workspace_id)
    assert after["referrals"] == []
    assert after["people"] == before["people"]
    assert after["follow_ups"] == before["follow_ups"]
    assert (await stored_person(database, referral["person_id"]))["referred_by_id"] == interviewee
    assert_problem(await client.get(url, headers=owner.headers), 404, "not_found")
    assert_problem(await client.delete(url, headers=owner.headers), 404, "not_found")


async def test_other_workspaces_do_not_see_referrals(
    client: httpx.AsyncClient, owner: Account, database: Database
) -> None:
    _, interview_id = await interview_with(database, owner)
    referral = (await post_referrals(client, owner, interview_id, {"given_name": "Grace"})).json()[
        "data"
    ][0]
    stranger = await signup(client, name="Stranger")
    stranger_base = f"/v1/workspaces/{stranger.workspace_id}"

    for response in (
        await client.get(f"{stranger_base}/referrals/{referral['id']}", headers=stranger.headers),
        await client.delete(
            f"{stranger_base}/referrals/{referral['id']}", headers=stranger.headers
        ),
        await client.get(
            f"{stranger_base}/interviews/{interview_id}/referrals", headers=stranger.headers
        ),
        await client.get(f"{workspace_path(owner)}/referrals/ref_nope", headers=owner.headers),
        await client.get(
            f"{workspace_path(owner)}/referrals/{referral['person_id']}", headers=owner.headers
        ),
    ):
        assert_problem(response, 404, "not_found")
    assert (await snapshot(database, owner.workspace_id))["referrals"] != []
