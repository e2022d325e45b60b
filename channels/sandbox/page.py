"""The control page a person sees at the sandbox's control address (channels/sandbox/control.py).

Plain HTML forms, no script: each button POSTs and comes back here with a line saying what
happened. Its stylesheet is static/sandbox.css, served by the control server itself.
"""

from html import escape

from .faults import FAULTS

KIND_LABELS = {
    "mention": "X mention",
    "dm": "X DM",
    "comment": "Facebook comment",
    "post": "Facebook visitor post",
    "messenger": "Messenger message",
    "email": "Email",
    "ig_comment": "Instagram comment",
    "ig_dm": "Instagram DM",
}
KIND_HELP = {
    "mention": "A public tweet naming the utility's account",
    "dm": "A private message to the account on X",
    "comment": "A comment under one of the Page's posts",
    "post": "A post a visitor writes on the Page itself",
    "messenger": "A private message to the Page",
    "email": "A mail to the help mailbox, read over IMAP",
    "ig_comment": "A comment under one of the Instagram account's posts",
    "ig_dm": "A direct message to the account on Instagram",
}
SHOWN = 100  # rows of each list
PLATFORMS = (("x", "X API"), ("graph", "Graph API (Facebook, Messenger)"), ("smtp", "Mail server (SMTP)"))


A_KIND = {
    "mention": "an X mention",
    "dm": "an X DM",
    "comment": "a Facebook comment",
    "post": "a Facebook visitor post",
    "messenger": "a Messenger message",
    "email": "an email",
    "ig_comment": "an Instagram comment",
    "ig_dm": "an Instagram DM",
}


def a_kind(kind):
    return A_KIND[kind]


def render(control, flash=None):
    app = escape(control.app_url or "")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sandbox · OSS Inbox</title>
<link rel="stylesheet" href="/sandbox.css">
</head>
<body>
<header class="topbar">
  <span class="brand">OSS Inbox <span class="muted">sandbox</span></span>
  <nav aria-label="Sandbox">{_app_link(app)}<a href="/">Refresh</a></nav>
</header>
<main>
<section class="intro">
  <h1>The sandbox</h1>
  <p>Stand-ins for X, Facebook and a mail server, on this computer. Simulated customers write to them,
  OSS Inbox reads them as it would the real ones, and every reply it sends lands here.
  Nothing reaches the internet.{_app_line(app)}</p>
  {_customers_line(control)}
  {_servers(control)}
</section>
{_flash(flash)}
<div class="columns">
<div class="column">
{_write_card(control)}
{_storm_card(control)}
{_scenario_card(control)}
{_faults_card(control)}
{_webhooks_card(control)}
</div>
<div class="column">
{_sent_card(control)}
{_written_card(control)}
</div>
</div>
</main>
</body>
</html>
"""


def _app_link(app):
    return f'<a href="{app}">Open OSS Inbox</a>' if app else ""


def _app_line(app):
    if not app:
        return ""
    logins = "(the demo logins are in var/demo-logins.txt)"
    return f' Sign in to <a href="{app}">OSS Inbox</a> to answer them {logins}.'


def _customers_line(control):
    simulator = control.simulator
    low, high = control.interval
    if simulator.writing:
        state = f"One writes every {low:g} to {high:g} seconds, on a channel of their choosing."
        button = '<input type="hidden" name="writing" value="off"><button type="submit">Pause them</button>'
    else:
        state = "They are paused: only the buttons below make them write."
        button = (
            '<input type="hidden" name="writing" value="on"><button type="submit">Let them write</button>'
        )
    return (
        f'<form method="post" action="/customers" class="status"><span><strong>Simulated customers:</strong> '
        f"{state}</span> {button}</form>"
    )


def _servers(control):
    if not control.servers:
        return ""
    items = "".join(
        f"<li>{escape(name)} <code>{escape(address)}</code></li>" for name, address in control.servers.items()
    )
    return (
        f'<details class="servers"><summary>Where the fake servers listen</summary><ul>{items}</ul></details>'
    )


def _flash(flash):
    if not flash:
        return ""
    level, text = flash
    role = "alert" if level == "error" else "status"
    return f'<p class="flash {escape(level)}" role="{role}">{escape(text)}</p>'


def _write_card(control):
    buttons = "".join(
        f'<button type="submit" name="kind" value="{kind}" title="{escape(KIND_HELP[kind])}">'
        f"{escape(label)}</button>"
        for kind, label in KIND_LABELS.items()
        if kind in control.simulator.kinds
    )
    return f"""<section class="card" id="write" aria-labelledby="write-title">
  <h2 id="write-title">Make a customer write now</h2>
  <form method="post" action="/write">
    <div class="field">
      <label for="text">What they say <span class="help">optional</span></label>
      <textarea id="text" name="text" rows="3" maxlength="5000"
        placeholder="There is a downed line on Elm St, sparks everywhere"></textarea>
      <p class="help">Leave it empty for words from the demo's text bank.
        Try a hazard to see safety triage.</p>
    </div>
    <div class="field">
      <label for="customer">Who writes</label>
      <select id="customer" name="customer">{_customer_options(control)}</select>
      <p class="help">Someone who wrote before answers our last reply to them, so it joins their ticket.</p>
    </div>
    <div class="buttons" role="group" aria-label="Write as">{buttons}</div>
  </form>
