"""manage.py seed_report_categories: the demo report categories of Kota Tangerang.

Idempotent (updates by code). Run after load_demo, which creates the agencies."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from reports.models import Category, Publicity
from tenancy.models import Agency, City

PUBLIC = Publicity.PUBLIC

YES_NO = [{"key": "ya", "name": "Ya"}, {"key": "tidak", "name": "Tidak"}]

# (code, name, group, agency slug, SLA hours, duplicate radius m, publicity,
#  description, keywords, questions). Reports of violence are private: never in any
# public output, visible to staff only.
CATEGORIES: list[tuple] = [
    (
        "jalan-rusak",
        "Jalan rusak / berlubang",
        "Infrastruktur",
        "dinas-pu",
        72,
        50,
        PUBLIC,
        "Lubang, retak atau amblas di jalan dan trotoar.",
        "jalan,lubang,aspal,trotoar",
        [
            {
                "code": "ukuran",
                "description": "Perkiraan ukuran lubang",
                "datatype": "singlevaluelist",
                "required": True,
                "choices": [
                    {"key": "kecil", "name": "Kecil (< 30 cm)"},
                    {"key": "sedang", "name": "Sedang (30-100 cm)"},
                    {"key": "besar", "name": "Besar (> 1 m)"},
                ],
            }
        ],
    ),
    (
        "banjir",
        "Banjir / genangan",
        "Lingkungan",
        "dinas-pu",
        24,
        200,
        PUBLIC,
        "Genangan air atau banjir di jalan, permukiman atau saluran.",
        "banjir,genangan,air,saluran,drainase",
        [
            {
                "code": "kedalaman_cm",
                "description": "Perkiraan kedalaman air (cm)",
                "datatype": "number",
                "required": False,
            }
        ],
    ),
    (
        "sampah",
        "Sampah menumpuk",
        "Lingkungan",
        "dlh",
        48,
        75,
        PUBLIC,
        "Sampah tidak terangkut, tempat pembuangan liar.",
        "sampah,tps,bau",
        [],
    ),
    (
        "lampu-jalan",
        "Lampu jalan mati",
        "Infrastruktur",
        "dinas-pu",
        72,
        30,
        PUBLIC,
        "Penerangan jalan umum (PJU) mati atau berkedip.",
        "lampu,pju,penerangan,gelap",
        [
            {
                "code": "nomor_tiang",
                "description": "Nomor tiang (jika terlihat)",
                "datatype": "string",
                "required": False,
            }
        ],
    ),
    (
        "pohon-tumbang",
        "Pohon tumbang",
        "Lingkungan",
        "dlh",
        12,
        50,
        PUBLIC,
        "Pohon tumbang atau dahan patah yang membahayakan.",
        "pohon,tumbang,dahan",
        [
            {
                "code": "menghalangi_jalan",
                "description": "Menghalangi jalan?",
                "datatype": "singlevaluelist",
                "required": True,
                "choices": YES_NO,
            }
        ],
    ),
    (
        "kekerasan",
        "Kekerasan terhadap perempuan dan anak",
        "Sosial",
        "bagian-pemerintahan",
        24,
        0,
        Publicity.PRIVATE,
        "Laporan kekerasan; lokasi tepat dan identitas pelapor dirahasiakan.",
        "kekerasan,anak,perempuan,kdrt",
        [],
    ),
    (
        "pelayanan-kesehatan",
        "Pelayanan kesehatan",
        "Pelayanan publik",
        "dinkes",
        72,
        100,
        PUBLIC,
        "Keluhan pelayanan puskesmas atau rumah sakit.",
        "puskesmas,rumah sakit,kesehatan",
        [],
    ),
]


class Command(BaseCommand):
    help = "Create or update the demo report categories of a city (kota-tangerang)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", default="kota-tangerang")

    @transaction.atomic
    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            city = City.objects.get(slug=opts["city"])
        except City.DoesNotExist:
            raise CommandError(f"No city {opts['city']!r}; run load_demo.") from None
        agencies = {a.slug: a for a in Agency.objects.filter(city=city)}
        for order, row in enumerate(CATEGORIES):
            (code, name, group, agency, sla, radius, publicity, text, kw, qs) = row
            category, _ = Category.objects.update_or_create(
                city=city,
                code=code,
                defaults={
                    "name": name,
                    "group": group,
                    "agency": agencies.get(agency),
                    "sla_hours": sla,
                    "duplicate_radius_m": radius,
                    "publicity": publicity,
                    "description": text,
                    "keywords": kw,
                    "questions": qs,
                    "order": order,
                },
            )
            category.full_clean()
        self.stdout.write(f"{len(CATEGORIES)} report categories for {city.name}.")
