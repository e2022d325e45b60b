"""The starting phrase list, English and Spanish; admins edit their own copy in the app.

How a pattern reads (oss_inbox/safety/detector.py has the details): words in this order, at most
three other words between two of them (small words, numbers and street words not counted), in one
sentence; "a/b" is either word; "chisp*" any word beginning so; "a ... b" b anywhere later in the
clause ("transformer ... sitting water"); fillers ("just", "has", "huge", "green") do not count
between words either; inflections come free ("line" is
also lines, lined; "spark" also sparks, sparking, sparkin); small words ("on", "the", "a", "de") may
be left out by the writer. A "lookalike" phrase, matched word for word as written, stops its words
from counting towards a report ("gas station", "phone line"). An "outage_lookalike" does the same
for outage phrases only ("internet outage", "power bill"): it is compiled into the critical-care
outage detector, never into the safety detector, where "cable down" is a downed line.

What the list decides, beyond the obvious:
- A noise is not an explosion: "loud bang and the lights went out" is an outage report, even at a
  transformer. Equipment that blew, blew up, exploded or "went boom" is, and so are the words
  "explosion", "estallido" and "fireball", a manhole cover that blew or flew off, and a flash with a
  boom at a transformer or substation (in either order: "a massive BOOM from the substation ... a
  green flash"). A flash at a pole or line alone is sparking; a meter "flashing" (its display) is
  not. Crackling or sizzling at a line or meter is sparking in either order ("crackling coming from
  the line"); buzzing or humming only with a smell ("the meter is buzzing ... I smell"), since
  equipment hums. "Smell something hot" is a burning smell.
- A hazard told as hypothetical or past in its clause does not fire: "if I ever smell gas", "si
  algún día huelo gas", "the manhole explosion last year", "last week a transformer blew", "years
  ago", "la semana pasada"; "Last week, ..." reaches the clause after it. Unless the message says
  it is here now: "still", "again", "another" anywhere, "now", "since", "today", "yet" in the
  clause ("down since last week", "hace semanas que ..."). "Last night" is no cue (storms). "In
  advance" and "in case" are none either: "thanks in advance", "we left in case it's gas".
  Medical dependence ends only with a habit gone or a death ("used to", "passed away", "usaba").
- Figurative words: "spark" next to an abstract noun in its clause ("sparked my interest", "spark a
  lot of outrage") does not count (text.FIGURATIVE); a "ventilator fan", a bathroom ventilator and
  a "sale on gas" grills are look-alikes.
- "The phone line is down" is a service, not a wire: lines named as phone, internet, water, sewer,
  customer-service or credit lines never count, nor a "cable" in a message about TV or internet,
  nor "lines" in one about a queue ("wait is 2 hours", DMV, cashier), unless it names power or a
  place a wire lies (road, street, yard, ground...). A wire lying on the ground or hanging low counts
  whoever owns it (we tell everyone to treat any downed wire as live).
- Trees near or touching lines are a trimming request, not a report ("branches getting close to the
  wires", "limbs touching the lines"): a tree that brought a line down, or a line hanging low or
  sparking, fires on those words. A pole "leaning a little" is a request too; one leaning badly or
  onto a house, car or road is a report.
- "No longer sparking", "not sparking anymore" and "gas leak fixed" do not fire by themselves: they
  report a hazard that ended. So does a resolution in the same clause ("the line down on Pine was
  fixed this morning", "crews repaired the downed line") and a thank-you for it ("thanks for fixing
  the downed line", "gracias por arreglar el cable caído"), unless the message says it goes on or
  names another ("still", "again", "another", "sigue") or asks ("when will it be fixed?"). A wire
  still down or hanging in the same message fires on its own words, and "it was sparking last night,
  no longer sparking" fires on "was sparking".
- Water at electrical equipment counts in a wider clause: "water is up to / reached / touching the
  meter", equipment "... sitting / standing in a foot of water", "el agua llegó al panel"; a water
  meter or water bill does not. Spanish gas pipes count broken or hit ("rompieron la tubería de
  gas", "tubo de gas roto") and gas coming out ("sale el gas").
- Fire and smoke count only at equipment (pole, transformer, meter, substation, line, manhole, panel):
  "I'm fired up", "fire sale", "your app is 🔥" do not. A burning, melting or electrical smell counts
  anywhere ("smells like burning plastic"), and so does "sale humo" (smoke coming out).
- A CO alarm or detector counts when it sounds ("going off", "beeping", "se activó la alarma de
  CO"): asking about testing one, a rebate or a free one does not. "Monoxide" counts alone.
- Medical dependence fires on the device or the words alone (oxygen, ventilator, dialysis, CPAP,
  insulin, "medically dependent"), whatever the rest of the message asks: such a customer is
  flagged for the agent. The Spanish "ventilador" alone is a fan and does not count; "conectado a
  un ventilador" does.
"""

