"""Text that people write: refused when it hides control characters.

Right-to-left overrides and isolates (U+202A–U+202E, U+2066–U+2069) make "gnp.exe" display as
"exe.png"; other control characters (NUL, BEL, ESC…) have no place in a name or a description
and are written raw into exports. Tabs and line ends are kept.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def control_character_error(text: str) -> str | None:
    """Why `text` is refused (naming the first hidden character), or None."""
    found = FORBIDDEN.search(text)
    if found is None:
        return None
    return _(
        "This text contains an invisible control character (U+%(code)04X), refused because "
        "it can disguise what the text says: remove it."
    ) % {"code": ord(found.group())}


@deconstructible
class NoControlCharacters:
    def __call__(self, value) -> None:
        if isinstance(value, str) and (reason := control_character_error(value)):
            raise ValidationError(reason, code="control_character")

    def __eq__(self, other) -> bool:
        return isinstance(other, NoControlCharacters)


class CheckedText:
    """A form mixin: every text field (passwords aside) refuses hidden control characters."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.check_text_of(self.fields.values())

    @staticmethod
    def check_text_of(fields) -> None:
        """Refuse control characters in these fields too (fields a form adds itself)."""
        for field in fields:
            if isinstance(field, forms.CharField | forms.ChoiceField) and not isinstance(
                field.widget, forms.PasswordInput
            ):
                field.validators.append(NoControlCharacters())
