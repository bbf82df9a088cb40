"""How a question version reads, rendered once and shared by every student through the cache.

A `QuestionVersion` never changes once made (`content.services` makes a new one for every edit),
so what it renders to is named by the version (its id and creation stamp) and never needs
invalidating: an edit makes a new version, which misses the cache, and a paper pinned to the old
one keeps reading the old one.
Two fragments, cached apart so that neither carries what the other's reader may not see:

- the **text** (`version_texts`, kept in each process's memory too): `content/_question_text.html`
  (stem, statements, closing line) and the options' texts in authored order, never which is
  right: the paper and every review;
- the **key** (`version_keys`): `content/_question_key.html` (each statement's truth, the
  explanation): only for a review that `quiz.policy.review_check` lets show the key.

The cache is Django's default (each process's memory, or Redis shared by every instance when
`REDIS_URL` is set). Its keys carry a digest of the template's source, so a release that changes
how a question reads never serves what the previous release rendered.
"""

import hashlib
import logging
from dataclasses import dataclass
from functools import cache as memoized

from django.core.cache import cache
from django.db.models import CharField
from django.db.models.functions import Cast
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString, mark_safe

from content.models import QuestionVersion

log = logging.getLogger(__name__)

TEXT_TEMPLATE = "content/_question_text.html"
KEY_TEMPLATE = "content/_question_key.html"
# Immutable content needs no expiry; this only lets a release's orphaned entries leave Redis.
TIMEOUT = 7 * 24 * 3600
# Each process also keeps the texts it has read, by the version's name: nothing to invalidate (a version
# never changes, and a release that changes the template restarts the process), and reading a
# paper's hundred texts from here costs nothing where the shared cache would unpickle each. Bounded.
_texts: dict[str, "VersionText"] = {}
KEPT = 5_000


@dataclass(frozen=True)
class VersionText:
    html: SafeString
    choices: tuple[tuple[str, str], ...]  # (key, text) in authored order: no key, no truth


def stamp(path: str) -> Cast:
    """A version's `created_at` as the database writes it, to annotate a query with (`path` from its
    model): with the id it names a version for good, where SQLite hands a deleted row's id to the
    next one (a question deleted before it was ever set). As text, as no datetime need be built."""
    return Cast(path, output_field=CharField())


class VersionLoader:
    """Versions read only when a cache misses them, each at most once for a page: one query for
    the texts and the keys it renders together."""

    def __init__(self):
        self.loaded: dict[int, QuestionVersion] = {}

    def load(self, version_ids: list[int]) -> dict[int, QuestionVersion]:
        wanted = [pk for pk in version_ids if pk not in self.loaded]
        if wanted:
            self.loaded |= QuestionVersion.objects.in_bulk(wanted)
        return self.loaded


def version_texts(stamps: dict[int, str], *, versions: VersionLoader | None = None) -> dict[int, VersionText]:
    """Each version's text by id, from the cache; the missing ones rendered and stored, read
    through `versions` (one query). `stamps`: each version's `stamp()`, by id."""
    names = {pk: _name(pk, created) for pk, created in stamps.items()}
    found = {pk: _texts[name] for pk, name in names.items() if name in _texts}
    if len(found) < len(names):
        wanted = {pk: name for pk, name in names.items() if pk not in found}
        shared = _cached(TEXT_TEMPLATE, wanted)
        missing = [pk for pk in wanted if pk not in shared]
        if missing:
            loaded = (versions or VersionLoader()).load(missing)
            rendered = {
                pk: (
                    render_to_string(TEXT_TEMPLATE, {"question": loaded[pk]}),
                    [(c["key"], c["text"]) for c in loaded[pk].choices],
                )
                for pk in missing
            }
            _store(TEXT_TEMPLATE, {wanted[pk]: value for pk, value in rendered.items()})
            shared |= rendered
        if len(_texts) + len(shared) > KEPT:
            _texts.clear()
        for pk, (html, choices) in shared.items():
            # Rendered by our template, which escapes what authors wrote.
            text = VersionText(html=mark_safe(html), choices=tuple(map(tuple, choices)))  # noqa: S308
            found[pk] = _texts[wanted[pk]] = text
    return found


@dataclass(frozen=True)
class VersionKey:
    truth: SafeString  # each statement's truth ("" for a single-answer question)
    explanation: SafeString
    correct: tuple[str, ...]  # the right option's key (its keys, should a version have several)
    kind: str
    labels: tuple[str, ...]  # the statements' labels, as the options name them ("1", "Statement-I")
    misjudged: tuple[tuple[str, tuple[int, ...] | None], ...]  # by option key: `misjudged_by`


def version_keys(stamps: dict[int, str], *, versions: VersionLoader | None = None) -> dict[int, VersionKey]:
    """Each version's key by id (`stamps` as for `version_texts`). Call it only for versions whose
    key the viewer may see now: the caller's review has asked `policy.review_check`."""
    names = {pk: _name(pk, created) for pk, created in stamps.items()}
    found = _cached(KEY_TEMPLATE, names)
    missing = [pk for pk in names if pk not in found]
    rendered = {}
    if missing:
        loaded = (versions or VersionLoader()).load(missing)
        rendered = {pk: _key_of(loaded[pk]) for pk in missing}
        _store(KEY_TEMPLATE, {names[pk]: value for pk, value in rendered.items()})
    # Rendered by our templates, which escape what authors wrote.
    return {
        pk: VersionKey(mark_safe(truth), mark_safe(explanation), *rest)  # noqa: S308
        for pk, (truth, explanation, *rest) in (found | rendered).items()
    }


def _key_of(version: QuestionVersion) -> tuple:
    """What `VersionKey` holds, as plain values for the cache."""
    html = [render_to_string(KEY_TEMPLATE, {"question": version, "part": part}) for part in ("truth", "explanation")]
    correct = tuple(c["key"] for c in version.choices if c["is_correct"])
    labels = tuple(label for label, _ in version.labelled_statements()) if version.is_statement_kind else ()
    misjudged = tuple(
        (c["key"], None if (numbers := version.misjudged_by(c["key"])) is None else tuple(numbers))
        for c in version.choices
    )
    return (*html, correct, version.kind, labels, misjudged if labels else ())


def _name(pk: int, created: str) -> str:
    # Its digits only: a cache key with a space would be refused by memcached (Django warns).
    return f"{pk}.{''.join(filter(str.isdigit, created))}"


@memoized
def _prefix(template_name: str) -> str:
    source = get_template(template_name).template.source
    return f"{template_name}:{hashlib.blake2b(source.encode(), digest_size=6).hexdigest()}:"


# A cache that does not answer (Redis restarting) costs rendering, never a page: as config/ratelimits.py
# waives a limit, these render afresh and log.
def _cached(template_name: str, names: dict[int, str]) -> dict:
    """What the shared cache holds of `names` ({version id: its name}), by version id."""
    prefix = _prefix(template_name)
    try:
        hits = cache.get_many([f"{prefix}{name}" for name in names.values()])
    except Exception as error:
        log.warning("Question fragments rendered afresh: the cache did not answer (%s)", error)
        return {}
    return {pk: hits[f"{prefix}{name}"] for pk, name in names.items() if f"{prefix}{name}" in hits}


def _store(template_name: str, rendered: dict) -> None:
    if not rendered:
        return
    prefix = _prefix(template_name)
    try:
        cache.set_many({f"{prefix}{name}": value for name, value in rendered.items()}, timeout=TIMEOUT)
    except Exception as error:
        log.warning("Question fragments not cached: the cache did not answer (%s)", error)
