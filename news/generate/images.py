"""The generator's cover images: a small pool of real Wagtail images (tiny JPEGs
drawn with Pillow), stored once per database the normal way and shared by articles."""

import colorsys
import io

from django.core.files.images import ImageFile
from PIL import Image as PillowImage
from PIL import ImageDraw
from wagtail.images import get_image_model
from wagtail.models import Collection

COVER_PREFIX = "gen-cover-"
WIDTH, HEIGHT = 640, 360


def cover_jpeg(number: int) -> bytes:
    """A 640×360 JPEG of a few kilobytes: a coloured field with a stripe, a
    different hue for every number."""
    red, green, blue = colorsys.hsv_to_rgb((number * 0.137) % 1.0, 0.45, 0.85)
    base = (int(red * 255), int(green * 255), int(blue * 255))
    picture = PillowImage.new("RGB", (WIDTH, HEIGHT), base)
    draw = ImageDraw.Draw(picture)
    top = 40 + number * 13 % (HEIGHT - 120)
    draw.rectangle([0, top, WIDTH, top + 60], fill=tuple(c // 2 for c in base))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=70)
    return out.getvalue()


def cover_pool(count: int) -> list[int]:
    """The ids of `count` cover images (gen-cover-00 …), created where missing."""
    Image = get_image_model()
    titles = [f"{COVER_PREFIX}{number:02d}" for number in range(count)]
    existing = dict(
        Image.objects.filter(title__startswith=COVER_PREFIX).values_list("title", "pk")
    )
    root = Collection.get_first_root_node()
    for number, title in enumerate(titles):
        if title not in existing:
            image = Image(title=title, collection=root)
            image.file = ImageFile(io.BytesIO(cover_jpeg(number)), name=f"{title}.jpg")
            image.save()
            existing[title] = image.pk
    return [existing[title] for title in titles]
