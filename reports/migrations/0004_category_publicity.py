# Categories get a publicity setting (public / fuzzed / private) in place of the
# `sensitive` flag, and the database derives every report's public point itself: on
# insert, whenever the exact point or the category changes (by any path: a service,
# the admin, a queryset update), and when a category's publicity or fuzz changes.

from django.db import migrations, models

# 48 random bits from gen_random_uuid() (a strong source, unlike random()).
STRONG_RANDOM = """
CREATE OR REPLACE FUNCTION reports_strong_random() RETURNS double precision
LANGUAGE sql VOLATILE AS $$
  SELECT (('x' || substr(u, 1, 8) || substr(u, 10, 4))::bit(48)::bigint)::float8
         / 281474976710656.0
  FROM (SELECT gen_random_uuid()::text AS u) r
$$;
"""

# `p` moved by between half and all of `distance_m` in a random direction.
FUZZED_POINT = """
CREATE OR REPLACE FUNCTION reports_fuzzed_point(p geometry, distance_m double precision)
RETURNS geometry LANGUAGE sql VOLATILE AS $$
  SELECT ST_SetSRID(ST_Project(
    p::geography,
    distance_m * (0.5 + 0.5 * reports_strong_random()),
    2 * pi() * reports_strong_random()
  )::geometry, 4326)
$$;
"""

REPORT_TRIGGER = """
CREATE OR REPLACE FUNCTION reports_report_public_point() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  pub text;
  fuzz integer;
BEGIN
  SELECT c.publicity, c.fuzz_m INTO pub, fuzz
  FROM reports_category c WHERE c.id = NEW.category_id;
  IF pub = 'public' THEN
    NEW.public_geom := NEW.geom;
  ELSIF TG_OP = 'INSERT'
     OR NEW.public_geom IS NULL
     OR NEW.geom IS DISTINCT FROM OLD.geom
     OR NEW.category_id IS DISTINCT FROM OLD.category_id
     OR NEW.public_geom IS DISTINCT FROM OLD.public_geom THEN
    NEW.public_geom := reports_fuzzed_point(NEW.geom, greatest(fuzz, 1));
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.public_geom IS DISTINCT FROM OLD.public_geom THEN
    -- Moves the public layer's version (tile caches, ETags).
    NEW.updated_at := greatest(NEW.updated_at, clock_timestamp());
  END IF;
  RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS reports_report_public_point ON reports_report;
CREATE TRIGGER reports_report_public_point
  BEFORE INSERT OR UPDATE ON reports_report
  FOR EACH ROW EXECUTE FUNCTION reports_report_public_point();
"""

# A NULL public point asks the report trigger for a new one.
CATEGORY_TRIGGER = """
CREATE OR REPLACE FUNCTION reports_category_publicity() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE reports_report SET public_geom = NULL WHERE category_id = NEW.id;
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS reports_category_publicity ON reports_category;
CREATE TRIGGER reports_category_publicity
  AFTER UPDATE OF publicity, fuzz_m ON reports_category
  FOR EACH ROW
  WHEN (OLD.publicity IS DISTINCT FROM NEW.publicity
        OR OLD.fuzz_m IS DISTINCT FROM NEW.fuzz_m)
  EXECUTE FUNCTION reports_category_publicity();
"""

# Reports whose public point no longer matches their category's publicity (moved into
# a sensitive category before this migration): ask the trigger for a new one.
REPAIR = """
UPDATE reports_report r SET public_geom = NULL
FROM reports_category c
WHERE c.id = r.category_id
  AND ((c.publicity = 'public' AND NOT ST_Equals(r.public_geom, r.geom))
       OR (c.publicity <> 'public' AND ST_DWithin(r.public_geom::geography,
                                                  r.geom::geography, 1)));
"""

DROP = """
DROP TRIGGER IF EXISTS reports_category_publicity ON reports_category;
DROP TRIGGER IF EXISTS reports_report_public_point ON reports_report;
DROP FUNCTION IF EXISTS reports_category_publicity();
DROP FUNCTION IF EXISTS reports_report_public_point();
DROP FUNCTION IF EXISTS reports_fuzzed_point(geometry, double precision);
DROP FUNCTION IF EXISTS reports_strong_random();
"""


def sensitive_to_publicity(apps, schema_editor):
    Category = apps.get_model("reports", "Category")
    Category.objects.filter(sensitive=True).update(publicity="fuzzed")


def publicity_to_sensitive(apps, schema_editor):
    Category = apps.get_model("reports", "Category")
    Category.objects.exclude(publicity="public").update(sensitive=True)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_report_escalation"),
    ]

    operations = [
        migrations.AddField(
            model_name="category",
            name="publicity",
            field=models.CharField(
                choices=[
                    ("public", "Public (exact location)"),
                    ("fuzzed", "Public, fuzzed location"),
                    ("private", "Private (staff only)"),
                ],
                default="public",
                help_text="Public: the exact point. Public, fuzzed: a point moved by up to the fuzz distance, no description, area or photos. Private: never in any public output, staff only.",
                max_length=8,
                verbose_name="publicity",
            ),
        ),
        migrations.RunPython(sensitive_to_publicity, publicity_to_sensitive),
        migrations.RemoveField(
            model_name="category",
            name="sensitive",
        ),
        migrations.RunSQL(
            STRONG_RANDOM + FUZZED_POINT + REPORT_TRIGGER + CATEGORY_TRIGGER + REPAIR,
            DROP,
        ),
    ]
