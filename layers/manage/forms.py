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


class StyleForm(forms.Form):
    """The style editor: what the map draws and how."""

    type = forms.ChoiceField(
        label=_("Style"),
        choices=(
            ("single", _("Single symbol")),
            ("categorized", _("Categorized (a colour per value)")),
            ("graduated", _("Graduated (classes of a number)")),
        ),
    )
    color = forms.RegexField(
        label=_("Colour"),
        regex=r"^#[0-9a-fA-F]{6}$",
        initial="#0072b2",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    attribute = forms.ChoiceField(label=_("Attribute"), required=False)
    method = forms.ChoiceField(
        label=_("Classes by"),
        required=False,
        choices=(
            ("quantile", _("Quantile")),
            ("equal_interval", _("Equal interval")),
            ("natural_breaks", _("Natural breaks (Jenks)")),
        ),
    )
    classes = forms.IntegerField(
        label=_("Number of classes"),
        min_value=2,
        max_value=7,
        initial=5,
        required=False,
    )
    ramp = forms.ChoiceField(
        label=_("Colour ramp"),
        required=False,
        choices=(
            ("blues", _("Blues")),
            ("reds", _("Reds")),
            ("greens", _("Greens")),
            ("yellow-red", _("Yellow to red")),
        ),
    )
    radius = forms.IntegerField(
        label=_("Point size (px)"), min_value=2, max_value=30, initial=6
    )
    width = forms.FloatField(
        label=_("Line width (px)"), min_value=0.5, max_value=12, initial=2
    )
    fill_opacity = forms.FloatField(
        label=_("Fill opacity (0-1)"), min_value=0, max_value=1, initial=0.25
    )
    label = forms.ChoiceField(label=_("Labels"), required=False)

    def __init__(self, *args: Any, layer: Layer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        private = {f["name"] for f in layer.schema if f.get("private")}
        names = [
            (f["name"], f.get("label") or f["name"])
            for f in layer.schema
            if f["name"] not in private
        ]
        self.fields["attribute"].choices = [("", "—"), *names]  # type: ignore[attr-defined]
        self.fields["label"].choices = [("", _("No labels")), *names]  # type: ignore[attr-defined]


def style_initial(layer: Layer) -> dict[str, Any]:
    style = layer.style or {}
    renderer = style.get("renderer") or {}
    classes = renderer.get("classes") or []
    return {
        "type": renderer.get("type", "single"),
        "color": style.get("color", "#0072b2"),
        "attribute": renderer.get("attribute", ""),
        "method": renderer.get("method", "quantile"),
        "classes": len(classes) if renderer.get("type") == "graduated" else 5,
        "radius": style.get("radius", 6),
        "width": style.get("width", 2),
        "fill_opacity": style.get("fill_opacity", 0.25),
        "label": style.get("label", ""),
    }
