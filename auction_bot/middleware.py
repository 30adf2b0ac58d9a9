from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url

from .logging import request_id_var

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Tags every log line of a request with an id (the proxy's X-Request-ID when it
    sends a sane one) and echoes it back for support."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class HtmxLoginRedirectMiddleware:
    """An htmx request (a poll, a watch button) whose session has expired gets the
    log-in redirect as `HX-Redirect`, so the whole page goes to the log-in form
    instead of htmx swapping the form into a fragment of the page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.headers.get("HX-Request") != "true" or response.status_code != 302:
            return response
        location = response.get("Location", "")
        if urlsplit(location).path != resolve_url(settings.LOGIN_URL):
            return response
        redirect = HttpResponse(status=204)
        redirect["HX-Redirect"] = location
        return redirect
