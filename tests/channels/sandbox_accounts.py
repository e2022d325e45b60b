"""Channel accounts pointed at the fake X and Graph servers (tests/channels/conftest.py starts them),
and polling an account now."""

from channels.models import ChannelAccount
from channels.polling import account_poll
from tests import factories

X_CREDENTIALS = {
    "consumer_key": "sandbox-api-key",
    "consumer_secret": "sandbox-api-key-secret",
    "access_token": "1500000000000000001-sandbox",
    "access_token_secret": "sandbox-access-token-secret",
    "bearer_token": "sandbox-bearer",
}


def x_account(x_api, **settings):
    return ChannelAccount.objects.create(
        kind="twitter",
        name="X @PrairieEGHelp",
        self_external_id=x_api.account_id,
        credentials=X_CREDENTIALS,
        settings={"username": x_api.username, "api_base_url": x_api.url, **settings},
    )


def facebook_page(graph, **settings):
    settings = {"graph_base_url": graph.url, **settings}
    return factories.account("facebook", settings=settings, credentials={"page_access_token": graph.token})


def poll(account):
    result = account_poll(account.pk, force=True)  # now, not when the dispatcher would next
    account.refresh_from_db()
    return result
