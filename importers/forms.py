from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gis_platform.edges import EdgeError, clean_text
from importers.formats import SUPPORTED
from importers.models import ImportJob
from layers.models import Layer
from tenancy.models import Agency


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ, CSV, FlatGeobuf, GPX"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUPPORTED)}),
    )
    layer = forms.ModelChoiceField(
        label=_("Layer"),
        queryset=Layer.objects.none(),
        required=False,
        empty_label=_("— a new layer —"),
    )
    title = forms.CharField(label=_("Title of the new layer"), required=False)
    agency = forms.ModelChoiceField(
        label=_("Agency of the new layer"),
        queryset=Agency.objects.none(),
        required=False,
    )
    mode = forms.ChoiceField(
        label=_("Mode"), choices=ImportJob.Mode.choices, initial=ImportJob.Mode.APPEND
    )
    key = forms.CharField(label=_("Key column (for update)"), required=False)
    srid = forms.IntegerField(
        label=_("EPSG code (if the file has none)"),
        required=False,
        min_value=1,
        max_value=999999,
    )
    layer_name = forms.CharField(label=_("Layer inside the file"), required=False)
    dry_run = forms.BooleanField(label=_("Dry run (report only)"), required=False)

    def __init__(
        self,
        *args: Any,
        layers: QuerySet[Layer],
        agencies: QuerySet[Agency],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # The fields declared above: self.fields maps names to plain Field.
        cast(forms.ModelChoiceField, self.fields["layer"]).queryset = layers
        cast(forms.ModelChoiceField, self.fields["agency"]).queryset = agencies
        if agencies.count() == 1:
            self.fields["agency"].initial = agencies.first()

    def clean(self) -> dict[str, Any]:
        super().clean()
        # Form.clean returns self.cleaned_data; django-stubs type it Optional.
        data = self.cleaned_data
        # No control characters or line breaks: these end up in layer titles, feeds
        # and pages.
        for name in ("title", "key", "layer_name"):
            try:
                clean_text(data.get(name), name, multiline=False)
            except EdgeError:
                self.add_error(
                    name, _("Remove the control characters and line breaks.")
                )
        if not data.get("layer"):
            if not data.get("title"):
                self.add_error("title", _("Give the new layer a title."))
            if not data.get("agency"):
                self.add_error("agency", _("Choose the agency of the new layer."))
            data["mode"] = ImportJob.Mode.CREATE
        elif data.get("mode") == ImportJob.Mode.CREATE:
            self.add_error("mode", _("This layer exists already: choose another mode."))
        if data.get("mode") == ImportJob.Mode.UPSERT and not data.get("key"):
            self.add_error("key", _("Updating by key needs the key column."))
        return data
