"""Discord's error responses, and the exception a test gets when it misuses the fake."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]


class FakeDiscordError(Exception):
    """A test asked the fake for something a real Discord client could not do (an unregistered
    command, a disabled button, a timeout waiting for the bot...). Never sent to the bot."""


class DiscordHTTPError(Exception):
    """Raised inside a REST handler: becomes Discord's JSON error body with this status."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> JSON:
        body: JSON = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def unauthorized() -> DiscordHTTPError:
    return DiscordHTTPError(401, 0, "401: Unauthorized")


def not_found_route() -> DiscordHTTPError:
    return DiscordHTTPError(404, 0, "404: Not Found")


def unknown(what: str, code: int) -> DiscordHTTPError:
    return DiscordHTTPError(404, code, f"Unknown {what}")


def unknown_channel() -> DiscordHTTPError:
    return unknown("Channel", 10003)


def unknown_message() -> DiscordHTTPError:
    return unknown("Message", 10008)


def unknown_interaction() -> DiscordHTTPError:
    return unknown("interaction", 10062)


def unknown_webhook() -> DiscordHTTPError:
    return unknown("Webhook", 10015)


def missing_access() -> DiscordHTTPError:
    return DiscordHTTPError(403, 50001, "Missing Access")


def missing_permissions() -> DiscordHTTPError:
    return DiscordHTTPError(403, 50013, "Missing Permissions")


def empty_message() -> DiscordHTTPError:
    return DiscordHTTPError(400, 50006, "Cannot send an empty message")


def already_acknowledged() -> DiscordHTTPError:
    return DiscordHTTPError(400, 40060, "Interaction has already been acknowledged.")


class FormErrors:
    """Collects field errors in Discord's nested shape:
    ``{"embeds": {"0": {"title": {"_errors": [{"code": ..., "message": ...}]}}}}``."""

    def __init__(self, prefix: tuple[str | int, ...] = ()) -> None:
        self.tree: JSON = {}
        self.prefix = prefix

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        node = self.tree
        for key in (*self.prefix, *path):
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_length(self, path: tuple[str | int, ...], value: Any, limit: int) -> None:
        if value is not None and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def length_between(
        self, path: tuple[str | int, ...], value: Any, low: int, high: int, *, required: bool = True
    ) -> None:
        if value is None:
            if required:
                self.required(path)
            return
        if not low <= len(value) <= high:
            self.add(
                path,
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between {low} and {high} in length.",
            )

    def required(self, path: tuple[str | int, ...]) -> None:
        self.add(path, "BASE_TYPE_REQUIRED", "This field is required")

    def __bool__(self) -> bool:
        return bool(self.tree)

    def raise_if_any(self) -> None:
        if self.tree:
            raise DiscordHTTPError(400, 50035, "Invalid Form Body", self.tree)