</section>"""


def _customer_options(control):
    options = ['<option value="new" selected>A new customer</option>']
    earlier = control.simulator.customers_who_wrote()[:SHOWN]
    if earlier:
        people = "".join(
            f'<option value="{index}">{escape(person.name)} '
            f"(@{escape(person.handle)} · {escape(person.email)})</option>"
            for index, person in earlier
        )
        options.append(f'<optgroup label="Who wrote before, latest first">{people}</optgroup>')
    return "".join(options)


def _storm_card(control):
    state = control.simulator.storm_state
    if state and state["running"]:
        progress = f"{state['written']} of {state['count']} customers wrote"
        now = f'<p class="state busy">A storm is going: {progress}.</p>'
    elif state:
        now = (
            f'<p class="state">The last storm is over: {state["written"]} customers wrote, '
            f"starting {_clock(state['started'])}.</p>"
        )
    else:
        now = ""
    return f"""<section class="card" id="storm" aria-labelledby="storm-title">
  <h2 id="storm-title">Start a storm</h2>
  <p>Many customers report an outage at once, across every channel: the test bed for storm mode.</p>
  <form method="post" action="/storm" class="inline">
    <label>Customers <input type="number" name="count" value="50" min="1" max="500" required></label>
    <label>Within <input type="number" name="seconds" value="60" min="0" max="600" required> seconds</label>
    <button type="submit">Start a storm</button>
  </form>
  {now}
</section>"""


def _scenario_card(control):
    state = control.player.state()
    if state["running"]:
        progress = (
            f"{state['written']:,} of {state['planned']:,} messages written, from {len(state['areas'])} areas"
        )
        now = f'<p class="state busy">The storm scenario is going: {progress}.</p>'
    elif "planned" in state:
        failed = f", {state['failed']:,} could not be written" if state["failed"] else ""
        written = f"{state['written']:,} messages written{failed}"
        now = f'<p class="state">The last storm scenario is over: {written}.</p>'
    else:
        now = ""
    return f"""<section class="card" id="storm-scenario" aria-labelledby="scenario-title">
  <h2 id="scenario-title">A storm night</h2>
  <p>Feeders trip one after another in six areas of the sample service area; their customers report outages on
  every channel (X, Facebook, Messenger, Instagram, email), ordinary messages keep coming, and the outage map
  below lists the areas with ETRs that move. The ground truth says which area each report belongs to.</p>
  <form method="post" action="/storm/scenario" class="inline">
    <label>Minutes <input type="number" name="minutes" value="30" min="1" max="180" required></label>
    <label>Times the everyday pace
      <input type="number" name="rate" value="50" min="1" max="200" required></label>
    <label>Seed <input type="number" name="seed" value="1" required></label>
    <button type="submit">Start the storm scenario</button>
  </form>
  {now}
  <p class="help">Outage map: <a href="/outages.json">/outages.json</a> ·
  <a href="/outages.csv">/outages.csv</a>. Ground truth: <a href="/storm/truth">/storm/truth</a>.</p>
