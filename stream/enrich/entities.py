"""Named-entity recognition with spaCy: the model loaded once, only the NER component, batched.

The English pipelines' `ner` component has its own token-to-vector layer, so the tagger,
parser, lemmatizer and the shared tok2vec are not loaded at all. The stream worker runs the
model in a process of its own (`NerProcess`): spaCy holds the GIL for nearly all of its work,
so in the worker's process every other agent, and the event loop itself, waited for it.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Protocol

import spacy
from spacy.language import Language
from thinc.api import use_ops
from threadpoolctl import threadpool_limits

from stream.enrich.normalisation import MODEL, Mention
from wirewatch.errors import ConfigError
from wirewatch.failures import TemporaryError
from wirewatch.process import ignore_stop_signals


def _meta(name: str) -> dict[str, Any]:
    """The pipeline's meta.json (an installed package or a directory), with NER, or a clear error."""
    try:
        path = spacy.util.get_package_path(name) if spacy.util.is_package(name) else Path(name)
        meta = dict(spacy.util.get_model_meta(path))
    except (OSError, ValueError, ImportError):
        meta = {}
    if "ner" not in meta.get("pipeline", []):
        raise ConfigError(
            f"spaCy model '{name}' is not installed or has no NER "
            "(set WIREWATCH_SPACY_MODEL, or WIREWATCH_NER=0 to run without NER)"
        )
    return meta


class Recogniser(Protocol):
    """A named-entity model for the articles of one language (spaCy's, or Natasha's for Russian)."""

    name: str
    language: str  # ISO code of the articles it reads
    max_chars: int | None  # characters of an article it reads; None: the enricher's NER window

    def mentions(self, texts: Sequence[str]) -> list[list[Mention]]: ...

    def wait_ready(self) -> object: ...

    def close(self) -> None: ...


# Rules read an article up to this length: they take about 0.4 ms per 1,000 characters (45 ms at most).
RULES_MAX_CHARS = 100_000


class NerModel:
    """A spaCy pipeline reduced to NER; `language` is the ISO code it was trained for."""

    max_chars: int | None = None

    def __init__(self, name: str, batch_size: int = 32) -> None:
        self.name = name
        self.batch_size = batch_size
        unneeded = [p for p in _meta(name)["pipeline"] if p != "ner"]
        # thinc multiplies matrices with blis by default, whose build falls back to its slow generic
        # kernels on CPUs it does not know (AMD Zen 3: a third of the model's time); numpy's OpenBLAS
        # picks a fast kernel. One BLAS thread: the worker and its model process use a core each.
        threadpool_limits(1, user_api="blas")
        with use_ops("numpy", use_blis=False):
            self.nlp: Language = spacy.load(name, exclude=unneeded)
        self.language: str = self.nlp.lang

    def mentions(self, texts: Sequence[str]) -> list[list[Mention]]:
        """Entity spans of each text (all labels; normalisation decides what to keep)."""
        return [
            [Mention(e.text, e.label_, e.start_char, e.end_char, MODEL) for e in doc.ents]
            for doc in self.nlp.pipe(texts, batch_size=self.batch_size)
        ]

    def wait_ready(self) -> None:
        """Loaded already (in process)."""

    def close(self) -> None:
        """Nothing to release in process."""


_loaded: NerModel | None = None  # the model, in a NerProcess's child


def _load(name: str, batch_size: int) -> None:
    global _loaded
    # Killed by the worker's stop signal, the child would fail the batch in flight and be
    # restarted, loading the model, just as the worker stops. The worker ends it (`close`, or
    # `_exit_with` when the worker is killed).
    ignore_stop_signals()
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    _loaded = NerModel(name, batch_size)


def _exit_with(parent: multiprocessing.process.BaseProcess) -> None:
    """End the child when the worker ends, even a worker killed before it could stop it."""
    parent.join()
    os._exit(0)


def _child_mentions(texts: list[str]) -> list[list[Mention]]:
    assert _loaded is not None
    return _loaded.mentions(texts)


class NerProcess:
    """The same model in a child process (one core of its own); restarted if it dies.

    The child loads the model while the worker builds everything else; `wait_ready` joins it.
    """

    max_chars: int | None = None

    def __init__(self, name: str, batch_size: int = 32) -> None:
        self.name = name
        self.batch_size = batch_size
        self.language: str = str(_meta(name)["lang"])
        self._executor, self._ready = self._start()

    def _start(self) -> tuple[ProcessPoolExecutor, Future[int]]:
        # Forked while the worker has no other thread (at start: the child needs no imports and
        # loads the model while the worker builds the rest), spawned otherwise (a restart while
        # threads run, whose locks a forked child could inherit held).
        method = "fork" if threading.active_count() == 1 else "spawn"
        executor = ProcessPoolExecutor(
            1, multiprocessing.get_context(method), initializer=_load, initargs=(self.name, self.batch_size)
        )
        return executor, executor.submit(os.getpid)  # done once the model is loaded

    def wait_ready(self) -> int:
        """Wait until the child has loaded the model; its process id. A model that cannot be
        loaded is a ConfigError (the worker stops with it at start)."""
        try:
            return int(self._ready.result())
        except BrokenProcessPool as exc:
            raise ConfigError(f"spaCy model '{self.name}' could not be loaded (see the log above)") from exc

    def mentions(self, texts: Sequence[str]) -> list[list[Mention]]:
        """As `NerModel.mentions`; a dead child is restarted and the call fails as temporary."""
        self.wait_ready()
        try:
            return self._executor.submit(_child_mentions, list(texts)).result()
        except BrokenProcessPool as exc:
            self._executor.shutdown(wait=False)
            self._executor, self._ready = self._start()
            raise TemporaryError(f"the NER process died and was restarted: {exc}") from exc

    def close(self) -> None:
        """Stop the child."""
        self._executor.shutdown(cancel_futures=True)
