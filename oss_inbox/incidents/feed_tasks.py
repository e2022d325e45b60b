"""Celery: beat's `poll_outage_feeds` every 30 seconds polls each enabled outage feed whose
poll_seconds have passed. feed_sync.feed_poll claims a source only when it is due, and once: two
beats or a slow worker never poll it twice. A feed that fails is recorded on its source (its
`last_error`, shown on the feed page) and tried again at its next turn."""

import logging

from celery import shared_task
from django.utils import timezone

from .feed_sync import feed_poll
from .models import FeedSource

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def poll_outage_feeds():
    now = timezone.now()
    # A utility has a handful of feeds: each is asked, and the claim says whether it is due.
    for feed in FeedSource.objects.filter(enabled=True):
        try:
            feed_poll(feed, now=now)
        except Exception:  # one source's surprise must not keep the others from their turn
            log.exception("The outage feed %s could not be polled", feed.name)
