"""Who is in the demo world: the team, the customers, and the staff of key accounts.

Pure data and pure functions (no database): the demo builder and the bench generator both use it.
"""

import unicodedata
from dataclasses import dataclass, replace

from oss_inbox.staff.roles import ADMIN, AGENT, SUPERVISOR

# (username, first name, last name, role). Agents sign social replies with their initials (^DL).
TEAM = (
    ("admin", "Morgan", "Reyes", ADMIN),
    ("sam", "Sam", "Whitfield", SUPERVISOR),
    ("dana", "Dana", "Lopez", AGENT),
    ("lee", "Lee", "Okafor", AGENT),
    ("grace", "Grace", "Whitman", AGENT),
)
# An Agent who manages key accounts (the hospital and the data centre, demo.key_accounts): their
# tickets come to her, and she writes their plans and updates; she does not work the everyday queue.
KEY_ACCOUNT_MANAGERS = ("grace",)


def role_words(username, role):
    """The role as the demo's logins show it: "Agent (key accounts)" for a key-account manager."""
    return f"{role} (key accounts)" if username in KEY_ACCOUNT_MANAGERS else role


FIRST_NAMES = (
    "Maria",
    "James",
    "Aaliyah",
    "Wei",
    "Darnell",
    "Priya",
    "Connor",
    "Guadalupe",
    "Ahmed",
    "Keisha",
    "Tyler",
    "Mei",
    "Jorge",
    "Hannah",
    "Tuan",
    "Fatima",
    "Brandon",
    "Shawna",
    "Ravi",
    "Emily",
    "DeShawn",
    "Yesenia",
    "Erik",
    "Ngozi",
    "Cody",
    "Leticia",
    "Hyun",
    "Brittany",
    "Omar",
    "Jessica",
    "Marcus",
    "Linh",
    "Dakota",
    "Rosa",
    "Kevin",
    "Imani",
    "Travis",
    "Mariana",
    "Sanjay",
    "Kayla",
    "Andre",
    "Tamika",
    "Ethan",
    "Amara",
    "Hector",
    "Olivia",
    "Kwame",
    "Gretchen",
    "Luis",
    "Naomi",
    "Bao",
    "Reggie",
    "Ingrid",
    "Jamal",
    "Carmen",
    "Wyatt",
    "Nadia",
    "Terrence",
    "Sofia",
    "Daniel",
    "Chloe",
    "Mohammed",
    "Latoya",
    "Juan",
    "Abigail",
    "Raymond",
    "Yolanda",
    "Minh",
    "Destiny",
    "Gary",
    "Renée",
    "José",
    "Chayton",
    "Aiyana",
    "Dmitri",
    "Sunita",
    "Patrick",
    "Rhonda",
    "Esperanza",
    "Kenji",
)
LAST_NAMES = (
    "Garcia",
    "Johnson",
    "Nguyen",
    "Williams",
    "Patel",
    "Hernandez",
    "Smith",
    "Kim",
    "Jackson",
    "O'Brien",
    "Martinez",
    "Brown",
    "Chen",
    "Washington",
    "Schmidt",
    "Robinson",
    "Singh",
    "Nelson",
    "Rodriguez",
    "Okonkwo",
    "Larson",
    "Tran",
    "Davis",
    "Ramirez",
    "Yazzie",
    "Kowalczyk",
    "Miller",
    "Hassan",
    "Begay",
    "Thompson",
    "Rivera",
    "Anderson",
    "Jensen",
    "Morales",
    "Harris",
    "Gonzalez",
    "Olson",
    "Baker",
    "Cruz",
    "Ali",
    "Hughes",
    "Park",
    "Wilson",
    "Dubois",
    "Flores",
    "Novak",
    "Haddad",
    "Mitchell",
    "Sanchez",
    "Bui",
    "Lindgren",
    "Brooks",
    "Castillo",
    "Weber",
    "Ortiz",
    "Young",
    "Fontaine",
    "Running Bear",
    "McAllister",
    "Vasquez",
    "Abernathy",
    "Stewart",
    "Yamamoto",
    "Petrov",
    "Friedman",
)
STREETS = (
    "Elm St",
    "Maple Ave",
    "Oak Ridge Dr",
    "Cottonwood Ln",
    "Prairie View Rd",
    "W 4th St",
    "N Main St",
    "Sycamore Ct",
    "Willow Creek Dr",
    "Buffalo Trl",
    "County Rd 14",
    "Sunflower Ln",
    "Quail Run",
    "Birch St",
    "Railroad Ave",
    "Lincoln Ave",
    "Hickory Hollow Rd",
    "Meadowlark Ln",
    "Ash St",
    "Cedar Bluff Rd",
    "E 9th St",
    "Harvest Moon Dr",
    "Bluestem Way",
    "Walnut St",
    "Pioneer Pkwy",
    "Grand Ave",
    "Osage Trl",
    "Windmill Rd",
    "S 12th St",
    "Jefferson St",
    "Pawnee Dr",
    "Lakeview Ter",
)
TOWNS = (
    "Harlan",
    "Cedar Mill",
    "Osage Bend",
    "Millbrook",
    "Prairie Grove",
    "Elk Ridge",
    "Fairview",
    "Kessler",
    "Wheaton Falls",
    "Sutter's Crossing",
    "Red Oak",
    "Lone Tree",
)
# Where ordinary customers write from: the share of X, Facebook and email among tickets.
HOME_CHANNELS = (("twitter", 45), ("facebook", 30), ("email", 25))
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")


