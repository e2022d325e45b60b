"""Text bank: bills, payments, meters and the people who pretend to be us."""

from .content import Topic

HIGH_BILL = Topic(
    key="high_bill",
    weight=18,
    posts=("rate_change", "assistance"),
    openings=(
        "My bill is {amount} this month, usually around {usual}. Nothing changed at our house. Can someone "
        "explain?",
        "Why did my bill double?? {amount} for a 2-bedroom apartment!",
        "Bill came in at {amount} vs {usual} last month. Is my meter broken?",
        "How is my gas bill {amount} when we barely used the heat?",
        "Just got a {amount} bill. That can't be right, we were out of town for a week.",
        "Our bill went from {usual} to {amount}. Is this the rate increase?",
    ),
    subjects=(
        "Bill much higher than usual",
        "Question about my {amount} bill",
        "High bill, account ending {acct}",
    ),
    first_replies=(
        "I'd be glad to look at it with you. Bills after a cold snap often jump because heating runs much "
        "longer.",
        "Sorry for the surprise! Let's take a look together and compare it with last year's usage.",
        "Happy to review it. A longer billing period or a catch-up after an estimated read can both cause "
        "a jump.",
    ),
    asks=(
        "Can you send us the account number or service address? I'll compare your usage with last year.",
        "What's the service address and the last 4 of the account number? I'll pull up your usage.",
    ),
    answers=(
        "{house} {street}, {town}. Acct ends {acct}.",
        "Account ending in {acct}, service address is {house} {street}.",
    ),
    updates=(
        "I checked: your usage was {kwh} kWh and the bill covered 35 days. It was an actual read, not an "
        "estimate; the cold snap is the likely culprit.",
        "The previous bill was estimated low and this one caught up with an actual read. I can spread the "
        "difference over 3 months if that helps.",
        "Your meter checks out. Most of the increase is heating on the coldest days; our free home energy "
        "audit can help find savings.",
    ),
    more=(
        "Can I get the meter tested?",
        "OK that makes sense. Can it be split up?",
        "Is there any program to help with this?",
    ),
    notes=(
        "Usage {kwh} kWh, 35-day cycle, actual read. No billing error found.",
        "Previous read estimated; catch-up bill. Offered 3-month split.",
        "Meter test order {order} at customer request.",
    ),
    thanks=("OK, that explains it. Thanks for walking me through it.", "Thanks, that helps a lot."),
)

PAYMENT_ARRANGEMENT = Topic(
    key="payment_arrangement",
    weight=10,
    posts=("assistance",),
    kinds=("dm", "messenger", "email", "comment"),
    openings=(
        "I got a disconnect notice for {amount}. I can pay half on Friday and the rest with my next check. "
        "Is that possible?",
        "Lost my job last month and I'm behind on the bill. What are my options?",
        "Can I set up a payment plan? Balance is {amount}.",
        "Need a few extra days to pay, payday is the {date}. Will my service get shut off?",
    ),
    subjects=("Payment arrangement request", "Disconnect notice, need more time"),
    first_replies=(
        "Sorry you're dealing with this. We can set up a payment arrangement; paying part now stops the "
        "disconnect notice.",
        "We can help. You may also qualify for energy assistance through LIHEAP; call 211 to apply.",
    ),
    asks=("Please send the account number and how much you can pay now and when; I'll set it up.",),
    answers=("Acct ending {acct}. I can do half now and the rest on the {date}.",),
    updates=(
        "Done: half by {day}, the rest by the {date}. The disconnect is on hold as long as the payments "
        "are made.",
    ),
    notes=(
        "Payment arrangement created: 2 installments. Disconnect order {order} held.",
        "Referred to LIHEAP via 211; 14-day extension granted.",
    ),
    thanks=("Thank you so much, that's a huge relief.", "Thank you. Really."),
)

AUTOPAY_FAILED = Topic(
    key="autopay_failed",
    weight=3,
    posts=("assistance",),
    openings=(
        "Autopay didn't go through this month and now I have a late fee. I didn't change anything!",
        "Got a returned payment notice but I'm on autopay. What happened?",
    ),
    subjects=("Late fee but I'm on autopay", "Returned payment notice"),
    first_replies=("Sorry about that! Let me look at what happened with the autopay draft.",),
    asks=("What's the account number? The last 4 digits are enough.",),
    answers=("Ends in {acct}.", "Account ending {acct}."),
    updates=(
        "Found it: the bank returned the payment because the account number changed. I've waived the late "
        "fee; please update autopay online.",
    ),
    notes=("Late fee waived (courtesy); customer to update bank details.",),
    thanks=("Thanks for waiving the fee!",),
)

AUTOPAY_DOUBLE = Topic(
    key="autopay_double",
    weight=3,
    kinds=("dm", "messenger", "email", "mention"),
    openings=(
        "I was charged twice for the same bill through autopay. {amount} x2.",
        "My bank shows two drafts from Prairie Electric this month, {amount} each.",
    ),
    subjects=("Charged twice this month",),
    first_replies=("A double draft should never happen; we'll get it refunded.",),
    asks=("Which date were the charges, and what's the last 4 of the account?",),
    answers=("Both on the {date}, account ending {acct}.",),
    updates=(
        "The duplicate draft of {amount} has been reversed; it'll be back in your account in 3 to 5 "
        "business days.",
    ),
    notes=("Refund request for duplicate draft submitted, ref {order}.",),
    thanks=("Thanks for sorting that out quickly.",),
)

