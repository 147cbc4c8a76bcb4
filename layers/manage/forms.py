"""Forms of the layer management pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gis_platform.edges import has_control_chars
from layers.models import Layer

MAX_KEYWORDS = 30


class LayerMetadataForm(forms.ModelForm):
    """Title and description in Indonesian and English, dimension, licence,
    attribution, keywords, update frequency and visibility."""

    keywords_text = forms.CharField(
        label=_("Keywords (comma-separated)"), required=False, max_length=1000
    )

    class Meta:
        model = Layer
        fields = (
            "title",
            "title_en",
            "description",
            "description_en",
            "dimension",
            "license",
            "attribution",
            "update_frequency",
            "visibility",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["keywords_text"].initial = ", ".join(self.instance.keywords or [])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, value in data.items():
            if isinstance(value, str) and has_control_chars(value.replace("\t", "")):
                self.add_error(name, _("Control characters are not allowed."))
        keywords = [
            k.strip() for k in (data.get("keywords_text") or "").split(",") if k.strip()
        ]
        if len(keywords) > MAX_KEYWORDS:
            self.add_error("keywords_text", _("At most 30 keywords."))
        data["keywords"] = keywords
        return data


class AttributeForm(forms.Form):
    """One attribute's labels and whether the public sees it."""

    name = forms.CharField(widget=forms.HiddenInput)
    label_id = forms.CharField(
        label=_("Label (Indonesian)"), required=False, max_length=200
    )
    label_en = forms.CharField(
        label=_("Label (English)"), required=False, max_length=200
    )
    public = forms.BooleanField(label=_("Public"), required=False)


AttributeFormSet = forms.formset_factory(AttributeForm, extra=0, max_num=500)


def attribute_initial(layer: Layer) -> list[dict[str, Any]]:
    return [
        {
            "name": f["name"],
            "label_id": (f.get("labels") or {}).get("id") or f.get("label", ""),
            "label_en": (f.get("labels") or {}).get("en", ""),
            "public": not f.get("private"),
        }
        for f in layer.schema
    ]
