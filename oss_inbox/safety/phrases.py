"""The starting phrase list, English and Spanish; admins edit their own copy in the app.

How a pattern reads (oss_inbox/safety/detector.py has the details): words in this order, at most
three other words between two of them (small words, numbers and street words not counted), in one
sentence; "a/b" is either word; "chisp*" any word beginning so; inflections come free ("line" is
also lines, lined; "spark" also sparks, sparking, sparkin); small words ("on", "the", "a", "de") may
be left out by the writer. A "lookalike" phrase, matched word for word as written, stops its words
from counting towards a report ("gas station", "phone line").

What the list decides, beyond the obvious:
- A noise is not an explosion: "loud bang and the lights went out" is an outage report, even at a
  transformer. Equipment that blew, blew up or exploded is, and so is the word "explosion".
- "The phone line is down" is a service, not a wire: lines named as phone, internet, water, sewer,
  customer-service or credit lines never count. A wire lying on the ground or hanging low counts
  whoever owns it (we tell everyone to treat any downed wire as live).
- "No longer sparking", "not sparking anymore" and "gas leak fixed" do not fire by themselves: they
  report a hazard that ended. A wire still down or hanging in the same message fires on its own
  words, and "it was sparking last night, no longer sparking" fires on "was sparking".
- Fire and smoke count only at equipment (pole, transformer, meter, substation, line, manhole, panel):
  "I'm fired up", "fire sale", "your app is 🔥" do not.
- Medical dependence fires on the device or the words alone (oxygen, ventilator, dialysis, CPAP,
  insulin, "medically dependent"), whatever the rest of the message asks: such a customer is
  flagged for the agent. The Spanish "ventilador" alone is a fan and does not count.
"""

from .detector import LOOKALIKE, OUTAGE, Phrase

WIRE = "line/wire/cable"
EQUIPMENT = "pole/transformer/meter/substation/line/wire/cable/manhole/vault/box/panel"
FIRE_WORDS = "fire/flames/flame/burning/smoke/smoking/smoldering/melting/melted/charred/ablaze/wildfire"
FLOOD_EQUIPMENT = "transformer/meter/substation/manhole/vault/box/panel/pad"
CABLE_ES = "cable/linea/alambre/poste"
EQUIPMENT_ES = "poste/transformador/medidor/subestacion/cable/linea/caja/registro/tablero"

