from __future__ import annotations

import json
import logging

import pytest

from auction_bot.logging import (
    ContextFilter,
    JsonFormatter,
    request_id_var,
    update_id_var,
)


def render(record: logging.LogRecord) -> dict:
    ContextFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def make_record(msg: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("payments", logging.INFO, __file__, 1, msg, (), None)
    record.__dict__.update(extra)
    return record


def test_a_log_line_is_one_json_object_with_the_request_id_and_extra_fields():
    token = request_id_var.set("req-42")
    try:
        event = render(make_record("stars credited", user_id=7, amount=100))
    finally:
        request_id_var.reset(token)

    assert event["msg"] == "stars credited"
    assert event["request_id"] == "req-42"
    assert event["user_id"] == 7
    assert event["amount"] == 100
    assert "update_id" not in event


def test_a_bot_log_line_carries_the_update_id():
    token = update_id_var.set(1234)
    try:
        event = render(make_record("handled"))
    finally:
        update_id_var.reset(token)

    assert event["update_id"] == 1234


@pytest.mark.django_db
def test_every_response_carries_a_request_id(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"

    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")
    assert response["X-Request-ID"] != "bad id with spaces"
    assert len(response["X-Request-ID"]) == 32
