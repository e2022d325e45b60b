"""Text bank: moving, building, solar, and the organizations with an account manager."""

from .content import Topic

MOVE = Topic(
    key="move",
    weight=10,
    kinds=("dm", "messenger", "email", "mention"),
    openings=(
        "Moving from {street} to {house} {cross} on the {date}. How do I transfer service?",
        "Need to stop service at {house} {street}, closing on the house {day}.",
        "Just moved into an apartment on {street}, how do I get the power put in my name?",
        "Bought a house in {other_town}. Seller says power shuts off the day we close. Can you start "
        "service that day?",
    ),
    subjects=(
        "Transfer service, moving on the {date}",
        "Start service at {house} {cross}",
        "Stop service request",
    ),
    first_replies=(
        "Congrats on the move! We can set that up for you.",
        "Happy to help with the move. It only takes a few details.",
    ),
    asks=(
        "Please send the address and the date you want service to start or stop; I'll take it from there.",
    ),
    answers=(
        "It's {house} {cross}, {other_town}, on the {date}.",
        "{house} {street}, the {date} please.",
    ),
    updates=(
        "All set for the {date} with no interruption. Confirmation {order}.",
        "Done. Confirmation {order}. No deposit needed thanks to your payment history.",
    ),
    notes=("Service order {order} created. Deposit waived (good payment history).",),
    thanks=("That was easy, thanks!", "Perfect, one less thing to worry about."),
)

NEW_SERVICE = Topic(
    key="new_service",
    weight=3,
    kinds=("email", "messenger", "dm"),
    openings=(
        "Building a new house on {street} outside {town}. How do I get a new electric service?",
        "Our builder says we need a temporary service for construction. Who do I talk to?",
    ),
    subjects=("New service for construction on {street}",),
    first_replies=(
        "Congrats on the build! Requests start at prairie-eg.example/new-service; a planner will contact "
        "you within 10 business days.",
    ),
    asks=("Can you share the lot address and the builder's name?",),
    answers=("Lot 14 on {street}; builder is Heartland Homes.",),
    updates=(
        "Your planner has finished the design; the crew is scheduled for {day} the {date}, weather "
        "permitting.",
    ),
    notes=("New service application routed to New Construction, order {order}.",),
    thanks=("Great, thanks!",),
)

NEW_SERVICE_STATUS = Topic(
    key="new_service_status",
    weight=2,
    kinds=("email", "messenger", "dm"),
    openings=(
        "We applied for a new hookup 6 weeks ago (order {order}) and haven't heard back.",
        "The crew was supposed to set our meter on {day} and nobody came. Order {order}.",
    ),
    subjects=("Status of new hookup {order}",),
    first_replies=("I'm sorry for the wait. Let me check with our new construction team.",),
    updates=(
        "The order was waiting on an easement signature. It's signed now and the job is released to "
        "construction.",
        "The crew was pulled to storm work. You're rescheduled for {day}; I've noted to call you the day "
        "before.",
    ),
    notes=("Order {order} stuck waiting on easement. Emailed New Construction planning.",),
    thanks=("Thanks for chasing that down.",),
)

SOLAR_METER = Topic(
    key="solar",
    weight=3,
    posts=("rate_change",),
    openings=(
        "Installed solar last month. When will the net meter be installed?",
        "My solar installer submitted the interconnection application {n} weeks ago. Status?",
    ),
    subjects=("Net meter for new solar", "Interconnection application status"),
    first_replies=(
        "Congrats on going solar! Once the inspection is approved, the meter swap happens within 10 "
        "business days. Let me check yours.",
    ),
    asks=("What's the application number or the installer's name? I'll check where it stands.",),
    answers=("Installer is Sunbelt Solar, application {order}.",),
    updates=(
        "Your interconnection agreement is signed and the meter swap is set for {day}. Please don't turn "
        "the system on until then!",
    ),
    notes=("Interconnection app {order}: inspection passed, meter swap ordered.",),
    thanks=("Awesome, can't wait to flip it on.",),
)

