"""A covering index for the dashboard's counts: every column they read, so a city's
reports are counted from the index (an index-only scan of a vacuumed table) rather
than from the wide rows (descriptions, points, answers)."""

from django.db import migrations

FORWARD = (
    "CREATE INDEX IF NOT EXISTS dashboard_report_figures ON reports_report (city_id) "
    "INCLUDE (id, category_id, agency_id, kecamatan_id, kelurahan_id, status, "
    "created_at, due_at, resolved_at)"
)
BACKWARD = "DROP INDEX IF EXISTS dashboard_report_figures"


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0003_report_indexes")]

    operations = [migrations.RunSQL(sql=FORWARD, reverse_sql=BACKWARD)]
