"""Text bank: outages, safety and the field — what keeps the lights and the gas on.

Within a topic every line must fit after any line of the step before it (any opening, then any
first reply, then any update...), so a request that needs a different answer is a topic of its own.
"""

from .content import SOCIAL_KINDS, Topic

OUTAGE = Topic(
    key="outage",
    weight=24,
    posts=("outage_update", "storm_prep"),
    openings=(
        "Power out on {street} since {time}, any ETA?",
        "Our whole block on {street} in {town} just lost power. Is this a known outage?",
        "No power at {house} {street} since {time}. Neighbors across the street have lights, we don't.",
        "Outage map says {customers} customers out in {town} but no restoration time. When can we expect "
        "power back?",
        "Lights went out with a loud pop around {time}. {street} & {cross}, {town}. Is a crew coming?",
        "Been without power for {n} hours now on {street}. I have a freezer full of food, any update?",
        "Is there an outage in {town}? Half of {street} is dark.",
        "Power's out again on {street}. Second time this week. Not happy.",
        "Heard a boom and now nothing. {cross} near {street}. Transformer?",
    ),
    subjects=(
        "Power outage at {house} {street}",
        "No power since {time}",
        "Outage in {town}: restoration time?",
    ),
    first_replies=(
        "Sorry you're in the dark! We see an outage affecting {customers} customers in {town}. A crew is "
        "on site and we expect power back {eta}.",
        "Thanks for letting us know. A crew is headed to {street} & {cross}; we expect power back {eta}. "
        "Updates at prairie-eg.example/outages.",
        "We're sorry for the trouble. This is outage #{outage}, a blown transformer fuse. Crew is en "
        "route; power should be back {eta}.",
        "Sorry! A car hit a pole near {cross}, so repairs take a little longer. We expect power back {eta}.",
    ),
    asks=(
        "I don't see an outage reported at your address yet. What's the service address, and could you "
        "check whether your main breaker tripped?",
        "Can you confirm the service address so I can report it for you? If any neighbors have power, let "
        "us know that too.",
    ),
    answers=(
        "It's {house} {street}, {town}. Breaker is fine, neighbors on the north side have power.",
        "{house} {street}. Checked the breakers, all on.",
        "{house} {street} in {town}. Whole street is out as far as I can see.",
    ),
    updates=(
        "Update: the crew found a broken crossarm on the pole behind {street}. Power should be back {eta}. "
        "Thanks for your patience.",
        "I've reported it as outage #{outage} and a troubleman is on the way. Should be there within a "
        "couple of hours.",
        "Good news: the crew reports power restored on {street}. If you're still out, let us know right "
        "away.",
        "The crew is replacing the transformer serving {street}. It's a bigger job; power should be back "
        "{eta}.",
    ),
    more=(
        "Any update? Still dark here on {street}.",
        "The estimate changed to later. Is there a reason?",
        "Crew truck just drove past, hope that's for us!",
        "Should I throw out what's in the fridge?",
    ),
    notes=(
        "OMS: outage #{outage}, {customers} customers, cause fuse on transformer at pole {pole}. ETR {eta}.",
        "Called dispatch, {crew} assigned. ETR {eta}.",
        "Single-customer outage, not on the map. Created trouble order {order}.",
    ),
    thanks=(
        "Power's back! Thanks to the crew out in this heat.",
        "Lights just came back on, thank you!",
        "We're back up. Appreciate the updates.",
    ),
    closings=(
        "Glad to hear it! Thanks for your patience today.",
        "Great news. If anything flickers or goes out again, let us know.",
    ),
    reopens=(
        "And it's out again. Same street, {street}.",
        "Power went back out about an hour after it came on.",
    ),
)

FLICKER = Topic(
    key="flicker",
    weight=6,
    posts=("outage_update",),
    openings=(
        "Lights have been flickering on and off all evening at our house on {street}. Is that something on "
        "your end?",
        "Our lights dim every time the AC kicks on. Started this week. {town}.",
        "Flickering lights in the whole house since the storm. Should I be worried?",
        "Every light on our side of {street} is flickering, neighbors too. Anyone looking at this?",
    ),
    subjects=("Flickering lights at {house} {street}", "Lights dimming, possible voltage problem"),
    first_replies=(
        "Flickering across the whole house can mean a loose connection on our side. We're sending a "
        "troubleman to check your service today.",
        "That's worth a look. A technician will check the connections at your meter and transformer "
        "between {window}; no need to be home.",
    ),
    asks=("Is it the whole house or just a few lights? And do your neighbors see it too?",),
    answers=(
        "Whole house. The neighbor at {house} says hers is doing the same.",
        "Pretty much every room, worst in the kitchen.",
    ),
    updates=(
        "Our technician found a corroded connector at the transformer and replaced it. Lights should be "
        "steady now.",
        "The technician tightened a loose connection at your meter base. Let us know if the flicker comes "
        "back.",
    ),
    notes=(
        "Troubleman found loose connector at transformer, repaired. Order {order}.",
        "Voltage at meter 114V after repair, within range.",
    ),
    thanks=("Lights are steady now, thanks for sending someone so fast.", "Tech was great. No more flicker!"),
    reopens=("The flickering is back, same as before.",),
)

