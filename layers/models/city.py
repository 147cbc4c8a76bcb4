"""Moved to tenancy.models (issue 11); kept so work in progress still imports.

Import from `tenancy.models` instead; this module goes once nothing uses it."""

from tenancy.models import SRID, AdminArea, Agency, City, Membership, Role

__all__ = ["SRID", "AdminArea", "Agency", "City", "Membership", "Role"]
