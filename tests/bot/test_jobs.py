"""What the workers run (`bot.jobs`): the same results as the engine in place, and what crosses
back to the bot for a posted article is plain tuples and strings, never the parsed `Article`
(unpickling 100,000 paragraph objects on the event loop took 1.4 s)."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

from bot import jobs
from bot.article import analyze, parse
from bot.posting import NO_PARAGRAPHS, NO_PROSE

SAMPLE = (Path(__file__).parents[1] / "fixtures" / "anthropic-amazon-partnership.txt").read_text()


def test_a_posted_article_comes_back_as_the_engine_made_it() -> None:
    for text, title in (
        (SAMPLE, None),
        (SAMPLE, "Given"),
        ("# Own title\n\nThe council met on Monday. It voted.", None),
    ):
        analysed = jobs.analyze_text(text, title)
        article = parse(text, title=title)
        assert analysed.paragraphs == [(p.number, p.heading, p.text) for p in article.paragraphs]
        assert analysed.title == article.title
        assert analysed.digest is not None and analysed.refusal is None
        assert analysed.digest.to_dict() == analyze(article).to_dict()
        assert analysed.opening == article.paragraphs[0].sentences[0]
    assert jobs.analyze_text(SAMPLE, None).opening_heading == "Detailed Analysis"
    assert jobs.analyze_text("Just a line of text without end", None).opening_heading is None


def test_what_is_not_an_article_is_refused_in_the_worker() -> None:
    junk = jobs.analyze_text("🙂 🙂\n\n" * 20_000, None)
    assert junk.refusal == NO_PROSE and junk.paragraphs == [] and junk.digest is None
    assert jobs.analyze_text("# Title only", None).refusal == NO_PARAGRAPHS


def test_only_plain_data_crosses_back() -> None:
    tiny = "The council met.\n\n" * 20_000
    analysed = jobs.analyze_text(tiny, None)
    assert len(analysed.paragraphs) == 20_000
    data = pickle.dumps(analysed, protocol=pickle.HIGHEST_PROTOCOL)
    classes: set[str] = set()

    class Recording(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> type:
            classes.add(f"{module}.{name}")
            found: type = super().find_class(module, name)
            return found

    assert Recording(io.BytesIO(data)).load() == analysed
    assert "bot.jobs.Analysed" in classes
    assert not {"bot.article.model.Article", "bot.article.model.Paragraph"} & classes, classes