LOST_NEUTRAL = Topic(
    key="lost_neutral",
    weight=2,
    urgent=True,
    openings=(
        "Half the outlets in my house work and half don't, and the lights are dim. What could cause that?",
        "Lights get super bright then dim whenever the dryer runs. Smells a little hot near the panel. "
        "{street}.",
    ),
    first_replies=(
        "That can be a broken neutral wire, which is a safety issue. Please turn off big appliances and "
        "stay out of the panel; a crew is on the way now.",
    ),
    updates=(
        "The crew found a broken neutral on your service line and replaced it. Everything should work "
        "normally now.",
    ),
    notes=("Lost neutral at weatherhead, service line replaced. Order {order}.",),
    thanks=("Everything's working again. Thank you for sending someone right away.",),
)

DOWNED_LINE = Topic(
    key="downed_line",
    weight=5,
    urgent=True,
    kinds=SOCIAL_KINDS,
    posts=("storm_prep", "outage_update"),
    openings=(
        "There's a power line down across {street} near {cross}!! Sparking. Kids walk here.",
        "Tree fell on the line behind our house at {house} {street}, wire is on the ground in our yard.",
        "Line down on {street} just past the school. Someone put a cone by it but it's still in the road.",
        "Pole snapped at {street} & {cross}, wires hanging low over the road. Please hurry.",
    ),
    first_replies=(
        "Thank you. Please stay at least 35 feet away and keep others back. We've dispatched a crew as an "
        "emergency. If there's fire, call 911.",
        "Please stay far away and assume the line is live. A crew is on the way now. For anything sparking "
        "or burning, call 911 or {phone}.",
    ),
    updates=(
        "The crew is on site and the line is de-energized. They'll have it back up shortly.",
        "Crew has made it safe; the pole should be repaired {eta}.",
    ),
    more=("Still sparking, nobody here yet!", "Fire truck just showed up. Is your crew close?"),
    notes=(
        "Called into dispatch as emergency, order {order}. {crew} en route.",
        "Fire dept on scene per dispatch. Line de-energized at {time}.",
    ),
    thanks=(
        "Crew is here, thank you for the quick response!",
        "Line's fixed. Thanks for taking it seriously.",
    ),
)

STORM = Topic(
    key="storm",
    weight=7,
    posts=("storm_prep", "outage_update"),
    openings=(
        "After last night's storm we're still out on {street}. Any idea when {town} will be restored?",
        "How long is storm restoration going to take? It's been {n} hours.",
        "Storm knocked out power to most of {town}. Can you give us an update?",
        "Generator is running but we're low on gas. Any ETA for {street}?",
    ),
    subjects=("Still out after the storm", "Storm outage in {town}"),
    first_replies=(
        "We know it's been a long night. Over 40 crews are working storm damage; {town} should be back "
        "{eta}. Thank you for hanging in there.",
        "Damage is widespread and crews restore hospitals and main lines first, then neighborhoods. Your "
        "area should be back {eta}.",
    ),
    updates=(
        "The main line to {town} is back; crews are now working the side streets including {street}.",
        "Crews are replacing two broken poles that feed {street}; power should be back {eta}.",
    ),
    more=("Neighbors two streets over have power. Why not us?", "Still nothing on {street}. Day two."),
    notes=("Storm event: {town} main feeder restored {time}, taps still out.",),
    thanks=("We're back on! Hats off to those crews working all night.", "Power restored. Thank you all."),
)

STORM_DAMAGE = Topic(
    key="storm_damage",
    weight=3,
    posts=("storm_prep",),
    openings=(
        "Big limb came down on the wire to our house after the storm. Is that something you fix or do I "
        "call an electrician?",
        "Storm ripped the wires off the side of our house at {house} {street}. Who fixes what?",
    ),
    subjects=("Storm damage at {house} {street}",),
    first_replies=(
        "We fix the line from the pole to your house, but the mast and meter box on the house belong to "
        "the owner. We'll send a crew to look.",
    ),
    updates=(
        "Your service line has been re-attached. If the mast on the house was bent, an electrician needs "
        "to repair it before we reconnect.",
    ),
    notes=(
        "Service drop down at {house} {street}, order {order}. Mast damaged, customer needs electrician.",
    ),
    thanks=("Electrician fixed the mast and you reconnected us. Thanks!",),
)

