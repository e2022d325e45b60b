"""How a date or time is written where a template or a timeline entry gives no format of its own: as
the rest of the app writes it ("Dec 7, 2026, 5:05 PM"), not Django's English "Dec. 7, 2026, 5:05 p.m."
(Django reads a language's formats from here before its own: settings.FORMAT_MODULE_PATH)."""

DATETIME_FORMAT = "M j, Y, g:i A"
DATE_FORMAT = "M j, Y"
TIME_FORMAT = "g:i A"
