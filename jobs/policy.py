"""Who may do what with vacancies, from tenancy's one access policy plus the jobs
app's own employer accounts (Employer.members).

- Moderators: Disnaker's agency editors and field officers, the city's
  administrators and superusers (`tenancy.access.works_for_agency`). They post for
  any employer of the city, publish, reject and close.
- Employers: accounts in an employer's `members`; they post for that employer,
  submit, correct and close its vacancies, and see its vacancies' moderation.
- Everyone else: the public pages and API (published vacancies only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from jobs.models import Employer, Vacancy
from jobs.workflow import EMPLOYER, MODERATOR
from tenancy.access import works_for_agency
from tenancy.models import City

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser

# The agency (by slug, in every city's kit) that moderates job vacancies.
MODERATING_AGENCY = "disnaker"


def may_moderate(user: User, city: City) -> bool:
    return works_for_agency(user, city, MODERATING_AGENCY)


def employers_for(user: User, city: City) -> QuerySet[Employer]:
    """The employers `user` may post for in `city`: every one for moderators (they
    post on an employer's behalf), else those whose account they are."""
    employers = Employer.objects.filter(city=city)
    if not user.is_authenticated:
        return employers.none()
    if may_moderate(user, city):
        return employers
    return employers.filter(members__id=user.pk)


def may_post(user: User, city: City) -> bool:
    return employers_for(user, city).exists()


def vacancy_roles(user: User, vacancy: Vacancy) -> frozenset[str]:
    """The workflow roles `user` holds for this vacancy (none: it is not theirs)."""
    if not user.is_authenticated:
        return frozenset()
    roles = set()
    city = City(pk=vacancy.city_id)
    if may_moderate(user, city):
        roles.add(MODERATOR)
    if Employer.objects.filter(pk=vacancy.employer_id, members__id=user.pk).exists():
        roles.add(EMPLOYER)
    return frozenset(roles)
