"""Talking about stored articles, without Discord's commands: the service `cogs.discuss` calls.

- `service`: `Discussion` (built once by the bot: `DigestBot.discussion`) — which article a
  command or a message means, answers, summaries and facts (in the answer workers,
  `bot.workers`), links from answer messages to their article; `follow_up_of` (does a plain
  message ask?).
- `caches`: `StoredCache` (what the store said, a `bot.lru.LRU`).
- `flow`: `Busy`, `PendingLinks` — when links to answers are written.
- `manners`: `Manners`, `Cooldowns`, `cooldown` — how often members may use the commands
  that cost work.
- `paragraphs`: `parse_paragraphs` — `/quote`'s "2-5" option.
- `views`: `ArticlePageSource`, `MoreView` / `more_view` — buttons on what it sends.
"""

from .caches import StoredCache
from .flow import Busy, PendingLinks
from .manners import Cooldowns, Manners, cooldown
from .paragraphs import MAX_QUOTE, parse_paragraphs
from .service import Discussion, FollowUp, asks, follow_up_of
from .views import DELETED, ArticlePageSource, MoreView, more_view

__all__ = [
    "DELETED",
    "MAX_QUOTE",
    "ArticlePageSource",
    "Busy",
    "Cooldowns",
    "Discussion",
    "FollowUp",
    "Manners",
    "MoreView",
    "PendingLinks",
    "StoredCache",
    "asks",
    "cooldown",
    "follow_up_of",
    "more_view",
    "parse_paragraphs",
]
