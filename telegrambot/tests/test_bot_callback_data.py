from __future__ import annotations

import pytest

from telegrambot import callback_data
from telegrambot.callback_data import (
    MENU_BALANCE,
    MENU_HELP,
    Button,
    Pressed,
    callback_data_decode,
    callback_data_encode,
    matches,
)


def test_menu_buttons_are_short_versioned_strings_that_decode_back():
    assert callback_data_encode(MENU_BALANCE) == "v1:menu:balance"
    assert callback_data_decode("v1:menu:balance") == Pressed(MENU_BALANCE)
    assert callback_data_decode("v1:menu:help") == Pressed(MENU_HELP)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "v1",
        "v1:menu",
        "v2:menu:balance",
        "v1:menu:unknown",
        "v1:MENU:balance",
        "v1:menu:balance:",
        "v1:menu:balance:1",
        "v1:menu:balance" + "x" * 64,
    ],
)
def test_stale_unknown_or_tampered_data_decodes_to_nothing(data):
    assert callback_data_decode(data) is None


def test_a_button_with_an_argument_accepts_only_a_valid_argument(monkeypatch):
    monkeypatch.setattr(callback_data, "_REGISTRY", dict(callback_data._REGISTRY))
    watch = callback_data.register("lot", "watch", arg_pattern=r"[1-9][0-9]{0,17}")

    data = callback_data_encode(watch, 42)

    assert data == "v1:lot:watch:42"
    assert callback_data_decode(data) == Pressed(watch, "42")
    assert callback_data_decode("v1:lot:watch:0") is None
    assert callback_data_decode("v1:lot:watch:42:1") is None
    assert callback_data_decode("v1:lot:watch") is None
    with pytest.raises(ValueError):
        callback_data_encode(watch, "drop table")


def test_an_unregistered_button_cannot_be_encoded():
    with pytest.raises(ValueError):
        callback_data_encode(Button("menu", "withdraw"))


def test_a_handler_pattern_accepts_only_its_own_button():
    pattern = matches(MENU_BALANCE)

    assert pattern("v1:menu:balance")
    assert not pattern("v1:menu:help")
    assert not pattern("v1:menu:balance:1")
    assert not pattern(None)