AUTOPAY_SETUP = Topic(
    key="autopay_setup",
    weight=2,
    openings=(
        "How do I switch my autopay to a new bank account?",
        "Can I change the date autopay takes the payment?",
    ),
    subjects=("Autopay question",),
    posts=("assistance",),
    first_replies=(
        "You can manage autopay at prairie-eg.example/pay: bank account and draft date. Changes apply from "
        "the next bill.",
    ),
    thanks=("Easy, thanks!",),
)

METER_READ = Topic(
    key="meter_read",
    weight=6,
    posts=("rate_change",),
    openings=(
        "My bill says 'estimated read' three months in a row. Is anyone reading the meter?",
        "Your estimated read is way higher than my actual meter. Meter shows {kwh}.",
        "Meter reader can't get in, the gate is locked because of the dog. How can I send a read?",
    ),
    subjects=("Estimated bill again", "Meter reading for account ending {acct}"),
    first_replies=(
        "Sorry about that! Estimates happen when we can't get a read. Send us a photo of your meter and "
        "we'll rebill with the actual read.",
        "You can submit a read at prairie-eg.example/meter or send us a photo of the dials here, and we'll "
        "rebill.",
    ),
    asks=("Could you send a photo of the meter showing the numbers and the meter number?",),
    answers=("Meter {meter} shows {kwh}.", "Here you go: meter {meter}, reading {kwh}."),
    updates=("Thanks! I've rebilled with your read; the corrected bill is {usual}, down from {amount}.",),
    notes=("Rebilled with customer read {kwh}, credit applied.",),
)

SMART_METER = Topic(
    key="smart_meter",
    weight=2,
    openings=(
        "Is the smart meter you installed last month working? Bill looks off.",
        "Got a new smart meter and my bill says 'estimated'. Isn't it supposed to read itself?",
    ),
    subjects=("New smart meter, estimated bill",),
    posts=("rate_change",),
    first_replies=("Let me check how your new meter is reporting.",),
    asks=("What's the account number (last 4) or the service address?",),
    updates=(
        "Your meter wasn't sending reads, so the bill was estimated. It's communicating again and I've "
        "rebilled with the actual read.",
    ),
    notes=("Smart meter {meter} not reporting, field order {order}.",),
)

BUDGET_SIGNUP = Topic(
    key="budget_billing",
    weight=3,
    posts=("assistance",),
    openings=(
        "Do you offer budget billing? I'd like the same bill every month.",
        "Want to sign up for level pay before winter. How?",
    ),
    subjects=("Budget billing sign-up",),
    first_replies=(
        "Yes! Budget billing averages your last 12 months so your payment stays about the same. It's "
        "reviewed every six months.",
    ),
    asks=("Want me to enroll you? Just confirm the account number (last 4) and service address.",),
    answers=("Yes please, ending {acct}, {house} {street}.",),
    updates=("You're enrolled. Your budget amount is {usual} starting next bill.",),
    notes=("Enrolled in budget billing, amount {usual}.",),
)

BUDGET_REVIEW = Topic(
    key="budget_review",
    weight=2,
    openings=(
        "How is my budget billing amount calculated? It went up to {amount}.",
        "Why did my level pay amount go up? Same house, same people.",
    ),
    subjects=("Question about my budget amount",),
    posts=("assistance",),
    first_replies=(
        "Your budget amount is reviewed every six months; it went up because last winter's usage was more "
        "than the plan covered.",
    ),
    thanks=("Makes sense, thanks.",),
)

SCAM = Topic(
    key="scam",
    weight=6,
    posts=("assistance",),
    openings=(
        "Got a call saying my power would be cut off in an hour unless I paid with a gift card. Was that "
        "you?",
        "Someone claiming to be Prairie Electric came to my door asking for my account number and a "
        "'refund fee'. Legit?",
        "Text message says I overpaid and need to click a link for a refund. Is that real?",
        "Caller ID showed your number and said a truck was on the way to disconnect me. I'm current on my "
        "bill!",
    ),
    subjects=("Suspicious call about disconnection", "Is this message from you?"),
    first_replies=(
        "That wasn't us, it's a scam. We never demand gift cards, never threaten same-day shutoff, and our "
        "staff carry photo ID. Please don't pay or click.",
        "Thanks for checking with us! That was a scammer. Your account is in good standing; you can report "
        "it at reportfraud.ftc.gov.",
    ),
    notes=("Scam report forwarded to corporate security.",),
    thanks=("Figured. Glad I checked!", "Thanks, I'll ignore them."),
)

RATE_CHANGE = Topic(
    key="rate_change",
    weight=4,
    kinds=("mention", "comment", "email"),
    posts=("rate_change",),
    openings=(
        "What does this rate change mean for my bill? How much more will I pay?",
        "Another rate increase? How is this fair?",
        "When does the new rate start, and is there anything I can do to lower my bill?",
    ),
    subjects=("Question about the rate change",),
    first_replies=(
        "For a typical home using 1,000 kWh it's about $6 a month, starting with bills issued next month. "
        "Tips: prairie-eg.example/save",
        "We hear you. The change pays for grid upgrades approved by the State Utility Commission; the "
        "order is at prairie-eg.example/rates.",
    ),
    thanks=("Thanks for the straight answer.",),
)

TOPICS = (
    HIGH_BILL,
    PAYMENT_ARRANGEMENT,
    AUTOPAY_FAILED,
    AUTOPAY_DOUBLE,
    AUTOPAY_SETUP,
    METER_READ,
    SMART_METER,
    BUDGET_SIGNUP,
    BUDGET_REVIEW,
    SCAM,
    RATE_CHANGE,
)
