"""The admin of sources: their saved mappings and last reports, and imports by upload."""

import codecs
import json
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin
from django.http import FileResponse, Http404
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from essaim.core.permissions import NotAllowed

from . import actions
from .columns import MATCHED_FORMATS, MatchingScreen, sample_file
from .imports import IMPORT_FORMATS, ImportError_, Mapping, run_import, write_rejects
from .models import Source
from .reading import UnreadableFile
from .uploads import Upload


def kept_rejects(report, source: str) -> str | None:
    """Where to download the rejected records of an import (None: none was rejected)."""
    if not report.rejected:
        return None
    rejects_dir().mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    name = f"{source}-{stamp}.rejects.csv"
    write_rejects(report, rejects_dir() / name)
    return reverse("admin:exchange_import_rejects", args=[name])


def rejects_dir() -> Path:
    return Path(settings.DATA_DIR) / "imports"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        # A web request has about 30 seconds; the command has all the time it needs.
        help_text=_(
            "Up to some 50,000 records here; import larger files with the essaim import "
            "command, which shows its progress."
        ),
    )
    format = forms.ChoiceField(label=_("Format"), choices=[(name, name) for name in IMPORT_FORMATS])
    source = forms.SlugField(
        label=_("Source"),
        max_length=100,
        help_text=_("Its name, kept as each organisation's provenance; the same name updates."),
    )
    match_columns = forms.BooleanField(
        label=_("Match its columns to Essaim's fields on the next screen"),
        required=False,
        initial=True,
        help_text=_("For CSV, JSON and GeoJSON files: see each column's first values, choose "
                    "the field it fills, and preview the first records before importing."),
    )  # fmt: skip
    mapping = forms.CharField(
        label=_("Mapping (JSON), for those who write it"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Leave empty to use the source's saved mapping, or to match the columns "
                    "on the next screen."),
    )  # fmt: skip
    encoding = forms.CharField(label=_("Encoding"), required=False, initial="", max_length=30)
    dry_run = forms.BooleanField(label=_("Dry run: write nothing"), required=False, initial=True)
    partial = forms.BooleanField(label=_("Keep the valid records when some fail"), required=False)
    subset = forms.BooleanField(
        label=_("The file holds only part of the source"),
        required=False,
        help_text=_("Then the records it lacks are not flagged as gone."),
    )

    def clean_mapping(self) -> dict:
        text = self.cleaned_data["mapping"].strip()
        if not text:
            return None
        try:
            data = json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(
                _("Not valid JSON: %(error)s"), params={"error": error}
            ) from error
        if not isinstance(data, dict):
            raise forms.ValidationError(_("The mapping must be a JSON object."))
        try:
            return Mapping.from_json(data)
        except ImportError_ as error:
            raise forms.ValidationError(error.message) from error

    def clean_encoding(self) -> str:
        name = self.cleaned_data["encoding"].strip()
        if name:
            try:
                codecs.lookup(name)
            except LookupError as error:
                raise forms.ValidationError(
                    _("Unknown encoding: %(name)s"), params={"name": name}
                ) from error
        return name or None


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "format", "url", "last_run_at", "report")
    readonly_fields = ("last_run_at", "last_report", "feed_position")
    change_list_template = "admin/exchange/source_changelist.html"

    def save_model(self, request, obj, form, change) -> None:
        actions.do_save_source(obj, actor=request.user)

    def delete_model(self, request, obj) -> None:
        actions.do_delete_source(obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for source in queryset:
            actions.do_delete_source(source, actor=request.user)

    @admin.display(description=_("last report"))
    def report(self, source: Source) -> str:
        return ", ".join(f"{name} {count}" for name, count in source.last_report.items())

    def get_urls(self) -> list:
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="exchange_import"),
            path(
                "import/<slug:token>/columns/",
                self.admin_site.admin_view(self.columns_view),
                name="exchange_import_columns",
            ),
            path(
                "import/rejects/<str:name>",
                self.admin_site.admin_view(self.rejects_view),
                name="exchange_import_rejects",
            ),
            *super().get_urls(),
        ]

    def _check_may_import(self, request) -> None:
        if not (request.user.has_perm("exchange.add_source")
                and request.user.has_perm("atlas.add_organisation")):  # fmt: skip
            raise NotAllowed(_("Only administrators who may add sources and organisations "
                               "import."))  # fmt: skip

    def import_view(self, request) -> HttpResponseBase:
        """Upload a file and import it: the same import as `essaim import`, with its report."""
        self._check_may_import(request)
        report, rejects_url, error, data = None, None, None, {}
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if data["match_columns"] and not data["mapping"] and data["format"] in MATCHED_FORMATS:
                token = actions.do_keep_upload(data)
                return redirect("admin:exchange_import_columns", token=token)
            with tempfile.TemporaryFile() as raw:
                for chunk in data["file"].chunks():
                    raw.write(chunk)
                raw.seek(0)
                try:
                    report = run_import(
                        raw, data["format"], data["source"], mapping=data["mapping"],
                        partial=data["partial"], dry_run=data["dry_run"],
                        encoding=data["encoding"], flag_missing=not data["subset"],
                    )  # fmt: skip
                except ImportError_ as failure:
                    error = failure.message
            rejects_url = kept_rejects(report, data["source"]) if report else None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import a file"),
            "form": form,
            "report": report,
            "rejections": report.rejections if report else [],
            "rejects_url": rejects_url,
            "duplicates_url": (
                f"{reverse('duplicates')}?{urlencode({'source': report.source})}"
                if report and report.applied and report.duplicates
                else ""
            ),
            "error": error,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/exchange/import.html", context)

    def columns_view(self, request, token: str) -> HttpResponseBase:
        """Match an uploaded file's columns (and a taxonomy column's values) to Essaim's, see
        the first records as they would be stored, then import with that mapping, saved for
        the source."""
        self._check_may_import(request)
        upload = Upload.find(token)
        if upload is None:
            raise Http404
        options = upload.options
        source = Source.objects.filter(name=options["source"]).first()
        saved = Mapping.from_json(source.mapping) if source and source.mapping else Mapping()
        try:
            with upload.open() as raw:
                sample = sample_file(raw, options["format"], options["encoding"])
        except (ImportError_, UnreadableFile) as failure:
            return self._columns_page(request, upload, error=failure.message)
        screen = MatchingScreen(sample, saved, request.POST if request.method == "POST" else None)
        report = rejects_url = None
        if screen.ready and request.POST.get("action") == "import":
            mapping = screen.mapping()
            dry_run = bool(request.POST.get("dry_run"))
            with upload.open() as raw:
                try:
                    report = run_import(
                        raw, options["format"], options["source"], mapping=mapping,
                        partial=options["partial"], dry_run=dry_run,
                        encoding=options["encoding"], flag_missing=not options["subset"],
                    )  # fmt: skip
                except ImportError_ as failure:
                    return self._columns_page(request, upload, screen, error=failure.message)
            rejects_url = kept_rejects(report, options["source"])
            if report.applied:
                actions.do_forget_upload(upload)
        return self._columns_page(request, upload, screen, report=report,
                                  rejects_url=rejects_url)  # fmt: skip

    def _columns_page(self, request, upload, screen=None, **context) -> HttpResponseBase:
        report = context.get("report")
        return TemplateResponse(request, "admin/exchange/columns.html", {
            **self.admin_site.each_context(request),
            "title": _("Match the file's columns"),
            "upload": upload,
            "screen": screen,
            "opts": self.model._meta,
            "rejections": report.rejections if report else [],
            "duplicates_url": (
                f"{reverse('duplicates')}?{urlencode({'source': report.source})}"
                if report and report.applied and report.duplicates else ""
            ),
            **context,
        })  # fmt: skip

    def rejects_view(self, request, name: str) -> HttpResponseBase:
        self._check_may_import(request)
        target = rejects_dir() / Path(name).name
        if not target.is_file() or not name.endswith(".rejects.csv"):
            raise Http404
        return FileResponse(open(target, "rb"), as_attachment=True, filename=target.name)  # noqa: SIM115
