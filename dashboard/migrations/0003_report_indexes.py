"""Indexes the dashboard reads the reports by: new reports by time (new today, the
heatmap, date ranges) and the recently resolved (this and last week's times)."""

from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS dashboard_report_city_created "
    "ON reports_report (city_id, created_at)",
    "CREATE INDEX IF NOT EXISTS dashboard_report_city_resolved "
    "ON reports_report (city_id, resolved_at) WHERE resolved_at IS NOT NULL",
]
BACKWARD = [
    "DROP INDEX IF EXISTS dashboard_report_city_created",
    "DROP INDEX IF EXISTS dashboard_report_city_resolved",
]


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0002_event_indexes")]

    operations = [migrations.RunSQL(sql=FORWARD, reverse_sql=BACKWARD)]
