"""The service starts, is migrated, and answers its probes."""

import httpx


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_the_migrated_revision(client: httpx.AsyncClient, app) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["revision"] == app.state.schema_head
    assert body["database"] == app.state.database.dialect_name
