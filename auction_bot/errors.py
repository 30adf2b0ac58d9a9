from __future__ import annotations


class DomainError(Exception):
    """A broken business rule. `message` is translatable text meant for the user;
    views, bot handlers and tasks turn it into a reply in the user's language."""

    def __init__(self, message: str = "", **params: object) -> None:
        self.message = message
        self.params = params
        super().__init__(str(message) % params if params else str(message))

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)
