"""The tenancy models leave `layers`' state (tenancy 0001 took them over); Layer and
Feature now point at tenancy.City/Agency. State only: no table changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('importers', '0003_tenancy_fks'),
        ('reports', '0006_tenancy_fks'),
        ('layers', '0009_tilecache_by_layer_id'),
        ('tenancy', '0001_move_tenancy_models'),
    ]

    operations = [
        # State only: the tables keep their names (layers_city, ...), so the
        # database does not change.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='agency',
                    name='city',
                ),
                migrations.AlterField(
                    model_name='layer',
                    name='agency',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='layers', to='tenancy.agency', verbose_name='owner agency'),
                ),
                migrations.RemoveField(
                    model_name='membership',
                    name='agency',
                ),
                migrations.RemoveField(
                    model_name='membership',
                    name='city',
                ),
                migrations.AlterField(
                    model_name='layer',
                    name='city',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='layers', to='tenancy.city'),
                ),
                migrations.AlterField(
                    model_name='feature',
                    name='city',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.city'),
                ),
                migrations.RemoveField(
                    model_name='membership',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='AdminArea',
                ),
                migrations.DeleteModel(
                    name='Agency',
                ),
                migrations.DeleteModel(
                    name='City',
                ),
                migrations.DeleteModel(
                    name='Membership',
                ),
            ],
        ),
    ]