from .detector import LOOKALIKE, OUTAGE, OUTAGE_LOOKALIKE, Phrase

WIRE = "line/wire/cable"
EQUIPMENT = "pole/transformer/meter/substation/line/wire/cable/manhole/vault/box/panel"
FIRE_WORDS = "fire/flames/flame/burning/smoke/smoking/smoldering/melting/melted/charred/ablaze/wildfire"
FLOOD_EQUIPMENT = "transformer/meter/substation/manhole/vault/box/panel/pad"
CABLE_ES = "cable/linea/alambre/poste"
FALLING_ES = "caerse/cayendo"
ALARM_SOUNDS = (
    "going/went/goes/off/beeping/beep/sounding/sounded/ringing/blaring/screaming/triggered/activated"
)
EQUIPMENT_ES = "poste/transformador/medidor/subestacion/cable/linea/caja/registro/tablero"
PIPE_ES = "tuberia/tubo/tubos/linea/toma"
WATER_RISING_ES = "llego/llega/llegando/sube/subio/subiendo/toca/toco/tocando/cubre/cubrio"

# (category, language) -> patterns
PATTERNS = {
    ("downed_line", "en"): (
        f"{WIRE}/pole down",
        f"downed {WIRE}/pole",
        "down wire/wires",
        f"down power/electric/electrical {WIRE}",
        f"brought/took/knocked/pulled/tore/ripped down {WIRE}/pole",
        f"{WIRE}/pole fell/falling/fall/snapped/snap/broke/broken/collapsed",
        f"fall/snapped/broken {WIRE}/pole",
        "pole ... leaning/tilting bad/badly/over/dangerously/heavily/house/roof/car/road/street/fence",
        f"{WIRE}/pole hanging/dangling/sagging/drooping/low",
        f"hanging/dangling/sagging/low {WIRE}",
        f"{WIRE} ground/lying/laying/resting/draped/lawn/grass",
        f"{WIRE} across road/street/driveway/highway/lanes",
        f"{WIRE} pulled/ripped/torn/tore/broke/came loose/free",
        "wire road/street/sidewalk/driveway",
        "hit pole",
    ),
    ("downed_line", "es"): (
        f"{CABLE_ES} caido/caida/cayo/cayeron/tirado/suelo/piso/colgando/bajito/roto/reventado/{FALLING_ES}",
        f"cayo/cayeron/tumbo/derribo {CABLE_ES}",
        "line/wire se cayo",
        "poste quebrado/partido",
        "choco/chocaron/choque/estrello/estrellaron/pego poste",
    ),
    ("sparking", "en"): (
        "spark",
        "arcing",
        "flash/flashes pole/transformer/line/wire/cable/substation",
        "pole/transformer/line/wire/cable/substation flash/flashes",
        "pole/transformer/line/wire/cable/box crackling/crackle/sizzling/sizzle",
        "crackling/crackle/sizzling/sizzle pole/transformer/line/wire/cable/box/meter",
        "buzzing/humming pole/transformer/line/wire/cable/box/meter ... smell/smells/smelling",
    ),
    ("sparking", "es"): (
        "chisp*",
        "cable/linea/alambre/poste/transformador tronando/truena/tronaba",
    ),
    ("fire", "en"): (
        f"{FIRE_WORDS} {EQUIPMENT}",
        f"{EQUIPMENT} {FIRE_WORDS}",
        "burning/burnt/electrical/melting smell/odor/odour/stench",
        "smell/smelling/odor/odour/stink burning/burnt/melting/melted/electrical/hot",
    ),
    ("fire", "es"): (
        f"fuego/incendi*/humo/llamas/lumbre/quem*/ardiendo {EQUIPMENT_ES}",
        f"{EQUIPMENT_ES} fuego/incendi*/humo/llamas/lumbre/quem*/ardiendo",
        "sale/salia/saliendo/echando/echa humo/lumbre/fuego",
    ),
    ("explosion", "en"): (
        "explosion",
        "transformer/substation blew/blown/exploded/exploding/explode",
        "blew/blown/exploded/exploding/explode transformer/substation",
        "pole/meter/manhole/vault/box/line/wire exploded/exploding/explode",
        "pole/meter/manhole/vault/box/transformer blew up",
        "exploded/explode pole/meter/manhole/vault/box/line",
        "manhole/vault blew/blown/flew",
        "transformer/substation/pole/meter/box went/goes boom/kaboom",
        "flash/flashes boom/bang/explosion transformer/substation/pole",
        "boom/bang/kaboom transformer/substation/pole ... flash/flashes/fireball",
        "fireball",
    ),
    ("explosion", "es"): (
        "estallido",
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
        "gas blowing/escaping/rushing/spewing",
        "smell/smells/smelling/odor/odour/stink sulfur/sulphur",
        "sulfur/sulphur smell/odor/odour/stink",
    ),
    ("gas", "es"): (
        "huele/huelen/olor*/oler/apesta gas",
        "gas huele/olor",
        "fuga/fugas/escape gas",
        "sale/salia/saliendo/escapa/escapando gas",
        f"rompieron/rompio/rompi/perforaron/perforo/golpearon/golpeo/pegaron {PIPE_ES} gas",
        f"{PIPE_ES} gas rota/roto/rotos/rompio/rompieron/perforada/perforado/danada",
        "gas fuga",
        "huevo podrido",
    ),
    ("carbon_monoxide", "en"): (
        "monoxide",
        f"co/carbon alarm/detector {ALARM_SOUNDS}",
        "co poisoning/level/levels/reading/readings",
    ),
    ("carbon_monoxide", "es"): (
        "monoxido",
        "activo/sono/suena/sonando/pitando/pita alarma/detector co",
        "alarma/detector co sonando/suena/sono/activo/pitando/pita",
    ),
    ("flooding", "en"): (
        f"flood/flooded/flooding/underwater/submerged {FLOOD_EQUIPMENT}",
        f"{FLOOD_EQUIPMENT} flood/flooded/flooding/underwater/submerged/water",
        "water transformer/substation/panel/vault/manhole/pad/breaker/fusebox",
        "water meter box",
        "water up/reached/reaching/reaches/touching/covering/rising/around/above meter/box/outlet/outlets",
        f"{FLOOD_EQUIPMENT} ... sitting/standing/sits/surrounded water",
    ),
    ("flooding", "es"): (
        f"inund* {EQUIPMENT_ES}",
        f"{EQUIPMENT_ES} inund*/agua",
        "agua transformador/subestacion/tablero/registro",
        f"agua {WATER_RISING_ES} medidor/panel/caja/contactos/enchufes",
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
        "lvad",
        "heart/infusion pump",
        "feeding tube",
    ),
    ("medical", "es"): (
        "oxigeno",
        "respirador",
        "dialisis",
        "soporte vital",
        "nebulizador",
        "equipo/aparato/maquina medico/medica",
        "ventilador mecanico",
        "conectado/conectada/conectados ventilador/maquina/aparato/respirador",
        "depende/dependo/dependemos maquina/aparato/ventilador",
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
        "happens/happen/further/farther/somewhere/years/months/weeks/ways down the line",
        "down to the wire",
        "wire transfer/money/payment",
        "gas station/bill/bills/price/prices/money/mileage/card/pedal/tank/can/company",
        "passing gas",
        "sale on/of/for gas",
        "spark energy/plug/plugs/joy/interest/driver/idea",
        "ventilator fan/fans",
        "bathroom/exhaust/attic/kitchen/ceiling/window/roof ventilator/ventilators",
        "spark conversation/debate/discussion/outrage/anger/controversy",
        "spark of hope/joy/inspiration/genius/creativity",
        "close to the/our/my line/wire/cable",
        "near the/our/my line/wire/cable",
        "gas leak inspection/check/test/survey/detector/detectors/detection",
        "flash flood/flooding/sale/drive",
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
    *(Phrase(OUTAGE_LOOKALIKE, pattern) for pattern in OUTAGE_LOOKALIKES),
)
