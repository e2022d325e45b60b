"""The starting safety replies (admins edit them in the app), and the rows a new database gets.

Every channel gets one, public replies included: the advice is the same for everyone who reads the
thread. Texts for X fit in a post (280 characters, links aside); email's say a little more.
"""

from .phrases import DEFAULT_PHRASES, OUTAGE_PHRASES

KINDS = ("mention", "dm", "post", "comment", "messenger", "email", "ig_comment", "ig_dm")

SHORT = {
    ("electric", "en"): (
        "Please stay at least 30 feet away from any downed or sparking line and assume it is live. "
        "If anyone is in immediate danger, call 911 or our emergency line. We've flagged your report "
        "as urgent."
    ),
    ("gas", "en"): (
        "If you smell gas or a CO alarm sounds, leave the building first, without using switches, "
        "phones or lighters inside, then call 911 or our emergency line from outside. We've flagged "
        "your report as urgent."
    ),
    ("medical", "en"): (
        "If anyone's life or health is at risk, call 911 now. We've flagged your message as urgent "
        "and our team will contact you as soon as possible."
    ),
    ("electric", "es"): (
        "Manténgase a por lo menos 10 metros (30 pies) de cualquier cable caído o que eche chispas y "
        "suponga que tiene corriente. Si alguien está en peligro, llame al 911 o a nuestra línea de "
        "emergencias. Marcamos su reporte como urgente."
    ),
    ("gas", "es"): (
        "Si huele a gas o suena una alarma de CO, salga primero del edificio, sin usar interruptores, "
        "teléfonos ni encendedores adentro, y llame al 911 o a nuestra línea de emergencias desde "
        "afuera. Marcamos su reporte como urgente."
    ),
    ("medical", "es"): (
        "Si la vida o la salud de alguien está en riesgo, llame al 911 ahora. Marcamos su mensaje como "
        "urgente y nuestro equipo se comunicará con usted lo antes posible."
    ),
}

EMAIL = {
    ("electric", "en"): (
        "Thank you for telling us.\n\n"
        "Please stay at least 30 feet away from any downed, low-hanging or sparking line, and keep "
        "others away. Assume it is live, even if it is not sparking, and never touch it or anything "
        "touching it. If anyone is in immediate danger, call 911 or our 24-hour emergency line.\n\n"
        "We have flagged your report as urgent and our team is on it."
    ),
    ("gas", "en"): (
        "Thank you for telling us.\n\n"
        "If you smell gas or a carbon monoxide alarm sounds, leave the building now. Do not switch "
        "anything on or off, use a phone or light a flame inside. Once you are outside and away from "
        "the building, call 911 or our 24-hour emergency line, and do not go back until it is safe.\n\n"
        "We have flagged your report as urgent and our team is on it."
    ),
    ("medical", "en"): (
        "Thank you for telling us.\n\n"
        "If anyone's life or health is at risk, call 911 now. We have flagged your message as urgent "
        "and our team will contact you as soon as possible."
    ),
    ("electric", "es"): (
        "Gracias por avisarnos.\n\n"
        "Manténgase a por lo menos 10 metros (30 pies) de cualquier cable caído, colgando o que eche "
        "chispas, y mantenga alejadas a otras personas. Suponga que tiene corriente y nunca lo toque, "
        "ni nada que lo toque. Si alguien está en peligro, llame al 911 o a nuestra línea de "
        "emergencias de 24 horas.\n\n"
        "Marcamos su reporte como urgente y nuestro equipo ya lo está atendiendo."
    ),
    ("gas", "es"): (
        "Gracias por avisarnos.\n\n"
        "Si huele a gas o suena una alarma de monóxido de carbono, salga del edificio ahora. No "
        "encienda ni apague nada, no use el teléfono ni prenda fuego adentro. Ya afuera y lejos del "
        "edificio, llame al 911 o a nuestra línea de emergencias de 24 horas, y no regrese hasta que "
        "sea seguro.\n\n"
        "Marcamos su reporte como urgente y nuestro equipo ya lo está atendiendo."
    ),
    ("medical", "es"): (
        "Gracias por avisarnos.\n\n"
        "Si la vida o la salud de alguien está en riesgo, llame al 911 ahora. Marcamos su mensaje como "
        "urgente y nuestro equipo se comunicará con usted lo antes posible."
    ),
}

# Which advice a report category gets.
TOPIC_OF = {
    "downed_line": "electric",
    "sparking": "electric",
    "fire": "electric",
    "explosion": "electric",
    "flooding": "electric",
    "gas": "gas",
    "carbon_monoxide": "gas",
    "medical": "medical",
    "outage": "medical",  # an outage is a safety report only from someone who depends on power
}


def default_replies():
    """(kind, language, topic, text) of every reply a new database starts with."""
    for kind in KINDS:
        texts = EMAIL if kind == "email" else SHORT
        for (topic, language), text in texts.items():
            yield kind, language, topic, text


def create_defaults(apps, schema_editor):
    """The default phrase list and replies (a data migration, and tests after a flush)."""
    SafetyPhrase = apps.get_model("safety", "SafetyPhrase")
    SafetyReply = apps.get_model("safety", "SafetyReply")
    if not SafetyPhrase.objects.exists():
        SafetyPhrase.objects.bulk_create(
            SafetyPhrase(category=phrase.category, pattern=phrase.pattern, language=phrase.language,
                         position=position)
            for position, phrase in enumerate((*DEFAULT_PHRASES, *OUTAGE_PHRASES), start=1)
        )  # fmt: skip
    for kind, language, topic, text in default_replies():
        SafetyReply.objects.get_or_create(kind=kind, language=language, topic=topic, defaults={"text": text})