SOLAR_BILL = Topic(
    key="solar_bill",
    weight=2,
    posts=("rate_change",),
    openings=(
        "How does net metering show up on my bill? I see a 'received' line I don't understand.",
        "My bill shows kWh delivered and kWh received. Which is which?",
    ),
    first_replies=(
        "'Delivered' is what you used from us; 'received' is what your panels sent to the grid, credited "
        "against what you used.",
    ),
    thanks=("Got it, thanks!",),
)

SOLAR_QUESTION = Topic(
    key="solar_question",
    weight=1,
    posts=("rate_change",),
    openings=(
        "Thinking about solar. What's your buyback rate for extra kWh?",
        "Do you credit extra solar at the full retail rate?",
    ),
    first_replies=(
        "Extra generation is credited at the rate shown at prairie-eg.example/solar, and credits roll over "
        "month to month.",
    ),
)

HOSPITAL_PLANNED_OUTAGE = Topic(
    key="key_planned_outage",
    weight=2,
    audience="key_account",
    domains=("stbrigid-health.example",),
    kinds=("email",),
    openings=(
        "Our facilities team received a notice about planned maintenance on the feeder serving the east "
        "campus. As a hospital we need 14 days' notice and the exact window to schedule the generator "
        "transfer. Can you confirm the date and time?",
    ),
    subjects=("Planned feeder maintenance: east campus",),
    first_replies=(
        "Thank you for the heads-up. I'm confirming the switching window with our distribution operations "
        "team now.",
    ),
    updates=(
        "Confirmed: the work is scheduled for {day} the {date}, 1 am to 5 am, and the feeder will be "
        "switched so your campus stays on the alternate source.",
    ),
    notes=("Key account: forwarded to account manager and distribution ops. Switching order {order}.",),
    thanks=("Thank you, that's exactly what we needed.",),
)

HOSPITAL_LOAD_TEST = Topic(
    key="key_load_test",
    weight=1,
    audience="key_account",
    domains=("stbrigid-health.example",),
    kinds=("email",),
    openings=(
        "We will run our quarterly generator load test on {day} at 6 am and transfer the whole campus off "
        "the grid for about 90 minutes. Please let your operations center know so it isn't read as a fault.",
    ),
    subjects=("Generator load test on {day}",),
    first_replies=(
        "Thanks for the advance notice. I've sent this to our operations center and to your account manager.",
    ),
    updates=("Operations has logged your load test and won't dispatch for the transfer.",),
    notes=("Key account: load test logged with distribution ops.",),
    thanks=("Thank you.",),
)

PLANT_VOLTAGE_SAG = Topic(
    key="key_voltage_sag",
    weight=2,
    audience="key_account",
    domains=("cedarmill.example",),
    kinds=("email",),
    openings=(
        "Line 3 tripped at {time} on {day} due to what looks like a voltage sag. It cost us four hours of "
        "production. Can you share the event data from the substation?",
    ),
    subjects=("Voltage sag tripped Line 3 on {day}",),
    first_replies=(
        "I'm sorry about the lost production. I've asked our power quality engineers for the event records "
        "and copied your account manager.",
    ),
    updates=(
        "Engineering confirms a fault on a neighboring feeder caused a short, deep sag; your account "
        "manager is sending the event report.",
    ),
    notes=("Key account: power quality event request to engineering, ref {order}.",),
    thanks=("Thanks, we'll review the report with our electrician.",),
)

PLANT_DEMAND_CHARGE = Topic(
    key="key_demand_charge",
    weight=1,
    audience="key_account",
    domains=("cedarmill.example",),
    kinds=("email",),
    openings=(
        "Our demand charge on the last invoice was {amount}, far above our usual {usual}. We had no "
        "production change that week.",
    ),
    subjects=("Demand charge question, invoice ending {acct}",),
    first_replies=(
        "Thank you. I've asked our commercial billing team to review the 15-minute demand data for that "
        "week.",
    ),
    updates=(
        "The peak was a 15-minute interval on {day} at 2:15 pm, when both compressors started together "
        "after a restart.",
    ),
    notes=("Key account: demand interval review, ref {order}.",),
    thanks=("That matches our restart. Thanks for digging in.",),
)

