"""Indexes the dashboard's figures read the report timeline by: events of a city by
time (first responses of the last two weeks), and the small set of reopenings."""

from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS dashboard_event_city_at "
    "ON reports_reportevent (city_id, at)",
    "CREATE INDEX IF NOT EXISTS dashboard_event_reopened "
    "ON reports_reportevent (city_id, report_id) "
    "WHERE from_status IN ('resolved', 'closed') OR kind = 'reopened'",
]
BACKWARD = [
    "DROP INDEX IF EXISTS dashboard_event_city_at",
    "DROP INDEX IF EXISTS dashboard_event_reopened",
]


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_add_target"),
        ("reports", "0007_reporter_notifications"),
    ]

    operations = [
        migrations.RunSQL(sql=FORWARD, reverse_sql=BACKWARD),
    ]
