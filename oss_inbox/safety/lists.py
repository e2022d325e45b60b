"""The phrase list as admins keep it: read into detectors (one per version of the list), and
changed only through `phrase_save` / `phrase_delete`, which check a pattern compiles and record who
changed what (`PhraseChange`)."""

from dataclasses import dataclass

from django.db import transaction

from oss_inbox.cached import cached_list, forget_on_change

from .detector import CATEGORIES, OUTAGE, OUTAGE_LOOKALIKE, Detection, Detector, Phrase, compile_phrases
from .models import PhraseChange, SafetyPhrase

PHRASES_KEY = "safety:phrases"
_COMPILED = {}  # tuple of phrases -> Detectors; a few versions at most, then start again
_COMPILED_SIZE = 4


class PhraseRefused(ValueError):
    """A phrase the detector cannot use, in words for the admin."""


@dataclass(frozen=True)
class Detectors:
    safety: Detector  # every report category, and the look-alikes
    outage: Detector  # outage words, and the look-alikes: run for critical-care customers only

    def detect(self, text: str, *, critical_care: bool = False) -> Detection | None:
        """A safety report in `text`; for a customer who depends on power, an outage is one too."""
        found = self.safety.detect(text)
        if found is None and critical_care:
            found = self.outage.detect(text)
        return found


def forget_phrases_on_change():
    forget_on_change(PHRASES_KEY, SafetyPhrase)


def phrases() -> tuple[Phrase, ...]:
    rows = cached_list(
        PHRASES_KEY,
        lambda: SafetyPhrase.objects.order_by("position", "id").values_list(
            "category", "pattern", "language"
        ),
    )
    return tuple(Phrase(*row) for row in rows)


def detectors() -> Detectors:
    """The detectors of the list in force (compiled once per version, per process)."""
    current = phrases()
    built = _COMPILED.get(current)
    if built is None:
        built = compile_detectors(current)
        if len(_COMPILED) >= _COMPILED_SIZE:
            _COMPILED.clear()
        _COMPILED[current] = built
    return built


def compile_detectors(phrases) -> Detectors:
    """The safety detector (report categories and look-alikes; not outage words nor their
    look-alikes: "cable outage/down" must not hide "cable down across the road") and the outage
    detector (outage words, their look-alikes and the look-alikes of reports)."""
    reports = [phrase for phrase in phrases if phrase.category not in (OUTAGE, OUTAGE_LOOKALIKE)]
    outage = [phrase for phrase in phrases if phrase.category not in CATEGORIES]
    return Detectors(safety=compile_phrases(reports), outage=compile_phrases(outage))


def phrase_check(category: str, pattern: str, language: str) -> Phrase:
    """The phrase, if the detector can use it; else PhraseRefused saying why."""
    phrase = Phrase(category, " ".join(pattern.split()), language)
    try:
        compile_phrases([phrase])
    except ValueError as refused:
        raise PhraseRefused(str(refused)) from None
    return phrase


@transaction.atomic
def phrase_save(*, actor, category: str, pattern: str, language: str, phrase: SafetyPhrase | None = None):
    """Add a phrase (phrase None) or change one; returns the row. Refuses a phrase that does not
    compile or is already on the list."""
    checked = phrase_check(category, pattern, language)
    duplicate = SafetyPhrase.objects.filter(
        category=checked.category, language=checked.language, pattern=checked.pattern
    )
    if phrase is not None:
        duplicate = duplicate.exclude(pk=phrase.pk)
    if duplicate.exists():
        raise PhraseRefused(f'"{checked.pattern}" is already on the list.')
    before = _snapshot(phrase) if phrase is not None else {}
    if phrase is None:
        last = SafetyPhrase.objects.order_by("-position").values_list("position", flat=True).first()
        phrase = SafetyPhrase(position=(last or 0) + 1)
    phrase.category, phrase.pattern, phrase.language = checked.category, checked.pattern, checked.language
    phrase.save()
    after = _snapshot(phrase)
    if before != after:
        action = PhraseChange.Action.CHANGED if before else PhraseChange.Action.ADDED
        PhraseChange.objects.create(action=action, actor=actor, before=before, after=after)
    return phrase


@transaction.atomic
def phrase_delete(*, actor, phrase: SafetyPhrase) -> None:
    PhraseChange.objects.create(action=PhraseChange.Action.REMOVED, actor=actor, before=_snapshot(phrase))
    phrase.delete()


def _snapshot(phrase):
    return {"category": phrase.category, "pattern": phrase.pattern, "language": phrase.language}
