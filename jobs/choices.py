"""National code lists of vacancies: education levels, KBLI 2020 sectors and the
schema.org employment types. The occupation list (KBJI 2014 / ISCO-08) differs per
city and is a kit part (jobs/kit_parts.py, model Occupation)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Education(models.TextChoices):
    """Minimum education (jenjang pendidikan), lowest first."""

    ANY = "ANY", _("No minimum")
    SD = "SD", _("Primary school (SD)")
    SMP = "SMP", _("Junior high school (SMP)")
    SMA = "SMA", _("Senior high school (SMA)")
    SMK = "SMK", _("Vocational high school (SMK)")
    D1 = "D1", _("Diploma 1 (D1)")
    D3 = "D3", _("Diploma 3 (D3)")
    D4 = "D4", _("Applied bachelor (D4)")
    S1 = "S1", _("Bachelor (S1)")
    S2 = "S2", _("Master (S2)")
    S3 = "S3", _("Doctorate (S3)")


class Sector(models.TextChoices):
    """KBLI 2020 categories (Klasifikasi Baku Lapangan Usaha Indonesia)."""

    A = "A", _("Agriculture, forestry and fishing")
    B = "B", _("Mining and quarrying")
    C = "C", _("Manufacturing")
    D = "D", _("Electricity and gas")
    E = "E", _("Water supply and waste management")
    F = "F", _("Construction")
    G = "G", _("Wholesale and retail trade")
    H = "H", _("Transportation and storage")
    I = "I", _("Accommodation and food service")  # noqa: E741 (KBLI's own letter)
    J = "J", _("Information and communication")
    K = "K", _("Financial and insurance activities")
    L = "L", _("Real estate")
    M = "M", _("Professional, scientific and technical activities")
    N = "N", _("Administrative and support services")
    O = "O", _("Public administration")  # noqa: E741
    P = "P", _("Education")
    Q = "Q", _("Human health and social work")
    R = "R", _("Arts, entertainment and recreation")
    S = "S", _("Other service activities")
    T = "T", _("Households as employers")
    U = "U", _("Extraterritorial organisations")


class EmploymentType(models.TextChoices):
    """schema.org JobPosting employmentType values."""

    FULL_TIME = "FULL_TIME", _("Full time")
    PART_TIME = "PART_TIME", _("Part time")
    CONTRACTOR = "CONTRACTOR", _("Contract")
    TEMPORARY = "TEMPORARY", _("Temporary")
    INTERN = "INTERN", _("Internship")
    VOLUNTEER = "VOLUNTEER", _("Volunteer")
    PER_DIEM = "PER_DIEM", _("Daily wage")
    OTHER = "OTHER", _("Other")