# (category, language) -> patterns
PATTERNS = {
    ("downed_line", "en"): (
        f"{WIRE}/pole down",
        f"downed {WIRE}/pole",
        "down wire/wires",
        f"down power/electric/electrical {WIRE}",
        f"{WIRE}/pole fell/falling/fall/snapped/snap/broke/broken/collapsed",
        f"fall/snapped/broken {WIRE}/pole",
        f"{WIRE}/pole hanging/dangling/sagging/drooping/low",
        f"hanging/dangling/sagging/low {WIRE}",
        f"{WIRE} ground/lying/laying",
        f"{WIRE} across road/street/driveway/highway/lanes",
        "wire road/street/sidewalk/driveway",
        "hit pole",
    ),
    ("downed_line", "es"): (
        f"{CABLE_ES} caido/caida/cayo/cayeron/tirado/suelo/piso/colgando/bajito/roto/reventado",
        f"cayo/cayeron/tumbo/derribo {CABLE_ES}",
        "line/wire se cayo",
    ),
    ("sparking", "en"): (
        "spark",
        "arcing",
    ),
    ("sparking", "es"): ("chisp*",),
    ("fire", "en"): (
        f"{FIRE_WORDS} {EQUIPMENT}",
        f"{EQUIPMENT} {FIRE_WORDS}",
    ),
    ("fire", "es"): (
        f"fuego/incendi*/humo/llamas/quem*/ardiendo {EQUIPMENT_ES}",
        f"{EQUIPMENT_ES} fuego/incendi*/humo/llamas/quem*/ardiendo",
    ),
    ("explosion", "en"): (
        "explosion",
        "transformer/substation blew/blown/exploded/exploding/explode",
        "blew/blown/exploded/exploding/explode transformer/substation",
        "pole/meter/manhole/vault/box/line/wire exploded/exploding/explode",
        "pole/meter/manhole/vault/box/transformer blew up",
        "exploded/explode pole/meter/manhole/vault/box/line",
    ),
    ("explosion", "es"): (
        "exploto/estallo/revento/trono transformador/poste/medidor/subestacion/registro",
        "transformador/poste/medidor/subestacion/registro exploto/estallo/revento/trono",
    ),
    ("gas", "en"): (
        "smell/smelling/odor/odour/stink/reek/whiff/fumes gas/propane",
        "gas/propane smell/odor/odour/stink/reek/fumes",
        "gas/propane leak/leaking",
        "leak/leaking gas/propane",
        "rotten egg",
        "gas line/pipe/main hit/cut/nicked/broke/broken/damaged/ruptured/struck/severed",
        "hit/cut/nicked/broke/damaged/ruptured/struck/severed gas line/pipe/main",
        "hissing gas/meter/pipe",
        "gas/meter/pipe hissing",
    ),
    ("gas", "es"): (
        "huele/huelen/olor/oler/apesta gas",
        "gas huele/olor",
        "fuga/fugas/escape gas",
        "gas fuga",
        "huevo podrido",
    ),
    ("carbon_monoxide", "en"): (
        "monoxide",
        "co alarm/detector",
    ),
    ("carbon_monoxide", "es"): ("monoxido",),
    ("flooding", "en"): (
        f"flood/flooded/flooding/underwater/submerged {FLOOD_EQUIPMENT}",
        f"{FLOOD_EQUIPMENT} flood/flooded/flooding/underwater/submerged/water",
        "water transformer/substation/panel/vault/manhole/pad",
        "water meter box",
    ),
    ("flooding", "es"): (
        f"inund* {EQUIPMENT_ES}",
        f"{EQUIPMENT_ES} inund*/agua",
        "agua transformador/subestacion/tablero/registro",
    ),
    ("medical", "en"): (
        "oxygen/oxigen",
        "concentrator",
        "ventilator",
        "dialysis",
        "cpap/bipap",
        "insulin*",
        "nebulizer",
        "life support/sustaining",
        "medically dependent/dependant",
        "medical equipment/device/machine",
        "feeding pump",
        "suction machine",
        "apnea monitor",
    ),
    ("medical", "es"): (
        "oxigeno",
        "respirador",
        "dialisis",
        "soporte vital",
        "nebulizador",
        "equipo/aparato/maquina medico/medica",
        "ventilador mecanico",
    ),
    (LOOKALIKE, "en"): (
        "phone/telephone/internet/fiber/dsl/landline line",
        "customer service/support line",
        "support/help line",
        "water/sewer/fishing/clothes line",
        "line item/items",
        "line of credit",
        "bottom/finish/front line",
        "in line",
        "down the line",
        "down to the wire",
        "wire transfer/money/payment",
        "gas station/bill/bills/price/prices/money/mileage/card/pedal/tank/can/company",
        "passing gas",
        "spark energy/plug/plugs/joy/interest/driver/idea",
        "spark conversation/debate/discussion/outrage/anger/controversy",
        "arc fault",
        "free/offer/offering/rebate/discount/sell/buy/giveaway carbon monoxide",
        "free/offer/offering/rebate/discount/sell/buy/giveaway co detector/detectors/alarm/alarms",
        "monoxide detector/detectors/alarm/alarms rebate/discount/program/giveaway",
        "water meter/bill/heater/company/main",
        "solar panel/panels",
        "smoking hot",
        "voltage sag/sags/dip/dips/drop/drops/spike/spikes/surge/surges",
        "production/assembly/packaging/bottling/product/conveyor line/lines",
    ),
    (LOOKALIKE, "es"): (
        "linea telefonica",
        "linea de telefono/atencion/servicio",
        "recibo/factura de/del gas",
        "recibo/factura gas",
        "medidor de/del agua",
        "recibo/factura de/del agua",
    ),
}

DEFAULT_PHRASES = tuple(
    Phrase(category, pattern, language)
    for (category, language), patterns in PATTERNS.items()
    for pattern in patterns
)

# An outage, in the words customers use: a safety report only from a customer who depends on power
# (a critical-care contact or organization). The look-alikes above apply to these too.
OUTAGE_PATTERNS = {
    "en": (
        "power/electricity/lights out/off/gone/down",
        "no power/electricity/lights",
        "without power/electricity/lights",
        "lost power/electricity",
        "power/electricity outage/cut/failure",
        "outage",
        "blackout",
        "lights went out/off",
        "power went out/off",
    ),
    "es": (
        "se fue la luz",
        "sin luz/electricidad/corriente/energia",
        "no hay luz/electricidad/corriente",
        "apagon",
        "corte de luz/electricidad/energia",
        "nos quedamos sin luz",
    ),
}
OUTAGE_LOOKALIKES = (
    "internet/cable/phone/wifi/website/app/site/service/server outage/outages/down",
    "power/electric/electricity bill/bills/rate/rates/company/plan/usage/cost/costs",
)
OUTAGE_PHRASES = (
    *(
        Phrase(OUTAGE, pattern, language)
        for language, patterns in OUTAGE_PATTERNS.items()
        for pattern in patterns
    ),
    *(Phrase(LOOKALIKE, pattern) for pattern in OUTAGE_LOOKALIKES),
)
