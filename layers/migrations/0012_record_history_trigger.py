"""History of other apps' tenant records (cities, agencies, memberships, reports):
one trigger function writes each insert, update and delete into
layers_recordevent as JSON, with pghistory's context (who, URL or job, note).

Trigger arguments: the record's name ("app_label.Model") and, optionally, a
comma-separated list of columns to leave out (a city's boundary is megabytes).
An update that changes nothing but `updated_at` is not an event.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION layers_history_record() RETURNS trigger AS $$
DECLARE
  dropped text[] := string_to_array(coalesce(TG_ARGV[1], ''), ',');
  row_new jsonb;
  row_old jsonb;
  row_any jsonb;
  diff jsonb;
BEGIN
  IF TG_OP <> 'DELETE' THEN row_new := to_jsonb(NEW) - dropped; END IF;
  IF TG_OP <> 'INSERT' THEN row_old := to_jsonb(OLD) - dropped; END IF;
  IF TG_OP = 'UPDATE' THEN
    SELECT coalesce(jsonb_agg(n.key ORDER BY n.key), '[]'::jsonb) INTO diff
      FROM jsonb_each(row_new) n
     WHERE n.key <> 'updated_at' AND n.value IS DISTINCT FROM row_old -> n.key;
    IF diff = '[]'::jsonb THEN RETURN NULL; END IF;
  END IF;
  row_any := coalesce(row_new, row_old);
  INSERT INTO layers_recordevent
    (pgh_created_at, pgh_label, record, obj_id, city_id, data, changed, pgh_context_id)
  VALUES (
    now(), lower(TG_OP), TG_ARGV[0], (row_any ->> 'id')::bigint,
    CASE WHEN TG_ARGV[0] = 'tenancy.City' THEN (row_any ->> 'id')::bigint
         ELSE (row_any ->> 'city_id')::bigint END,
    row_any, diff, _pgh_attach_context());
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""

# (table, record name, columns left out)
TRACKED = (
    ("layers_city", "tenancy.City", "boundary"),
    ("layers_agency", "tenancy.Agency", ""),
    ("layers_membership", "tenancy.Membership", ""),
    ("reports_report", "reports.Report", ""),
)


def _triggers() -> str:
    return "".join(
        f"CREATE TRIGGER layers_history_record AFTER INSERT OR UPDATE OR DELETE "
        f"ON {table} FOR EACH ROW EXECUTE FUNCTION "
        f"layers_history_record('{name}', '{dropped}');\n"
        for table, name, dropped in TRACKED
    )


REVERSE = "".join(
    f"DROP TRIGGER IF EXISTS layers_history_record ON {table};\n"
    for table, _, _ in TRACKED
) + "DROP FUNCTION IF EXISTS layers_history_record();\n"


class Migration(migrations.Migration):
    dependencies = [
        ("layers", "0011_add_history"),
        ("reports", "0007_reporter_notifications"),
    ]
    operations = [migrations.RunSQL(FUNCTION + _triggers(), REVERSE)]