</section>"""


def _faults_card(control):
    faults = control.faults()
    blocks = []
    for platform, name in PLATFORMS:
        buttons = "".join(
            f'<button type="submit" name="fault" value="{key}">{escape(fault.label)}</button>'
            for key, fault in FAULTS.items()
            if fault.platform == platform
        )
        state, trouble = _fault_state(platform, faults[platform])
        blocks.append(
            f'<div class="fault"><h3>{escape(name)}</h3>'
            f'<p class="{"trouble" if trouble else "fine"}">{escape(state)}</p>'
            f'<form method="post" action="/fault" class="buttons" aria-label="{escape(name)}">'
            f"{buttons}</form></div>"
        )
    return f"""<section class="card" id="faults" aria-labelledby="faults-title">
  <h2 id="faults-title">Faults</h2>
  <p>Make a platform misbehave and watch how OSS Inbox copes
  (its Channels page shows each account's health).</p>
  {"".join(blocks)}
  <form method="post" action="/fault">
    <button type="submit" name="fault" value="clear">{FAULTS["clear"].label}</button>
  </form>
</section>"""


def _webhooks_card(control):
    """How many of the customers' messages were pushed to the app, and the share to lose."""
    sender = getattr(control, "webhooks", None)
    if sender is None:
        return ""
    stats = sender.stats()
    problem = (
        f' <span class="trouble">Last problem: {escape(stats["last_problem"])}.</span>'
        if stats["last_problem"]
        else ""
    )
    return f"""<section class="card" id="webhooks" aria-labelledby="webhooks-title">
  <h2 id="webhooks-title">Webhooks</h2>
  <p>Each message is also pushed, signed, to {escape(stats["url"])}/webhooks/: {stats["delivered"]} taken,
  {stats["dropped"]} dropped on purpose, {stats["refused"] + stats["failed"]} not taken.{problem}
  OSS Inbox's polls find what is dropped.</p>
  <form method="post" action="/webhooks" class="inline">
    <label for="drop">Share to drop</label>
    <input id="drop" name="drop" type="number" min="0" max="1" step="0.05" value="{stats["drop"]:g}">
    <button type="submit">Set</button>
  </form>
</section>"""


def _fault_state(platform, state):
    """(words, whether something is wrong)."""
    words = []
    if platform == "x":
        if state["token_revoked"]:
            words.append("Refuses the app's token (401).")
        if state["failing_calls"]:
            statuses = ", ".join(str(status) for status in state["statuses"])
            words.append(f"The next {state['failing_calls']} calls fail ({statuses}).")
    elif platform == "graph":
        if state["token"] != "ok":
            words.append(f"The Page token {'has expired' if state['token'] == 'expired' else 'was revoked'}.")
        if state["failing_calls"]:
            codes = ", ".join(str(code) for code in state["codes"])
            words.append(f"The next {state['failing_calls']} calls fail (code {codes}).")
    else:
        if not state["running"]:
            words.append("Down: nothing listens.")
        if state["refusing"]:
            words.append(f"Refuses the next {state['refusing']} recipients (451).")
        if state["hang_ups"]:
            words.append(f"Hangs up after the next {state['hang_ups']} mails.")
    return (" ".join(words), True) if words else ("Working.", False)


def _sent_card(control):
    items = control.sent_items()
    rows = "".join(
        f"<tr><td>{_time(item['at'])}</td>"
        f'<td><span class="platform">{escape(item["platform"])}</span> {escape(item["kind"])}</td>'
        f"<td>{escape(item['to'])}</td>"
        f"<td>{_subject(item['subject'])}{_text(item['text'])}</td></tr>"
        for item in items[:SHOWN]
    )
    body = (
        _table("sent", ("When", "What", "To", "Text"), rows)
        if items
        else '<p class="empty">Nothing yet. Answer a ticket in OSS Inbox and the reply shows up here.</p>'
    )
    more = f'<p class="help">The latest {SHOWN} of {len(items)}.</p>' if len(items) > SHOWN else ""
    return f"""<section class="card" id="sent" aria-labelledby="sent-title">
  <h2 id="sent-title">What OSS Inbox sent <span class="count">{len(items)}</span></h2>
  <p class="help">Replies, DMs, comment replies, private replies, Messenger messages and mails the app sent to
  the fake platforms, newest first. <a href="/">Refresh</a> to see new ones.</p>
  {body}{more}
</section>"""


def _written_card(control):
    items = control.written_items()
    rows = "".join(
        f"<tr><td>{_time(item['at'])}</td><td>{escape(KIND_LABELS.get(item['kind'], item['kind']))}</td>"
        f"<td>{escape(item['customer'])}</td><td>{_text(item['text'])}</td></tr>"
        for item in items[:SHOWN]
    )
    body = (
        _table("written", ("When", "What", "Who", "Text"), rows)
        if items
        else '<p class="empty">No customer has written yet.</p>'
    )
    return f"""<section class="card" id="written" aria-labelledby="written-title">
  <h2 id="written-title">What customers wrote <span class="count">{len(items)}</span></h2>
  {body}
</section>"""


def _table(kind, headings, rows):
    head = "".join(f'<th scope="col">{heading}</th>' for heading in headings)
    return (
        f'<div class="scroll"><table class="list {kind}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def _time(moment):
    local = moment.astimezone()
    return f'<time datetime="{local.isoformat(timespec="seconds")}">{local:%H:%M:%S}</time>'


def _clock(moment):
    return f"{moment.astimezone():%H:%M:%S}"


def _subject(subject):
    return f'<strong class="subject">{escape(subject)}</strong>' if subject else ""


def _text(text):
    return f'<span class="text">{escape(text)}</span>'