STREETLIGHT = Topic(
    key="streetlight",
    weight=6,
    posts=("outage_update",),
    openings=(
        "The streetlight in front of {house} {street} has been out for two weeks.",
        "Streetlight on {street} & {cross} keeps cycling on and off all night.",
        "Reporting a streetlight out by the park on {street}, pole number {pole}.",
        "Street light stays on all day on {street}. Wasting energy!",
    ),
    subjects=("Streetlight out on {street}", "Streetlight repair request"),
    first_replies=(
        "Thanks for reporting it! I've put in repair order {order} for the light on {street}. Repairs are "
        "usually done within 5 business days.",
        "Got it. Order {order} is in for the light near {street} & {cross}. A crew will replace the lamp "
        "and the light sensor.",
    ),
    asks=("Could you tell us the pole number? It's on a small metal tag about eye level on the pole.",),
    answers=("Tag says {pole}.", "Pole tag is {pole}, it's the one next to the fire hydrant."),
    updates=(
        "The crew replaced the light sensor on pole {pole}; it should work properly from dusk tonight.",
    ),
    notes=("Streetlight order {order}, pole {pole}, LED head replacement.",),
    thanks=("It's working again! Thank you.", "Light is fixed. The whole street thanks you."),
)

TREE_SCHEDULE = Topic(
    key="tree_schedule",
    weight=3,
    posts=("tree_trimming",),
    openings=(
        "When are the tree crews coming to {street}? Branches are touching the lines behind our house.",
        "Do I get notice before trimming? We have a 60-year-old oak I'd hate to see butchered.",
    ),
    subjects=("Tree trimming near {house} {street}",),
    first_replies=(
        "{street} is on this month's trimming schedule. Crews knock before working in backyards, and they "
        "prune to keep trees healthy.",
    ),
    updates=(
        "Bluestem Tree Care has your block on {day}. They'll knock first and talk through what they plan "
        "to cut.",
    ),
    notes=("Confirmed with Bluestem: {street} scheduled {day}.",),
    thanks=("They were careful with our oak. Appreciate it.", "Crew was polite and tidy. Thanks."),
)

TREE_DEBRIS = Topic(
    key="tree_debris",
    weight=2,
    posts=("tree_trimming",),
    openings=(
        "Your contractor left a huge pile of branches in our yard on {street}. Who picks these up?",
        "Tree crew cut branches on {street} three days ago and just left them in the alley.",
    ),
    first_replies=(
        "Sorry about that! Debris from routine trimming is chipped the same week. I've asked Bluestem Tree "
        "Care to come back for it.",
    ),
    updates=("Bluestem confirmed their chip crew will be on {street} {day}.",),
    notes=("Contractor confirmed chip crew for {street} on {day}.",),
    thanks=("Crew came by and cleaned it all up. Thanks!",),
)

TREE_ON_LINE = Topic(
    key="tree_on_line",
    weight=2,
    posts=("tree_trimming", "storm_prep"),
    openings=(
        "There's a dead tree leaning on the line in the alley behind {house} {street}.",
        "Huge branch is resting on the wires over {street} since the wind yesterday.",
    ),
    first_replies=(
        "Thanks for the heads-up. I've asked a forester to check it within 48 hours. If the line comes "
        "down or sparks, stay back and call {phone}.",
    ),
    updates=("The forester marked it for removal; a crew is scheduled for {day}.",),
    notes=("Forester review requested, order {order}.",),
    thanks=("Crew took it down this morning. Thanks!",),
)

SERVICE_DROP = Topic(
    key="service_drop",
    weight=2,
    kinds=("dm", "messenger", "email", "mention"),
    openings=(
        "Can you disconnect the wire to my house so I can have a tree taken down?",
        "Tree service says you need to drop our service line before they cut. How do I schedule that?",
    ),
    subjects=("Service drop for tree removal",),
    first_replies=("Yes, we do a free 'make safe' disconnect so your tree company can work safely.",),
    asks=("What's the address and the date your tree company is scheduled?",),
    answers=("{house} {street}, they're coming on the {date}.",),
    updates=(
        "All set: a crew will disconnect the morning of the {date} and reconnect when the tree is down. "
        "Order {order}.",
    ),
    notes=("Make-safe disconnect order {order}.",),
    thanks=("Perfect, thank you.",),
)

