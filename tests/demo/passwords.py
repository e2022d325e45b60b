"""Reading the logins `manage.py demo_setup` prints, or saves for `make run`."""

import re

PASSWORD_ROW = re.compile(r"^\s+(\w+)\s+(Admin|Supervisor|Agent)\s+.+?\s(\S+)$", re.MULTILINE)
TEAM_ROLES = {"admin": "Admin", "sam": "Supervisor", "dana": "Agent", "lee": "Agent", "grace": "Agent"}


def printed_passwords(output):
    return {username: password for username, _, password in PASSWORD_ROW.findall(output)}


def saved_passwords(path):
    return printed_passwords("\n".join(f" {line}" for line in path.read_text().splitlines()))
