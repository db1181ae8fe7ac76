"""Forms of the atlas's own pages (suggestions and edits have theirs in contributions)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .logos import FORMATS, Logo, read_logo, too_large


class LogoForm(forms.Form):
    logo = forms.FileField(
        label=_("Image file"),
        help_text=_(
            "JPEG, PNG, WebP or GIF, up to 2 MB and 4000 pixels a side. It is shown at most "
            "256 pixels wide, without the file's metadata (such as where a photo was taken)."
        ),
        widget=forms.FileInput(
            attrs={"accept": ",".join(f"image/{name.lower()}" for name in FORMATS)}
        ),
    )

    def __init__(self, *args, too_large_upload: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large_upload = too_large_upload

    def clean_logo(self) -> Logo:
        return read_logo(self.cleaned_data["logo"])

    def clean(self):
        if self.too_large_upload:
            # The upload was stopped before its end: there is no file to look at.
            self.errors.pop("logo", None)
            self.add_error("logo", too_large())
        return super().clean()
