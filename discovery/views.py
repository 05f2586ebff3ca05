"""The view-counting beacon: a tiny POST from the article page, so that pages stay
identical for every reader and can be cached whole."""

import logging

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from redis.exceptions import RedisError

from core.ratelimit import client_ip, limit
from discovery import counting
from news.models import ArticlePage

logger = logging.getLogger(__name__)

MAX_ID = 2**63 - 1  # past a database integer: no article, and no OverflowError


@csrf_exempt
@require_POST
@never_cache
def hit(request, article_id: int):
    """Count one view of a live article: 204 whatever happens, nothing to read."""
    limit(request, "view_beacon_ip")
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    if counting.is_bot(user_agent) or article_id > MAX_ID:
        return HttpResponse(status=204)
    if not ArticlePage.objects.live().filter(pk=article_id).exists():
        return HttpResponse(status=204)
    hour = counting.hour_of(timezone.now())
    reader = client_ip(request)
    try:
        if counting.first_view_this_hour(reader, user_agent, article_id, hour):
            counting.record_view(article_id, hour)
    except RedisError:
        # Redis down: the reader's page is fine, this view is simply not counted.
        logger.warning("View of article %s not counted: Redis unavailable", article_id)
    return HttpResponse(status=204)