CAMPUS_STREETLIGHTS = Topic(
    key="key_campus_lights",
    weight=1,
    audience="key_account",
    domains=("prairiestate.example",),
    kinds=("email",),
    openings=(
        "Several streetlights along University Dr near the residence halls are out, which is a safety "
        "concern for students walking at night.",
    ),
    subjects=("Streetlights out on University Dr",),
    first_replies=(
        "Thank you for flagging this. I've opened priority repair orders for the lights along University Dr.",
    ),
    updates=(
        "The crew replaced five lamps along University Dr last night; please let us know if any are still "
        "dark.",
    ),
    notes=("Key account: priority streetlight orders, {order}.",),
)

CAMPUS_NEW_LOAD = Topic(
    key="key_campus_load",
    weight=1,
    audience="key_account",
    domains=("prairiestate.example",),
    kinds=("email",),
    openings=(
        "We are planning a new residence hall and need a load letter for roughly 2 MW of service by next "
        "spring. Who should we work with?",
    ),
    subjects=("Load letter for new residence hall",),
    first_replies=(
        "Congratulations on the project! I've passed your request to your account manager and our major "
        "projects team.",
    ),
    updates=(
        "Major Projects will send the load letter by {day}; your account manager will set up a kickoff "
        "meeting.",
    ),
    notes=("Key account: routed to account manager, order {order}.",),
)

DATACENTRE_SWITCHING = Topic(
    key="key_dc_switching",
    weight=1,
    audience="key_account",
    domains=("northgate-dc.example",),
    kinds=("email",),
    openings=(
        "Our change board meets on {day}. Is the switching on feed B still planned for next month? "
        "We need the window and the switching order number to approve the transfer to feed A.",
    ),
    subjects=("Feed B switching: change board on {day}",),
    first_replies=(
        "Thanks for asking early. I'm getting the confirmed window and switching order from transmission "
        "operations.",
    ),
    updates=(
        "Confirmed: feed B switching is planned for the 1 am to 4 am window, switching order {order}. Your "
        "account manager will call the day before.",
    ),
    notes=("Key account: switching order {order} shared with Northgate's change board.",),
    thanks=("Thank you, that's approved on our side.",),
)

BUSINESS_BILL = Topic(
    key="business_bill",
    weight=2,
    audience="business",
    kinds=("email",),
    openings=(
        "Our commercial bill went from {usual} to {amount} and we haven't changed our hours. Can you check "
        "the meter?",
    ),
    subjects=("Commercial bill question",),
    first_replies=("Thanks for reaching out. I'll have our commercial team review the usage and the meter.",),
    updates=(
        "The meter tested within range; the increase is the new demand ratchet from the summer peak. I can "
        "walk you through it.",
    ),
    notes=("Commercial account, verified authorized contact.",),
    thanks=("OK, thank you for explaining.",),
)

BUSINESS_CONTACT = Topic(
    key="business_contact",
    weight=1,
    audience="business",
    kinds=("email",),
    openings=("Please update the billing contact for our account ending {acct} to our new office manager.",),
    subjects=("Billing contact change",),
    first_replies=("Happy to help.",),
    asks=("Could you send the new contact's name, phone and email?",),
    answers=("Pat Greene, our office manager. Same phone and address as before.",),
    updates=("Done: the billing contact is updated.",),
    notes=("Commercial account, verified authorized contact.",),
)

TOPICS = (
    MOVE,
    NEW_SERVICE,
    NEW_SERVICE_STATUS,
    SOLAR_METER,
    SOLAR_BILL,
    SOLAR_QUESTION,
    HOSPITAL_PLANNED_OUTAGE,
    HOSPITAL_LOAD_TEST,
    PLANT_VOLTAGE_SAG,
    PLANT_DEMAND_CHARGE,
    CAMPUS_STREETLIGHTS,
    CAMPUS_NEW_LOAD,
    DATACENTRE_SWITCHING,
    BUSINESS_BILL,
    BUSINESS_CONTACT,
)