@dataclass(frozen=True)
class Customer:
    first: str
    last: str
    home: str  # the channel family they write on: twitter | facebook | email
    handle: str
    x_user_id: str
    facebook_id: str
    email: str
    house: int
    street: str
    town: str
    audience: str = "residential"  # residential | business | key_account

    @property
    def name(self):
        return f"{self.first} {self.last}"


# Staff of organizations: (first, last, email, audience). Their domains match tickets.models
# OrganizationDomain rows made by the demo, so their tickets come in flagged as key accounts.
ORGANIZATION_STAFF = (
    ("Karen", "Mikkelsen", "kmikkelsen@stbrigid-health.example", "key_account"),
    ("Luis", "Ortega", "luis.ortega@stbrigid-health.example", "key_account"),
    ("Angela", "Whitehorse", "a.whitehorse@prairiestate.example", "key_account"),
    ("Tom", "Brennan", "tbrennan@prairiestate.example", "key_account"),
    ("Raj", "Patel", "raj.patel@cedarmill.example", "key_account"),
    ("Becky", "Lindqvist", "ap@cedarmill.example", "key_account"),
    ("Marcus", "Hale", "mhale@northgate-dc.example", "key_account"),
    ("Jun", "Park", "noc@northgate-dc.example", "key_account"),
    ("Dale", "Kowalski", "dale@harlanfeed.example", "business"),
    ("Mina", "Farah", "office@osagebenddental.example", "business"),
)


def ascii_slug(text):
    """'Renée O'Brien' -> 'reneeobrien': handles and mailboxes are plain ASCII."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def make_customers(rng, count):
    """`count` residential customers with distinct names, plus the staff of the organizations."""
    names = set()
    while len(names) < count:
        names.add((rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)))
    homes = [home for home, share in HOME_CHANNELS for _ in range(share)]
    customers = [
        _customer(rng, first, last, rng.choice(homes), index)
        for index, (first, last) in enumerate(sorted(names))
    ]
    customers += [
        _staff(rng, *staff, index=count + offset) for offset, staff in enumerate(ORGANIZATION_STAFF)
    ]
    return _distinct_addresses(customers)


def _distinct_addresses(customers):
    # Two customers sharing a handle or a mailbox would read as one person; number the second.
    seen_handles, seen_emails, distinct = set(), set(), []
    for index, customer in enumerate(customers):
        handle, email = customer.handle, customer.email
        if handle in seen_handles:
            handle = f"{handle[:11]}{index:04d}"
        if email in seen_emails:
            local, domain = email.split("@")
            email = f"{local}{index}@{domain}"
        seen_handles.add(handle)
        seen_emails.add(email)
        distinct.append(replace(customer, handle=handle, email=email))
    return distinct


def _customer(rng, first, last, home, index):
    return Customer(
        first=first,
        last=last,
        home=home,
        handle=_handle(rng, first, last),
        x_user_id=str(rng.randrange(10**9, 10**10) * 1000 + index),  # unique: the index is in the id
        facebook_id=str(rng.randrange(10**12, 10**13) * 1000 + index),
        email=_email(rng, first, last),
        house=rng.randrange(100, 9900),
        street=rng.choice(STREETS),
        town=rng.choice(TOWNS),
    )


def _staff(rng, first, last, email, audience, *, index):
    return replace(_customer(rng, first, last, "email", index), email=email, audience=audience)


def _handle(rng, first, last):
    given, family = ascii_slug(first), ascii_slug(last)
    patterns = (
        f"{given}{family}",
        f"{given}_{family[0]}{rng.randrange(10, 99)}",
        f"{given[0]}{family}{rng.randrange(70, 99)}",
        f"real{given}{family[0]}",
        f"{family}{given[0]}_",
        f"{given}in{ascii_slug(rng.choice(TOWNS))}",
        f"{given}{family}{rng.randrange(1, 9)}",
    )
    return rng.choice(patterns)[:15]


def _email(rng, first, last):
    given, family = ascii_slug(first), ascii_slug(last)
    local = rng.choice(
        (
            f"{given}.{family}",
            f"{given[0]}{family}{rng.randrange(10, 99)}",
            f"{given}{family[0]}",
            f"{family}.family",
            f"{given}_{rng.randrange(100, 999)}",
        )
    )
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"
