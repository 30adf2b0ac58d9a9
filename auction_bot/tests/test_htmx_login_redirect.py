from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_an_htmx_poll_after_the_session_ended_sends_the_whole_page_to_log_in(client):
    response = client.get("/balance", HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/login")
    assert "next=/balance" in response["HX-Redirect"]


def test_an_ordinary_request_still_gets_a_plain_redirect(client):
    response = client.get("/balance")

    assert response.status_code == 302
    assert response["Location"].startswith("/login")
    assert "HX-Redirect" not in response
