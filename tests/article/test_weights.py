"""The learned weights in bot/article/weights.py match the features their modules compute."""

from __future__ import annotations

import pytest

from bot.article import parse, retrieve, score, weights
from bot.article.linear import aligned

MODELS = [
    (weights.SCORER_PARAGRAPHS, score.FEATURES),
    (weights.SCORER_BLOCK, score.FEATURES),
    (weights.RANK, retrieve.PARA_FEATURES),
    (weights.SENTENCE, retrieve.SENT_FEATURES),
    (weights.ABSTAIN, (*retrieve.ABSTAIN_FEATURES, "bias")),
]


@pytest.mark.parametrize(("pairs", "names"), MODELS)
def test_every_weight_vector_matches_its_feature_names(
    pairs: tuple[tuple[str, float], ...], names: tuple[str, ...]
) -> None:
    for (name, weight), feature in zip(pairs, names, strict=True):
        assert name == feature
        assert isinstance(weight, float)


def test_a_misaligned_vector_is_refused() -> None:
    pairs = weights.RANK
    swapped = (pairs[1], pairs[0], *pairs[2:])
    with pytest.raises(ValueError, match="another order"):
        aligned(swapped, retrieve.PARA_FEATURES, model="RANK")
    with pytest.raises(ValueError, match="missing"):
        aligned(pairs[:-1], retrieve.PARA_FEATURES, model="RANK")


def test_computed_feature_vectors_have_the_models_lengths() -> None:
    article = parse(
        "Tesla was born in 1856 in Smiljan.\n\nHe died in New York in January 1943.\n\n"
        "His work on alternating current made him famous."
    )
    idx = retrieve._index(article)
    rows = retrieve._analyse(idx, retrieve._Query(idx, "When did Tesla die in New York?"))
    assert rows
    for _, para, sents in rows:
        assert len(para) == len(retrieve.PARA_FEATURES)
        assert all(len(f) == len(retrieve.SENT_FEATURES) for _, f in sents)
    q = retrieve._Query(idx, "When did Tesla die?")
    evidence = retrieve._abstain_features(idx, q, rows[0][1])
    assert len(evidence) + 1 == len(weights.ABSTAIN)
    units = score.analysis(article).units
    assert all(len(u.features) == len(weights.SCORER_PARAGRAPHS) for u in units)
