"""Foreign keys follow the tenancy models to `tenancy` (issue 11). State only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0005_support_once_per_report'),
        ('tenancy', '0001_move_tenancy_models'),
    ]

    operations = [
        # State only: the tables keep their names (layers_city, ...), so the
        # database does not change.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='category',
                    name='agency',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.agency', verbose_name='responsible agency'),
                ),
                migrations.AlterField(
                    model_name='category',
                    name='city',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.city'),
                ),
                migrations.AlterField(
                    model_name='open311application',
                    name='city',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.city'),
                ),
                migrations.AlterField(
                    model_name='photo',
                    name='city',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.city'),
                ),
                migrations.AlterField(
                    model_name='report',
                    name='agency',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.agency', verbose_name='agency'),
                ),
                migrations.AlterField(
                    model_name='report',
                    name='city',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.city'),
                ),
                migrations.AlterField(
                    model_name='report',
                    name='kecamatan',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.adminarea', verbose_name='kecamatan'),
                ),
                migrations.AlterField(
                    model_name='report',
                    name='kelurahan',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.adminarea', verbose_name='kelurahan'),
                ),
                migrations.AlterField(
                    model_name='reportevent',
                    name='agency',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tenancy.agency'),
                ),
                migrations.AlterField(
                    model_name='reportevent',
                    name='city',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.city'),
                ),
                migrations.AlterField(
                    model_name='routingrule',
                    name='agency',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.agency'),
                ),
                migrations.AlterField(
                    model_name='routingrule',
                    name='area',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.adminarea'),
                ),
                migrations.AlterField(
                    model_name='routingrule',
                    name='city',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.city'),
                ),
                migrations.AlterField(
                    model_name='support',
                    name='city',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.city'),
                ),
            ],
        ),
    ]
