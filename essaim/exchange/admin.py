"""The admin of sources: their saved mappings and last reports, and imports by upload."""

import codecs
import json
from pathlib import Path

from django import forms
from django.contrib import admin
from django.http import FileResponse, Http404
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from essaim.core import jobs
from essaim.core.permissions import NotAllowed

from . import actions
from .columns import MATCHED_FORMATS, MatchingScreen, sample_file
from .imports import IMPORT_FORMATS, ImportError_, Mapping
from .jobs import import_upload
from .models import Source
from .reading import UnreadableFile
from .rejects import rejects_dir
from .uploads import Upload


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        # A web request has about 30 seconds; the command has all the time it needs.
        help_text=_(
            "Of any size: a worker imports it in the background, and the next page shows how "
            "far it has got, then the report."
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
                "import/jobs/<slug:result>/",
                self.admin_site.admin_view(self.job_view),
                name="exchange_import_job",
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
        """Upload a file: its columns matched on the next screen, or imported at once by a
        worker (the same import as `essaim import`), followed on its own page."""
        self._check_may_import(request)
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            token = actions.do_keep_upload(data)
            if data["match_columns"] and not data["mapping"] and data["format"] in MATCHED_FORMATS:
                return redirect("admin:exchange_import_columns", token=token)
            return redirect("admin:exchange_import_job",
                            result=jobs.enqueue_at_once(import_upload, token))  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import a file"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/exchange/import.html", context)

    def columns_view(self, request, token: str) -> HttpResponseBase:
        """Match an uploaded file's columns (and a taxonomy column's values) to Essaim's, see
        the first records as they would be stored, then have a worker import it with that
        mapping, saved for the source."""
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
        if screen.ready and request.POST.get("action") == "import":
            result = jobs.enqueue_at_once(import_upload, token, screen.mapping().to_json(),
                                          bool(request.POST.get("dry_run")))  # fmt: skip
            return redirect("admin:exchange_import_job", result=result)
        return self._columns_page(request, upload, screen)

    def job_view(self, request, result: str) -> HttpResponseBase:
        """An import under way: how far it has got (the page refreshes itself), then its
        report, or why it failed."""
        self._check_may_import(request)
        status, progress, error = jobs.result_of(result)
        if not status:
            raise Http404
        if status == "FAILED" and (again := jobs.later_attempt(result)):
            return redirect("admin:exchange_import_job", result=again)  # tried again
        outcome = progress.outcome if progress is not None else {}
        finished = status in ("SUCCESSFUL", "FAILED")
        percent = (round(100 * progress.done / progress.total)
                   if progress is not None and progress.total else 0)  # fmt: skip
        return TemplateResponse(request, "admin/exchange/import_job.html", {
            **self.admin_site.each_context(request),
            "title": _("Import of a file"),
            "opts": self.model._meta,
            "status": status,
            "finished": finished,
            "percent": percent,
            "error": outcome.get("error") or (error if status == "FAILED" else ""),
            "report": outcome.get("report"),
            "rejections": outcome.get("rejections", []),
            "rejects_url": outcome.get("rejects_url"),
            "duplicates_url": outcome.get("duplicates_url", ""),
            "duplicates_later": outcome.get("duplicates_later", False),
        })  # fmt: skip

    def _columns_page(self, request, upload, screen=None, **context) -> HttpResponseBase:
        return TemplateResponse(request, "admin/exchange/columns.html", {
            **self.admin_site.each_context(request),
            "title": _("Match the file's columns"),
            "upload": upload,
            "screen": screen,
            "opts": self.model._meta,
            **context,
        })  # fmt: skip

    def rejects_view(self, request, name: str) -> HttpResponseBase:
        self._check_may_import(request)
        target = rejects_dir() / Path(name).name
        if not target.is_file() or not name.endswith(".rejects.csv"):
            raise Http404
        return FileResponse(open(target, "rb"), as_attachment=True, filename=target.name)  # noqa: SIM115
