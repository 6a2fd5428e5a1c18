"""Domain exceptions. Each carries the short message a user (or the person starting the bot) sees.

The central error handler (`bot.client.DigestBot.report_error`) turns a `UserError` into a
short ephemeral reply and anything else into a logged traceback plus a generic apology, so
a cog raises one of these instead of sending its own error message.
"""

from __future__ import annotations


class DigestbotError(Exception):
    """Base class of every error of ours."""


class ConfigError(DigestbotError):
    """The settings are invalid. `problems` lists every problem found, one sentence each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(f"- {p}" for p in self.problems))

    def __str__(self) -> str:
        return "Invalid settings:\n" + "\n".join(f"- {p}" for p in self.problems)


class UserError(DigestbotError):
    """A mistake or a refusal the user should read: its message is shown to them verbatim."""

    def __init__(self, message: str) -> None:
        self.user_message = message
        super().__init__(message)


class NotModerator(UserError):
    def __init__(self, message: str = "Only moderators can do that.") -> None:
        super().__init__(message)


class GuildOnly(UserError):
    def __init__(self) -> None:
        super().__init__("That works only in a server.")


class ArticleNotFound(UserError):
    """An `article` option named nothing in this server."""


class AmbiguousArticle(UserError):
    """A title matched several articles."""


class NoCurrentArticle(UserError):
    """A command names no article and there is none to use (the server has none yet).
    (`bot.web.NoArticle` is another thing: a web page without article text.)"""


class AlreadyPosted(UserError):
    """The article posted is one this server has already (its message says which)."""


class BadSource(UserError):
    """The text, file or URL given to `/article post` cannot become an article."""


class SourceTooLarge(BadSource):
    pass


class UnsupportedFile(BadSource):
    pass


class EmptyArticle(BadSource):
    pass
