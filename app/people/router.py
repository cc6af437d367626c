"""HTTP routes for people: `/people` and the people of one organisation."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.auth.caller import WorkspaceAccess
from app.auth.dependencies import workspace_scope
from app.core import routes
from app.core.dependencies import SnapshotDb
from app.organisations.router import OrganisationId
from app.people import service
from app.people.schemas import (
    Person,
    PersonCreate,
    PersonFilters,
    PersonList,
    PersonUpdate,
)

router = routes.workspace_router(tag="people")

# The caller is resolved before a WriteDb parameter opens its transaction.
PeopleReader = Annotated[WorkspaceAccess, workspace_scope("people:read")]
PeopleWriter = Annotated[WorkspaceAccess, workspace_scope("people:write")]
PersonId = Annotated[str, routes.id_path("person's", "per")]
Cascade = Annotated[
    bool, Query(description="Also delete the person's interviews (otherwise refused with 409).")
]


class PeopleQuery(
    routes.PageQuery,
    paging_first=True,
    orders=service.ORDERS,
    filters=PersonFilters,
    without=("organisation_id",),
):
    """The query parameters both people lists share: paging, sort and filters (one model, so
    FastAPI validates them in one step), not the organisation."""

    sort: str = routes.sort_field(
        service.ORDERS,
        service.DEFAULT_SORT,
        "People without a family name, or never contacted, come last in either direction of "
        "those sorts.",
    )


class AllPeopleQuery(PeopleQuery, filters=PersonFilters):
    """Both lists' parameters, then the organisation (the other list's path names it)."""


# Their services answer rows, written as people by `PERSON_JSON` (app.core.rows).
people = routes.ItemRoutes(
    router,
    "people",
    "/people/{person_id}",
    [PersonId],
    model=Person,
    reader=PeopleReader,
    writer=PeopleWriter,
    rows=service.PERSON_JSON,
)
at_organisation = people.like(
    "people", "/organisations/{organisation_id}/people/{person_id}", [OrganisationId, PersonId]
)
# The query is read before the database is taken (a bad one opens no snapshot).
people.filtered_page(
    "List people, filtered and sorted",
    PersonList,
    AllPeopleQuery,
    service.list_people,
    query_first=True,
    description="A page of the workspace's people (`limit`, `cursor`), filtered by "
    "`organisation_id`, `relationship_stage`, `source`, `tag`, `referred_by_id` and `q` (names, "
    "emails, job title, notes), combined with AND. Sorted by `created_at` (default), "
    "`updated_at`, `family_name` or `last_contacted_at`, each with its `-` reverse.",
)
at_organisation.filtered_page(
    "List the people at one organisation, filtered and sorted",
    PersonList,
    PeopleQuery,
    service.list_people_of_organisation,
    verb="list_by_organisation",
    db=SnapshotDb,
    query_first=True,
    description="The people list restricted to the organisation in the path, with the same "
    "filters (but `organisation_id`), sorts and pagination. An organisation not in the workspace, "
    "or a malformed id, is 404.",
)
people.create(
    "Create a person",
    PersonCreate,
    service.create_person,
    description="Needs at least one of `given_name`, `family_name` and `display_name` (422 "
    "`name_required`); `display_name` is derived from the names when not given, and the first "
    "email and phone become primary when none is. `organisation_id` and `referred_by_id` must be "
    "this workspace's (422 `organisation_not_found`, `person_not_found`). With "
    "`stay_in_touch_every_days`, the first `stay_in_touch` follow-up is written in the same "
    "transaction.",
)
people.get(
    "Get a person",
    service.get_person,
    description="One person: names, contact details, organisation, referrer, `relationship_stage` "
    "and notes, with an `ETag` (304 on `If-None-Match`). Another workspace's person, or a "
    "malformed id, is 404.",
)
people.update(
    "Change a person (JSON Merge Patch)",
    PersonUpdate,
    service.update_person,
    description="`null` clears a nullable field, and a list sent (`emails`, `phones`, "
    "`profile_urls`, `tags`) replaces the stored one. A display name still derived from the names "
    "follows their change; one the client chose stays; when the names would give none (all "
    "cleared, or `display_name: null` without names), the person keeps the one they had. A "
    "referrer who is the person, or was referred by them down the chain, is 409 `self_referral` "
    "or `referral_cycle`; setting `stay_in_touch_every_days` writes a `stay_in_touch` follow-up "
    "unless one is pending.",
)
people.delete(
    "Delete a person (and, with `cascade=true`, their interviews)",
    service.delete_person,
    query={"cascade": (Cascade, False)},
    description="Refused with 409 `person_has_interviews` while the person has interviews, unless "
    "`?cascade=true`, which deletes those interviews and their agendas too. Their outreach, "
    "follow-ups and referral records go with them; people they referred are kept, with "
    "`referred_by_id` cleared. Answers 204.",
    responses={
        409: {
            "description": "The person has interviews and `cascade` is not true "
            "(`person_has_interviews`)."
        }
    },
)
