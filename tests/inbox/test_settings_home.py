"""Settings: the top bar's one link for supervisors and admins, listing each settings page they may
open; agents have no Settings."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
SETTINGS = reverse("inbox:settings")
ADMIN_ONLY = ["sla:schedules", "sla:policies", "people:list", "inbox:canned_list", "safety:phrases"]
SUPERVISORS_TOO = [
    "channels:list",
    "inbox:assignment",
    "safety:on_call",
    "keyaccounts:critical_care",
    "sla:storm",
    "incidents:gazetteer",
    "incidents:feeds",
]


def test_admins_find_every_settings_page_from_one_top_bar_link(client, admin_user):
    client.force_login(admin_user)
    assert f'href="{SETTINGS}"' in client.get(reverse("inbox:queue")).content.decode()  # the top bar
    page = client.get(SETTINGS).content.decode()
    for name in ADMIN_ONLY + SUPERVISORS_TOO:
        assert f'href="{reverse(name)}"' in page, name
        assert client.get(reverse(name)).status_code == 200, name  # each one opens for them


def test_supervisors_see_only_the_pages_they_may_open(client, supervisor):
    client.force_login(supervisor)
    assert f'href="{SETTINGS}"' in client.get(reverse("inbox:queue")).content.decode()
    page = client.get(SETTINGS).content.decode()
    for name in SUPERVISORS_TOO:
        assert f'href="{reverse(name)}"' in page, name
        assert client.get(reverse(name)).status_code == 200, name
    for name in ADMIN_ONLY:
        assert f'href="{reverse(name)}"' not in page, name
    assert "an admin changes them" in page


def test_agents_have_no_settings(client, agent):
    client.force_login(agent)
    assert f'href="{SETTINGS}"' not in client.get(reverse("inbox:queue")).content.decode()
    assert client.get(SETTINGS).status_code == 403
