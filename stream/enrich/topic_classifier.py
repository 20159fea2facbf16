"""A second opinion on topics: a bag-of-words logistic regression trained on labelled articles.

The rules find a topic's evidence; many of their false topics are stories that name it in
passing ("air defences shot down two drones" in a story about a strike). The classifier reads the
whole article's words and gives each topic a probability; a topic the rules found is kept unless
its probability is under the topic's floor (its `min_probability` in the taxonomy, or else
`WIREWATCH_TOPIC_MIN_PROBABILITY`). It never adds a topic, so
every topic still has the rule and the evidence that gave it. The shipped weights are trained on
the evaluation set's dev split (`wirewatch train-topics`, docs/evaluation.md); topics it was not
trained on (a user's own) are never vetoed.
"""

from __future__ import annotations

import math
import zipfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from search.analysis import topic_keys
from search.query.matcher import FieldIndex, PreparedDoc
from stream.enrich.datafiles import shipped
from wirewatch.errors import ConfigError, UsageError

SHIPPED = "topic_classifier.npz"
TITLE = "t:"  # a title word counts once more under this prefix: titles say what a story is about


def features(title: FieldIndex, body: FieldIndex) -> Counter[str]:
    """Stemmed words of the title and body (the search analysis), each title word twice."""
    counts: Counter[str] = Counter(title.stem_tokens)
    counts.update(TITLE + word for word in title.stem_tokens)
    counts.update(body.stem_tokens)
    return counts


class LabelledArticle(BaseModel):
    """A training example, as in the evaluation set: title, text and its most specific topics."""

    model_config = ConfigDict(extra="ignore")  # the set's ids, stories and entities

    title: str
    text: str
    topics: list[str]


class LabelledFile(BaseModel):
    """A YAML file of labelled articles: `articles: [{title, text, topics}, ...]`."""

    model_config = ConfigDict(extra="ignore")

    articles: list[LabelledArticle] = Field(min_length=1)


class TopicClassifier:
    """One logistic regression per topic over L2-normalised log word counts."""

    def __init__(
        self, topics: Sequence[str], vocabulary: Sequence[str], weights: np.ndarray, bias: np.ndarray
    ) -> None:
        self.topics = tuple(topics)
        self._row = {word: i for i, word in enumerate(vocabulary)}
        self._weights = weights.astype(np.float32)
        self._bias = bias.astype(np.float32)

    @classmethod
    def load(cls, path: Path | None = None) -> TopicClassifier:
        """The classifier saved at `path` (default: the shipped one)."""
        path = path or shipped(SHIPPED)
        try:
            with np.load(path, allow_pickle=False) as data:
                topics, vocabulary = data["topics"].tolist(), data["vocabulary"].tolist()
                weights, bias = data["weights"], data["bias"]
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise ConfigError(f"cannot read the topic classifier {path}: {exc}") from None
        if weights.shape != (len(vocabulary), len(topics)) or bias.shape != (len(topics),):
            raise ConfigError(f"cannot read the topic classifier {path}: its arrays do not fit together")
        return cls(topics, vocabulary, weights, bias)

    def save(self, path: Path) -> None:
        """Write the classifier as a compressed numpy archive (weights in half precision)."""
        vocabulary = sorted(self._row, key=self._row.__getitem__)
        np.savez_compressed(
            path,
            topics=np.array(self.topics),
            vocabulary=np.array(vocabulary),
            weights=self._weights.astype(np.float16),
            bias=self._bias,
        )

    def probabilities(self, doc: PreparedDoc) -> dict[str, float]:
        """Each known topic's probability for an article."""
        rows, values = _vector(features(doc.fields["title"], doc.fields["body"]), self._row)
        logits = values @ self._weights[rows] + self._bias
        return dict(zip(self.topics, (1.0 / (1.0 + np.exp(-logits))).tolist(), strict=True))


def _vector(counts: Counter[str], rows: dict[str, int]) -> tuple[list[int], np.ndarray]:
    """The rows of the words in the vocabulary and their L2-normalised log counts."""
    known = [(rows[word], 1.0 + math.log(n)) for word, n in counts.items() if word in rows]
    vector = np.array([value for _, value in known], dtype=np.float32)
    return [row for row, _ in known], vector / (np.linalg.norm(vector) or 1.0)


def train(
    examples: Sequence[LabelledArticle],
    *,
    min_articles: int = 2,
    l2: float = 1e-5,
    steps: int = 300,
    rate: float = 0.1,
) -> TopicClassifier:
    """Fit one logistic regression per topic (ancestors implied) by full-batch Adam.

    Words in fewer than `min_articles` articles are left out. Deterministic for the same examples.
    """
    counts = [features(FieldIndex.of(e.title), FieldIndex.of(e.text)) for e in examples]
    frequency = Counter(word for c in counts for word in c)
    vocabulary = sorted(word for word, n in frequency.items() if n >= min_articles)
    labels = [topic_keys(e.topics) for e in examples]
    topics = sorted(set().union(*labels))
    if not vocabulary or not topics:
        raise UsageError("training needs labelled articles with topics, and words found in two or more")
    row_of = {word: i for i, word in enumerate(vocabulary)}
    x = np.zeros((len(examples), len(vocabulary)), dtype=np.float32)
    for i, c in enumerate(counts):
        rows, values = _vector(c, row_of)
        x[i, rows] = values
    y = np.array([[t in keys for t in topics] for keys in labels], dtype=np.float32)
    weights, bias = _adam(x, y, l2, steps, rate)
    return TopicClassifier(topics, vocabulary, weights, bias)


def _adam(x: np.ndarray, y: np.ndarray, l2: float, steps: int, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Minimise the mean logistic loss plus `l2`/2 times the squared weights."""
    params = [np.zeros((x.shape[1], y.shape[1]), np.float32), np.zeros(y.shape[1], np.float32)]
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    for step in range(1, steps + 1):
        error = (1.0 / (1.0 + np.exp(-(x @ params[0] + params[1]))) - y) / len(x)
        grads = [x.T @ error + l2 * params[0], error.sum(axis=0)]
        for p, g, m, v in zip(params, grads, first, second, strict=True):
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            p -= rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return params[0], params[1]
