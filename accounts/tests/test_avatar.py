"""Avatar uploads (re-encoded, metadata dropped, bombs refused) and the {% avatar %}
tag with its generated default."""

import io
import struct
import zlib

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from PIL import Image

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tests.pages import errors, shown, soup

pytestmark = pytest.mark.django_db


def image_bytes(fmt="JPEG", size=(640, 480), color="#336699", **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA" if fmt in ("PNG", "WEBP") else "RGB", size, color).save(
        out, fmt, **save
    )
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "GPS-Tracker 1.0"  # Software
    return image_bytes("JPEG", exif=exif.tobytes())


def upload(client, content: bytes, name="photo.jpg"):
    return client.post(
        "/accounts/me/avatar/",
        {"avatar": SimpleUploadedFile(name, content)},
        follow=True,
    )


def stored_files(settings) -> list:
    folder = settings.MEDIA_ROOT / "avatars"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_jpeg_becomes_a_256_webp_without_exif(reader_client, reader, settings):
    assert b"SecretCam" in jpeg_with_exif()
    response = upload(reader_client, jpeg_with_exif())
    assert response.redirect_chain[-1][0] == "/accounts/me/profile/"
    assert soup(response).select_one(".messages").get_text(strip=True) == shown(
        "Your new avatar has been saved."
    )

    reader.refresh_from_db()
    assert reader.avatar.name.startswith("avatars/")
    assert reader.avatar.name.endswith(".webp")
    assert "photo" not in reader.avatar.name
    data = reader.avatar.read()
    assert b"SecretCam" not in data and b"GPS-Tracker" not in data
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.format == "WEBP"
        assert stored.size == (256, 256)
        assert "exif" not in stored.info
        assert not stored.getexif()

    img = soup(reader_client.get("/")).select_one(".account-links img.avatar")
    assert img["src"] == reader.avatar.url


def test_the_picture_is_cropped_around_its_centre(reader_client, reader):
    wide = Image.new("RGB", (600, 300), "red")
    wide.paste(Image.new("RGB", (200, 300), "blue"), (200, 0))
    out = io.BytesIO()
    wide.save(out, "PNG")
    upload(reader_client, out.getvalue(), "wide.png")

    reader.refresh_from_db()
    with Image.open(reader.avatar) as stored:
        rgb = stored.convert("RGB")
        red, _green, blue = rgb.getpixel((128, 128))
        assert blue > 200 and red < 50
        red, _green, blue = rgb.getpixel((3, 128))
        assert red > 200 and blue < 50


@pytest.mark.parametrize(
    ("fmt", "name"), [("PNG", "a.png"), ("WEBP", "a.webp"), ("GIF", "a.gif")]
)
def test_other_formats_are_taken(reader_client, reader, fmt, name):
    upload(reader_client, image_bytes(fmt, size=(300, 200)), name)
    reader.refresh_from_db()
    with Image.open(reader.avatar) as stored:
        assert (stored.format, stored.size) == ("WEBP", (256, 256))


def test_a_new_avatar_replaces_and_deletes_the_old(reader_client, reader, settings):
    upload(reader_client, image_bytes())
    reader.refresh_from_db()
    first = reader.avatar.name
    upload(reader_client, image_bytes(color="#aa0000"))
    reader.refresh_from_db()
    assert reader.avatar.name != first
    assert [path.name for path in stored_files(settings)] == [
        reader.avatar.name.removeprefix("avatars/")
    ]

    response = reader_client.post("/accounts/me/avatar/", {"remove": "1"}, follow=True)
    assert soup(response).select_one(".messages").get_text(strip=True) == shown(
        "Your avatar has been removed."
    )
    reader.refresh_from_db()
    assert not reader.avatar
    assert stored_files(settings) == []


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims the size; the pixel data is a few bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def huge_but_small_png() -> bytes:
    out = io.BytesIO()
    Image.new("1", (4001, 300)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            b"just some text, honestly\n" * 20,
            "photo.jpg",
            "This file is not a JPEG, PNG, WebP or GIF picture.",
        ),
        (b"", "empty.jpg", "The submitted file is empty."),
        (
            image_bytes("JPEG")[:400],
            "cut.jpg",
            "This file is not a JPEG, PNG, WebP or GIF picture.",
        ),
        (
            image_bytes("BMP"),
            "photo.jpg",
            "This file is not a JPEG, PNG, WebP or GIF picture.",
        ),
        (
            huge_but_small_png(),
            "wide.png",
            "The picture is larger than 4000 × 4000 pixels.",
        ),
        (
            png_header_only(5000, 5000),
            "big.png",
            "The picture is larger than 4000 × 4000 pixels.",
        ),
        (
            png_header_only(30000, 30000),
            "bomb.png",
            "The picture is larger than 4000 × 4000 pixels.",
        ),
        (
            b"\xff\xd8\xff\xe0" + b"\x00" * (6 * 1024 * 1024),
            "big.jpg",
            "The picture is larger than 5 MB.",
        ),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    reader_client, reader, settings, content, name, message
):
    response = upload(reader_client, content, name)
    assert response.status_code == 200
    assert errors(response) == shown(message)
    reader.refresh_from_db()
    assert not reader.avatar
    assert stored_files(settings) == []


def test_an_upload_without_a_file_is_a_form_error(reader_client, reader):
    response = reader_client.post("/accounts/me/avatar/", {})
    assert response.status_code == 200
    assert errors(response) == shown("This field is required.")


# The {% avatar %} tag -------------------------------------------------------------


def render_avatar(user, size="40") -> BeautifulSoup:
    html = Template("{% load accounts_tags %}{% avatar user " + size + " %}").render(
        Context({"user": user})
    )
    return BeautifulSoup(html, "lxml").select_one(".avatar")


def test_the_default_avatar_is_a_coloured_initial(home):
    first, second = UserFactory(nickname="wombat"), UserFactory(nickname="考拉")
    circle = render_avatar(first)
    assert circle.name == "span"
    assert circle["class"] == ["avatar", "avatar-default"]
    assert circle.get_text() == "W"
    assert f"--avatar-hue: {first.avatar_hue}" in circle["style"]
    assert "--avatar-size: 40px" in circle["style"]
    # The same colour every time, and neighbours are told apart.
    assert render_avatar(User.objects.get(pk=first.pk))["style"] == circle["style"]
    assert render_avatar(second).get_text() == "考"
    assert abs(first.avatar_hue - second.avatar_hue) >= 30
    assert 0 <= second.avatar_hue < 360


def test_the_avatar_tag_shows_the_upload(reader_client, reader):
    upload(reader_client, image_bytes())
    reader.refresh_from_db()
    img = render_avatar(reader, "36")
    assert img.name == "img"
    assert (img["src"], img["width"], img["height"]) == (reader.avatar.url, "36", "36")
    assert img["alt"] == ""


def test_a_deleted_account_gets_a_grey_question_mark():
    circle = render_avatar(None)
    assert circle["class"] == ["avatar", "avatar-default", "avatar-deleted"]
    assert circle.get_text() == "?"


def test_a_bad_size_falls_back(home):
    assert "--avatar-size: 40px" in render_avatar(UserFactory(), '"big"')["style"]
    assert "--avatar-size: 512px" in render_avatar(UserFactory(), "99999")["style"]
