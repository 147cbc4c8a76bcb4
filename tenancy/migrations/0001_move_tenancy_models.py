"""City, AdminArea, Agency and Membership move from `layers` to `tenancy` (issue 11).

State only; layers 0010 removes them from `layers`' state. Content types are renamed
so admin permissions granted on them survive."""

import django.contrib.gis.db.models.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED = ("city", "adminarea", "agency", "membership")


def _relabel(apps, schema_editor, old: str, new: str) -> None:
    """Rename the moved models' content types, keeping their ids and so every
    permission and admin log entry that points at them."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if ContentType.objects.using(db).filter(app_label=new, model=model).exists():
            # Already created under the new label (post_migrate ran in between):
            # leave both; remove_stale_contenttypes cleans the old one.
            continue
        ContentType.objects.using(db).filter(app_label=old, model=model).update(
            app_label=new
        )


def to_tenancy(apps, schema_editor) -> None:
    _relabel(apps, schema_editor, "layers", "tenancy")


def to_layers(apps, schema_editor) -> None:
    _relabel(apps, schema_editor, "tenancy", "layers")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('layers', '0009_tilecache_by_layer_id'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # State only: the tables keep their names (layers_city, ...), so the
        # database does not change.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='City',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('slug', models.SlugField(max_length=80, unique=True, verbose_name='slug')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('code', models.CharField(help_text='e.g. 36.71', max_length=20, unique=True, verbose_name='Kemendagri code')),
                        ('boundary', django.contrib.gis.db.models.fields.MultiPolygonField(srid=4326, verbose_name='boundary')),
                        ('default_center', django.contrib.gis.db.models.fields.PointField(srid=4326, verbose_name='default map centre')),
                        ('default_zoom', models.PositiveSmallIntegerField(default=12, verbose_name='default zoom')),
                        ('time_zone', models.CharField(default='Asia/Jakarta', max_length=64, verbose_name='time zone')),
                        ('language', models.CharField(choices=[('id', 'Bahasa Indonesia'), ('en', 'English')], default='id', max_length=8, verbose_name='language')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'verbose_name': 'city',
                        'verbose_name_plural': 'cities',
                        'db_table': 'layers_city',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Agency',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('slug', models.SlugField(max_length=80, verbose_name='slug')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('acronym', models.CharField(blank=True, max_length=40, verbose_name='acronym')),
                        ('email', models.EmailField(blank=True, max_length=254, verbose_name='e-mail')),
                        ('city', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='agencies', to='tenancy.city')),
                    ],
                    options={
                        'verbose_name': 'agency',
                        'verbose_name_plural': 'agencies',
                        'db_table': 'layers_agency',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='AdminArea',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('level', models.CharField(choices=[('kecamatan', 'Kecamatan (district)'), ('kelurahan', 'Kelurahan/desa (village)')], max_length=16, verbose_name='level')),
                        ('code', models.CharField(max_length=20, verbose_name='Kemendagri code')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('kind', models.CharField(blank=True, help_text='kelurahan or desa', max_length=20, verbose_name='kind')),
                        ('geom', django.contrib.gis.db.models.fields.MultiPolygonField(srid=4326, verbose_name='geometry')),
                        ('area_km2', models.FloatField(default=0, verbose_name='area (km²)')),
                        ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='children', to='tenancy.adminarea', verbose_name='parent area')),
                        ('city', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='areas', to='tenancy.city')),
                    ],
                    options={
                        'verbose_name': 'administrative area',
                        'verbose_name_plural': 'administrative areas',
                        'db_table': 'layers_adminarea',
                        'ordering': ['level', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='Membership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('city_admin', 'City administrator'), ('operator', 'Control-room operator'), ('planner', 'Planner'), ('agency_editor', 'Agency editor'), ('field_officer', 'Field officer')], max_length=20, verbose_name='role')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('agency', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='tenancy.agency')),
                        ('city', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='tenancy.city')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'membership',
                        'verbose_name_plural': 'memberships',
                        'db_table': 'layers_membership',
                    },
                ),
                migrations.AddConstraint(
                    model_name='agency',
                    constraint=models.UniqueConstraint(fields=('city', 'slug'), name='agency_city_slug'),
                ),
                migrations.AddIndex(
                    model_name='adminarea',
                    index=models.Index(fields=['city', 'level'], name='adminarea_city_level'),
                ),
                migrations.AddConstraint(
                    model_name='adminarea',
                    constraint=models.UniqueConstraint(fields=('city', 'code'), name='adminarea_city_code'),
                ),
                migrations.AddConstraint(
                    model_name='membership',
                    constraint=models.UniqueConstraint(fields=('city', 'user', 'role', 'agency'), name='membership_unique', nulls_distinct=False),
                ),
            ],
        ),
        migrations.RunPython(to_tenancy, to_layers),
    ]
