"""The channel list leads an admin to the pages about channels: budget and health, moderation rules."""

from django.urls import reverse


def test_an_admin_finds_the_moderation_rules_from_the_channel_list(client, admin_user):
    client.force_login(admin_user)
    listing = client.get(reverse("channels:list")).content.decode()
    assert f'href="{reverse("channels:moderation")}">Moderation rules</a>' in listing
    assert f'href="{reverse("channels:console")}">Budget and health</a>' in listing


def test_a_supervisor_is_not_led_to_pages_they_may_not_open(client, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("channels:list"))
    assert response.status_code == 200  # supervisors read the channel list
    listing = response.content.decode()
    assert reverse("channels:moderation") not in listing
