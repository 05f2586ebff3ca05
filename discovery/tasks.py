"""Background jobs of discovery: related stories after a publish, and moving view
counts from Redis into the database."""

from django_tasks import task

from discovery import counting, related
from news.models import ArticlePage


@task()
def refresh_related(article_id: int) -> dict[str, int]:
    """Related stories of a just-published article, and of the stories it lists
    (so that they may list it back); their stored terms are reused."""
    article = ArticlePage.objects.live().filter(pk=article_id).first()
    if article is None:
        return {}
    ids = related.compute_related(article)
    neighbours = ArticlePage.objects.live().filter(pk__in=ids).defer("body")
    for neighbour in neighbours:
        related.compute_related(neighbour, refresh_terms=False)
    return {"related": len(ids), "refreshed": len(ids) + 1}


@task()
def flush_view_counts() -> dict[str, int]:
    return {"views": counting.flush_redis_views()}
