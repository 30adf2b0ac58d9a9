"""A fake Telegram Bot API server for the tests, served over real HTTP on 127.0.0.1.

The real python-telegram-bot Application (and the project's sync client) talk to it
exactly as they would to api.telegram.org: `POST /bot<token>/<method>`, form or JSON
bodies, `{"ok": ..., "result": ...}` answers, long-polled `getUpdates`.

A test plays the user: it injects updates (`send_text`, `press_button`,
`pre_checkout`, `successful_payment`, ...) and reads what the bot did (`calls`,
`wait_for`, `sent_texts`). `fail_next` makes the next calls of a method fail with a
given Bot API error, to exercise retries, flood control and blocked users.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default as email_policy
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# Parameters that PTB sends JSON-encoded inside form bodies.
JSON_FIELDS = {
    "reply_markup",
    "commands",
    "prices",
    "allowed_updates",
    "entities",
    "caption_entities",
    "results",
    "scope",
    "link_preview_options",
    "reply_parameters",
    "suggested_tip_amounts",
    "media",
    "button",
    "menu_button",
}


@dataclass
class TgUser:
    id: int
    first_name: str = "Test"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
        }
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    def chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {
            "id": self.id,
            "type": "private",
            "first_name": self.first_name,
        }
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class _Failure:
    error_code: int
    description: str
    retry_after: int | None
    times: int


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client closing a long poll mid-answer is normal at bot shutdown.
        pass


class FakeBotAPI:
    def __init__(
        self, token: str, *, bot_username: str = "bot_auction_test_bot"
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._failures: dict[str, list[_Failure]] = {}
        self._cond = threading.Condition()
        self._stopping = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------
    def start(self) -> FakeBotAPI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                fake._handle(self)

            do_GET = do_POST  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def root(self) -> str:
        """What TELEGRAM_API_BASE_URL should be set to."""
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- what the bot did -----------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [call for call in self.calls if call.method == method]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        return [
            call.params.get("text", "")
            for call in self.calls_to("sendMessage")
            if chat_id is None or int(call.params.get("chat_id", 0)) == chat_id
        ]

    def wait_for(
        self,
        method: str,
        predicate: Any = None,
        *,
        timeout: float = 10.0,
        after: int = 0,
    ) -> Call:
        """Wait until the bot calls `method` (matching `predicate(params)`), counting
        only calls made after the `after`-th call in `self.calls`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for call in self.calls[after:]:
                    if call.method == method and (
                        predicate is None or predicate(call.params)
                    ):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [
                        (c.method, c.params.get("text")) for c in self.calls[after:]
                    ]
                    raise AssertionError(
                        f"the bot never called {method}; it called {seen}"
                    )
                self._cond.wait(remaining)

    def mark(self) -> int:
        """A position in `calls`, for `wait_for(..., after=mark)`."""
        with self._cond:
            return len(self.calls)

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 500,
        description: str = "Internal Server Error",
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        with self._cond:
            self._failures.setdefault(method, []).append(
                _Failure(error_code, description, retry_after, times)
            )

    # -- what the user does ---------------------------------------------------
    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def send_text(self, user: TgUser, text: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": user.chat(),
            "from": user.as_dict(),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(command)}
            ]
        return self.push_update({"message": message})

    def press_button(
        self, user: TgUser, data: str, *, message_id: int | None = None, text: str = ""
    ) -> dict[str, Any]:
        message = {
            "message_id": message_id or next(self._message_ids),
            "date": int(time.time()),
            "chat": user.chat(),
            "from": {"id": self.bot_id, "is_bot": True, "first_name": "Bot"},
            "text": text or "…",
        }
        return self.push_update(
            {
                "callback_query": {
                    "id": str(next(self._update_ids)),
                    "from": user.as_dict(),
                    "chat_instance": str(user.id),
                    "message": message,
                    "data": data,
                }
            }
        )

    def pre_checkout(
        self, user: TgUser, *, payload: str, total_amount: int, currency: str = "XTR"
    ) -> dict[str, Any]:
        return self.push_update(
            {
                "pre_checkout_query": {
                    "id": f"pcq-{next(self._update_ids)}",
                    "from": user.as_dict(),
                    "currency": currency,
                    "total_amount": total_amount,
                    "invoice_payload": payload,
                }
            }
        )

    def successful_payment(
        self,
        user: TgUser,
        *,
        payload: str,
        total_amount: int,
        charge_id: str,
        currency: str = "XTR",
        provider_charge_id: str = "",
    ) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": user.chat(),
            "from": user.as_dict(),
            "successful_payment": {
                "currency": currency,
                "total_amount": total_amount,
                "invoice_payload": payload,
                "telegram_payment_charge_id": charge_id,
                "provider_payment_charge_id": provider_charge_id,
            },
        }
        return self.push_update({"message": message})

    def inline_query(self, user: TgUser, query: str) -> dict[str, Any]:
        return self.push_update(
            {
                "inline_query": {
                    "id": f"iq-{next(self._update_ids)}",
                    "from": user.as_dict(),
                    "query": query,
                    "offset": "",
                }
            }
        )

    # -- HTTP -----------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path).path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != f"bot{self.token}":
            self._reply(
                request,
                HTTPStatus.NOT_FOUND,
                {"ok": False, "error_code": 404, "description": "Not Found"},
            )
            return
        method = parts[1]
        params = self._parse_body(request)
        with self._cond:
            self.calls.append(Call(method, params))
            self._cond.notify_all()
            failure = self._take_failure(method)
        if failure is not None:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.error_code,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            self._reply(request, failure.error_code, body)
            return
        handler = getattr(self, f"_api_{method}", None)
        result = handler(params) if handler else True
        self._reply(request, HTTPStatus.OK, {"ok": True, "result": result})

    def _take_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    @staticmethod
    def _parse_body(request: BaseHTTPRequestHandler) -> dict[str, Any]:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        content_type = request.headers.get("Content-Type", "")
        query = parse_qs(urlsplit(request.path).query)
        params: dict[str, Any] = {key: values[-1] for key, values in query.items()}
        if "application/json" in content_type and raw:
            params.update(json.loads(raw))
            return params
        if "multipart/form-data" in content_type:
            # Files are sent as multipart: the other fields are read as usual, and
            # each file is recorded as {"filename", "size"}.
            params["_multipart"] = True
            params.update(FakeBotAPI._parse_multipart(content_type, raw))
            return params
        for key, values in parse_qs(raw.decode(), keep_blank_values=True).items():
            value: Any = values[-1]
            if key in JSON_FIELDS:
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            params[key] = value
        return params

    @staticmethod
    def _parse_multipart(content_type: str, raw: bytes) -> dict[str, Any]:
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n"
        message = BytesParser(policy=email_policy).parsebytes(head.encode() + raw)
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            content = part.get_payload(decode=True) or b""
            if part.get_filename():
                fields[name] = {"filename": part.get_filename(), "size": len(content)}
                continue
            value: Any = content.decode()
            if name in JSON_FIELDS:
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            fields[name] = value
        return fields

    @staticmethod
    def _reply(
        request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]
    ) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        # The client may have given up (a long poll cancelled at shutdown).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            request.wfile.write(data)

    # -- methods ----------------------------------------------------------------
    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Bot-Auction",
            "username": self.bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = int(params.get("chat_id") or 0)
        message: dict[str, Any] = {
            "message_id": int(params.get("message_id") or next(self._message_ids)),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": self._bot_user(),
            **extra,
        }
        if (
            isinstance(params.get("reply_markup"), dict)
            and "inline_keyboard" in params["reply_markup"]
        ):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._bot_user()

    def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 5.0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        with self._cond:
            # Asking for `offset` confirms every update below it, as Telegram does.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return list(self._updates[:limit])

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._message(params, text=params.get("text", ""))

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._message(
            params, text=params.get("text", ""), edit_date=int(time.time())
        )

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._message(params, text="…", edit_date=int(time.time()))

    def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._message(
            params,
            photo=[
                {"file_id": "photo", "file_unique_id": "photo", "width": 1, "height": 1}
            ],
            caption=params.get("caption", ""),
        )

    def _api_sendInvoice(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        prices = params.get("prices") or []
        total = sum(int(p.get("amount", 0)) for p in prices)
        return self._message(
            params,
            invoice={
                "title": params.get("title", ""),
                "description": params.get("description", ""),
                "start_parameter": params.get("start_parameter", ""),
                "currency": params.get("currency", ""),
                "total_amount": total,
            },
        )

    def _api_createInvoiceLink(self, params: dict[str, Any]) -> str:  # noqa: N802
        return f"https://t.me/$fake-invoice-{len(self.calls)}"

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    def _api_getMyCommands(self, params: dict[str, Any]) -> list[Any]:  # noqa: N802
        return []

    def _api_getStarTransactions(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"transactions": []}
