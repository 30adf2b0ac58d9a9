from __future__ import annotations

import pytest

from auction_bot import views

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_dependency_up(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("failing", ["database", "cache", "broker"])
def test_healthz_answers_503_and_names_the_dependency_that_is_down(
    client, monkeypatch, failing
):
    def down() -> None:
        raise ConnectionError("connection refused")

    monkeypatch.setitem(views.HEALTH_CHECKS, failing, down)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"][failing] == "down"
    assert all(
        state == "ok" for name, state in body["checks"].items() if name != failing
    )
    assert "connection refused" not in response.content.decode()
