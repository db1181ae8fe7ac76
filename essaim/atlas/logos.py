"""Organisations' logos: an upload is checked by decoding it (never by its name), then
re-encoded to a small WebP that carries nothing but its pixels.

The limits keep a hostile file cheap: 2 MB read at most (`LimitedUpload` stops reading past
it), a JPEG, PNG, WebP or GIF decoder only, at most 4000 pixels a side checked from the header
before any pixel is decoded (well under Pillow's decompression-bomb threshold), the first frame
of an animation only.
"""

import hashlib
import io
import logging
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4000
# Shown at most this wide and high; WebP at this quality keeps a logo's edges clean.
LOGO_SIDE = 256
QUALITY = 85
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


@dataclass(frozen=True)
class Logo:
    """A logo ready to store: WebP bytes and their size in pixels."""

    data: bytes
    width: int
    height: int

    @property
    def name(self) -> str:
        """Named by its content: a new logo is a new address, so it can be cached for ever."""
        return hashlib.sha256(self.data).hexdigest()[:16]


def _unreadable() -> ValidationError:
    return ValidationError(
        _("This file is not an image Essaim can read: send a JPEG, PNG, WebP or GIF."),
        code="unreadable",
    )


def read_logo(upload: File) -> Logo:
    """Check an uploaded file and turn it into a logo; ValidationError says what is wrong."""
    if upload.size > MAX_BYTES:
        raise too_large()
    upload.seek(0)
    with warnings.catch_warnings():
        # Pillow warns about odd but harmless files; a decompression bomb is an error.
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(upload, formats=FORMATS) as image:
                if max(image.size) > MAX_SIDE:
                    raise ValidationError(
                        _(
                            "This image is %(width)s × %(height)s pixels: a logo may have at "
                            "most %(side)s pixels a side."
                        ),
                        code="too_big",
                        params={"width": image.width, "height": image.height, "side": MAX_SIDE},
                    )
                image.load()
                return _encode(image)
        except ValidationError:
            raise
        except Exception as error:  # Any way a hostile or broken file fails to decode.
            logger.info("Logo refused: %r", error)
            raise _unreadable() from error


def _encode(image: Image.Image) -> Logo:
    # Turned as the camera meant (the orientation is in the EXIF, which does not stay).
    image = ImageOps.exif_transpose(image)
    mode = "RGBA" if image.has_transparency_data else "RGB"
    image = image.convert(mode)
    image.thumbnail((LOGO_SIDE, LOGO_SIDE), Image.Resampling.LANCZOS)
    # A new image from the pixels alone: no EXIF, XMP, ICC profile or comment can follow.
    clean = Image.frombytes(mode, image.size, image.tobytes())
    output = io.BytesIO()
    clean.save(output, "WEBP", quality=QUALITY, method=6)
    return Logo(output.getvalue(), clean.width, clean.height)


def too_large() -> ValidationError:
    return ValidationError(
        _("This file is larger than 2 MB: send a smaller image."), code="too_large"
    )


class LimitedUpload(FileUploadHandler):
    """Stops reading an uploaded file past MAX_BYTES, so that a huge one never reaches the
    disk; the request is marked (`logo_too_large`) for the form to say why."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > MAX_BYTES:
            self.request.logo_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
