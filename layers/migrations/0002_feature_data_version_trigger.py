"""A statement-level trigger bumps Layer.data_version whenever features change, so caches
(tiles, GeoJSON ETags) are invalidated by any write path: ORM, bulk COPY, raw SQL."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION layers_bump_data_version() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE layers_layer SET data_version = data_version + 1, data_updated_at = now()
     WHERE id IN (SELECT DISTINCT layer_id FROM new_rows);
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE layers_layer SET data_version = data_version + 1, data_updated_at = now()
     WHERE id IN (SELECT DISTINCT layer_id FROM old_rows);
  ELSE
    UPDATE layers_layer SET data_version = data_version + 1, data_updated_at = now()
     WHERE id IN (SELECT layer_id FROM new_rows UNION SELECT layer_id FROM old_rows);
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""

TRIGGERS = """
CREATE TRIGGER layers_feature_bump_ins AFTER INSERT ON layers_feature
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION layers_bump_data_version();
CREATE TRIGGER layers_feature_bump_upd AFTER UPDATE ON layers_feature
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION layers_bump_data_version();
CREATE TRIGGER layers_feature_bump_del AFTER DELETE ON layers_feature
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
  EXECUTE FUNCTION layers_bump_data_version();
"""

REVERSE = """
DROP TRIGGER IF EXISTS layers_feature_bump_ins ON layers_feature;
DROP TRIGGER IF EXISTS layers_feature_bump_upd ON layers_feature;
DROP TRIGGER IF EXISTS layers_feature_bump_del ON layers_feature;
DROP FUNCTION IF EXISTS layers_bump_data_version();
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0001_initial")]
    operations = [migrations.RunSQL(FUNCTION + TRIGGERS, REVERSE)]