PRAISE = Topic(
    key="praise",
    weight=6,
    posts=("outage_update", "storm_prep"),
    openings=(
        "Huge thanks to the line crew working on {street} in the rain last night. You guys are heroes.",
        "Shoutout to the crew in {town} today, fixed our outage in under an hour!",
        "Just want to say the tech who came out this morning was so kind and explained everything.",
        "Power was restored faster than estimated. Appreciate your crews!",
    ),
    first_replies=(
        "Thank you so much! We'll make sure the crew hears this.",
        "This made our day. We'll pass it along to the crew and their supervisor!",
    ),
    notes=("Forwarded compliment to {crew} supervisor.",),
)

GAS_SMELL = Topic(
    key="gas_smell",
    weight=4,
    urgent=True,
    kinds=SOCIAL_KINDS,
    posts=("gas_safety",),
    openings=(
        "I smell gas outside my house on {street}, like rotten eggs near the meter.",
        "Strong gas smell in the basement at {house} {street}. Is this normal??",
        "Smells like gas all along {street} near {cross}. Anyone else reporting this?",
        "My neighbor's house smells like gas and nobody is home. What do I do?",
    ),
    first_replies=(
        "Please leave the house and the area now, then call 911 or our 24/7 gas emergency line {phone}. "
        "Don't flip switches or start cars nearby. A crew is on the way.",
        "Please get everyone away from the smell now and call 911 or {phone} from a safe distance. Don't "
        "use light switches or lighters. A technician is on the way.",
    ),
    updates=(
        "Our technician found a small leak at the meter fitting and repaired it. It's safe to go back "
        "inside.",
        "The crew found a leak in the service line and shut off the gas while they repair it. They'll "
        "relight pilots when done.",
    ),
    more=("We're outside now. How long until someone gets here?",),
    notes=(
        "Customer told to evacuate and call {phone}. Gas dispatch notified {time}, order {order}.",
        "Tech on site: leak at meter riser, repaired, pilots relit.",
    ),
    thanks=("Tech just left, fixed a leak by the meter. Thanks for moving fast.", "All clear. Thank you!"),
)

MEDICAL_REGISTRATION = Topic(
    key="medical",
    weight=3,
    posts=("assistance",),
    openings=(
        "My husband is on oxygen. How do we get on the priority list for outages?",
        "I have a medical certificate from my doctor. Where do I send it so my power isn't shut off?",
        "Do you have a life-support customer program? My son uses a ventilator.",
    ),
    subjects=("Medical certificate for account ending {acct}", "Life support equipment registration"),
    first_replies=(
        "We can add you to our medical needs list. Your doctor fills out the form at "
        "prairie-eg.example/medical; it protects against disconnection and can be renewed.",
    ),
    asks=("Please send the completed certificate and the account number; I'll make sure it gets on file.",),
    answers=(
        "Doctor's office faxed it today. Account ends in {acct}.",
        "Sent it through the website. Account ending {acct}.",
    ),
    updates=(
        "Your certificate is on file and your account is flagged for life support. We'll remind you before "
        "it expires.",
    ),
    notes=(
        "Life-support flag added to acct ending {acct}.",
        "Medical certificate received, valid 30 days, reminder set.",
    ),
    thanks=("Thank you, that's a weight off my mind.",),
)

MEDICAL_OUTAGE = Topic(
    key="medical_outage",
    weight=2,
    urgent=True,
    openings=(
        "My mom uses a home dialysis machine at {house} {street}. Power has been out {n} hours, please help.",
        "Dad's oxygen concentrator is on battery and we've been out since {time}. {street}, {town}.",
    ),
    first_replies=(
        "I'm so sorry. If it's a medical emergency, call 911. I've flagged this outage as life-support "
        "priority with dispatch; power should be back {eta}.",
    ),
    updates=(
        "Power is restored on {street}. I've also added a life-support flag to the account so you're "
        "prioritized next time.",
    ),
    notes=("Life-support priority raised with dispatch, {crew}.",),
    thanks=("Power's back. Thank you for getting it prioritized.",),
)

TOPICS = (
    OUTAGE,
    FLICKER,
    LOST_NEUTRAL,
    DOWNED_LINE,
    STORM,
    STORM_DAMAGE,
    STREETLIGHT,
    TREE_SCHEDULE,
    TREE_DEBRIS,
    TREE_ON_LINE,
    SERVICE_DROP,
    PRAISE,
    GAS_SMELL,
    MEDICAL_REGISTRATION,
    MEDICAL_OUTAGE,
)
