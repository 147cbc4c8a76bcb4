"""Foreign keys follow the tenancy models to `tenancy` (issue 11). State only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('importers', '0002_check_uploads_in_worker'),
        ('tenancy', '0001_move_tenancy_models'),
    ]

    operations = [
        # State only: the tables keep their names (layers_city, ...), so the
        # database does not change.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='importjob',
                    name='agency',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.agency'),
                ),
                migrations.AlterField(
                    model_name='importjob',
                    name='city',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.city'),
                ),
            ],
        ),
    ]
