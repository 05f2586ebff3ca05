"""The generator's readers and comments: a pool of reader accounts made once per
database, and under each article a thread of comments and replies written as the
comments app writes them (published, reply counts, reply notifications)."""

import datetime
import math
import random
from dataclasses import dataclass
from functools import cache

from django.contrib.auth.hashers import make_password

from accounts.models import DEFAULT_NICKNAME_PREFIX, NICKNAME_MAX_LENGTH, User
from comments.forms import body_hash
from comments.models import Comment, Notification
from core.models import SiteSettings
from news.generate.rows import Table, allocate_ids
from news.generate.text import WordStream, comment_text, vocabulary

READER_PREFIX = "gen-reader-"
# Comments per article are log-normal: most articles get a few, some get hundreds.
COUNT_SIGMA = 1.2
MOST_PER_MEAN = 50
REPLY_SHARE = 0.35
# A few active readers write much of the discussion (Zipf with this exponent).
READER_EXPONENT = 0.7
FIRST_DELAY = 60.0
DISCUSSION_SECONDS = 3 * 24 * 3600.0
NICKNAME_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def reader_nickname(prefix: str, number: int) -> str:
    """The prefix and five letters or digits, different for every number below
    36**5 (a multiplication coprime with 36**5 is a permutation), lower case so that
    nicknames stay unique when case is ignored."""
    code, suffix = (number * 2654435761 + 12345) % 36**5, ""
    for _ in range(5):
        code, digit = divmod(code, 36)
        suffix += NICKNAME_ALPHABET[digit]
    return prefix[: NICKNAME_MAX_LENGTH - 5] + suffix


@dataclass
class Readers:
    ids: list[int]
    cum_weights: list[float]


def reader_pool(count: int, joined: datetime.datetime) -> Readers:
    """The ids of `count` synthetic readers (gen-reader-00000 …), created where
    missing; all share one unusable password, so none can log in."""
    if not count:
        return Readers(ids=[], cum_weights=[])
    names = [f"{READER_PREFIX}{number:05d}" for number in range(count)]
    existing = set(
        User.objects.filter(username__startswith=READER_PREFIX).values_list(
            "username", flat=True
        )
    )
    prefix = SiteSettings.current().nickname_prefix or DEFAULT_NICKNAME_PREFIX
    password = make_password(None)
    User.objects.bulk_create(
        [
            User(
                username=name,
                nickname=reader_nickname(prefix, number),
                email=f"{name}@example.invalid",
                password=password,
                email_confirmed=True,
                # Replies to them must not send mail to addresses that do not exist.
                email_on_reply=False,
                date_joined=joined,
            )
            for number, name in enumerate(names)
            if name not in existing
        ],
        batch_size=500,
        # A real reader may already hold one of the nicknames: that one is skipped.
        ignore_conflicts=True,
    )
    ids = dict(
        User.objects.filter(username__startswith=READER_PREFIX).values_list(
            "username", "pk"
        )
    )
    pool = [ids[name] for name in names if name in ids]
    weights, total = [], 0.0
    for rank in range(len(pool)):
        total += 1 / (rank + 1) ** READER_EXPONENT
        weights.append(total)
    return Readers(ids=pool, cum_weights=weights)


@dataclass
class Draft:
    """A comment before it has an id: parent and reply_to are positions in the
    article's thread."""

    user_id: int
    parent: int | None
    reply_to: int | None
    body: str
    created_at: datetime.datetime


def comment_count(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    mu = math.log(mean) - COUNT_SIGMA**2 / 2
    drawn = int(rng.lognormvariate(mu, COUNT_SIGMA) + 0.5)
    return min(drawn, int(mean * MOST_PER_MEAN) + 1)


def draft_thread(
    rng: random.Random,
    readers: Readers,
    mean: float,
    published: datetime.datetime,
    now: datetime.datetime,
) -> list[Draft]:
    """The comments of one article in the order they were posted: most soon after
    publication, none later than now (unless the article itself is in the future),
    about a third of them replies to an earlier one."""
    count = comment_count(rng, mean) if readers.ids else 0
    if not count:
        return []
    room = (now - published).total_seconds()
    span = min(DISCUSSION_SECONDS, room) if room > 0 else DISCUSSION_SECONDS
    first = min(FIRST_DELAY, span / 2)
    delays = sorted(first + (span - first) * rng.random() ** 3 for _ in range(count))
    authors = rng.choices(readers.ids, cum_weights=readers.cum_weights, k=count)
    stream = WordStream(vocabulary(), rng.getrandbits(64))
    drafts: list[Draft] = []
    for position, (delay, author) in enumerate(zip(delays, authors, strict=True)):
        parent = reply_to = None
        if position and rng.random() < REPLY_SHARE:
            reply_to = int(rng.random() * position)
            answered = drafts[reply_to].parent
            parent = reply_to if answered is None else answered
        drafts.append(
            Draft(
                user_id=author,
                parent=parent,
                reply_to=reply_to,
                body=comment_text(rng, stream),
                created_at=published + datetime.timedelta(seconds=delay),
            )
        )
    return drafts


@cache
def tables() -> dict[str, Table]:
    return {"comment": Table(Comment), "notification": Table(Notification)}


def insert_threads(article_ids: list[int], threads: list[list[Draft]]) -> int:
    """The comment rows of a batch's articles, with the parents' reply counts, and
    a reply notification for each reply to someone else; the number of comments."""
    total = sum(len(thread) for thread in threads)
    if not total:
        return 0
    ids = iter(allocate_ids(Comment, total))
    comments, notices = [], []
    for article_id, thread in zip(article_ids, threads, strict=True):
        pks = [next(ids) for _ in thread]
        replies = [0] * len(thread)
        for draft in thread:
            if draft.parent is not None:
                replies[draft.parent] += 1
        for position, draft in enumerate(thread):
            answered = thread[draft.reply_to] if draft.reply_to is not None else None
            comments.append(
                {
                    "id": pks[position],
                    "article_id": article_id,
                    "user_id": draft.user_id,
                    "parent_id": None if draft.parent is None else pks[draft.parent],
                    "reply_to_id": None if answered is None else pks[draft.reply_to],
                    "reply_to_user_id": None if answered is None else answered.user_id,
                    "body": draft.body,
                    "body_hash": body_hash(draft.body),
                    "created_at": draft.created_at,
                    "reply_count": replies[position],
                }
            )
            if answered is not None and answered.user_id != draft.user_id:
                notices.append(
                    {
                        "recipient_id": answered.user_id,
                        "kind": Notification.Kind.REPLY.value,
                        "actor_id": draft.user_id,
                        "comment_id": pks[position],
                        "created_at": draft.created_at,
                    }
                )
    table = tables()
    table["comment"].insert([table["comment"].row(values) for values in comments])
    notice_ids = allocate_ids(Notification, len(notices))
    table["notification"].insert(
        [
            table["notification"].row({"id": pk, **values})
            for pk, values in zip(notice_ids, notices, strict=True)
        ]
    )
    return total
