"""Referrals: recording the names an interviewee gave, and walking the referral tree they form."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, insert, select, update

from app.core.db import Db, Row, utcnow
from app.core.errors import Conflict, FieldError, ValidationFailed
from app.core.etags import require_current
from app.core.inserts import new_row
from app.core.lookups import InWorkspace
from app.core.pagination import Page, SortOrder, fetch_page
from app.follow_ups.models import follow_ups
from app.follow_ups.service import create_follow_up
from app.interviews import service as interviews_service
from app.organisations import service as organisations_service
from app.people import service as people_service
from app.people.models import people
from app.people.representation import PERSON_COLUMNS, PERSON_DOCUMENTS
from app.people.schemas import (
    NAME_FIELDS,
    PersonCreate,
    PersonEmailInput,
    PersonSource,
    RelationshipStage,
)
from app.referrals.models import referrals
from app.referrals.schemas import (
    NEW_CONTACT_FIELDS,
    Referral,
    ReferralCreate,
)

_NO_REFERRAL = "No referral has that id in this workspace."

# A referred person should hear from the seeker while the introduction is fresh.
CONTACT_REFERRAL_AFTER = timedelta(days=7)

_r = referrals.c
_p = people.c

# The `contact_referral` follow-up written with a referral: the first one for the same interview
# and person (later ones, made by hand, are the client's own).
_follow_up_id = (
    select(func.min(follow_ups.c.id))
    .where(
        follow_ups.c.workspace_id == _r.workspace_id,
        follow_ups.c.kind == "contact_referral",
        follow_ups.c.interview_id == _r.interview_id,
        follow_ups.c.person_id == _r.person_id,
    )
    .correlate(referrals)
    .scalar_subquery()
    .label("follow_up_id")
)
_referral_columns = [*_r, _follow_up_id]

ORDER = SortOrder("created_at", (_r.created_at, _r.id))


def _invalid(pointer: str, detail: str, code: str) -> ValidationFailed:
    return ValidationFailed(detail, errors=[FieldError(pointer=pointer, detail=detail, code=code)])


def _conflict(pointer: str, detail: str, code: str) -> Conflict:
    return Conflict(
        detail, code=code, errors=[FieldError(pointer=pointer, detail=detail, code=code)]
    )


def _check_shape(items: list[ReferralCreate]) -> None:
    """Each item names an existing person or describes a new one, never both (the document
    states it too: `schemas._person_or_new_contact`)."""
    errors: list[FieldError] = []
    for index, item in enumerate(items):
        sent = {name for name in NEW_CONTACT_FIELDS if getattr(item, name) is not None}
        if item.person_id is not None and sent:
            errors.append(
                FieldError(
                    pointer=f"/referrals/{index}/person_id",
                    detail="Give either `person_id` or a new contact's details, not both.",
                    code="person_or_new_contact",
                )
            )
        elif item.person_id is None and not sent.intersection(NAME_FIELDS):
            errors.append(
                FieldError(
                    pointer=f"/referrals/{index}/display_name",
                    detail="A new contact needs given_name, family_name or display_name.",
                    code="name_required",
                )
            )
    if errors:
        raise ValidationFailed("Some referrals are not valid; see `errors`.", errors=errors)


async def _link_existing(
    db: Db, workspace_id: str, referrer_id: str, item: ReferralCreate, pointer: str
) -> Row:
    """The existing person named, after refusing a cycle; they get the interviewee as their
    referrer unless they already have one (which is kept)."""
    person_id = str(item.person_id)
    await people_service.ensure_exists(
        db, workspace_id=workspace_id, person_id=person_id, pointer=pointer
    )
    try:
        await people_service.ensure_no_cycle(
            db, workspace_id=workspace_id, person_id=person_id, referrer_id=referrer_id
        )
    except Conflict as exc:
        raise _conflict(
            pointer,
            "The interviewee cannot be referred to themselves, nor by someone they referred "
            "(directly or down the chain): referrals form a tree.",
            "referral_cycle",
        ) from exc
    # The whole row, locked: a new referrer rewrites the person's stored document from it.
    row = await db.one(
        select(*PERSON_COLUMNS)
        .where(_p.workspace_id == workspace_id, _p.id == person_id)
        .with_for_update()
    )
    if row["referred_by_id"] is None:
        changes = {"referred_by_id": referrer_id, "updated_at": utcnow()}
        await db.execute(
            update(people)
            .where(_p.workspace_id == workspace_id, _p.id == person_id)
            .values(**PERSON_DOCUMENTS.written({**row, **changes}, changes))
        )
    return row


async def _create_contact(
    db: Db, workspace_id: str, referrer_id: str, item: ReferralCreate, index: int
) -> Row:
    if item.organisation_id is not None:
        await organisations_service.ensure_exists(
            db,
            workspace_id=workspace_id,
            organisation_id=item.organisation_id,
            pointer=f"/referrals/{index}/organisation_id",
        )
    person = await people_service.create_person(
        db,
        workspace_id=workspace_id,
        body=PersonCreate(
            given_name=item.given_name,
            family_name=item.family_name,
            display_name=item.display_name,
            emails=[] if item.email is None else [PersonEmailInput(address=item.email, label=None)],
            job_title=item.job_title,
            organisation_id=item.organisation_id,
            source=PersonSource.referral,
            referred_by_id=referrer_id,
            relationship_stage=RelationshipStage.identified,
        ),
    )
    return {"id": person["id"], "display_name": person["display_name"]}


async def create_referrals(
    db: Db, *, workspace_id: str, interview_id: str, items: list[ReferralCreate]
) -> list[Referral]:
    """Record every name given in an interview, with its person and follow-up, or none of them
    (the request's transaction rolls back on the first invalid one)."""
    interview = await interviews_service.get_interview(
        db, workspace_id=workspace_id, interview_id=interview_id
    )
    _check_shape(items)
    # The tree changes: concurrent changes to a workspace's referral tree queue on its row, as
    # the people service's own re-parenting does (so two requests cannot close a loop).
    await db.execute(people_service.LOCK_WORKSPACE, {"workspace_id": workspace_id})
    referrer = await db.one(
        select(_p.id, _p.display_name).where(
            _p.workspace_id == workspace_id, _p.id == interview.person_id
        )
    )
    already = {
        row["person_id"]
        for row in await db.all(
            select(_r.person_id).where(
                _r.workspace_id == workspace_id, _r.interview_id == interview_id
            )
        )
    }
    created: list[Referral] = []
    for index, item in enumerate(items):
        pointer = f"/referrals/{index}/person_id"
        if item.person_id is not None:
            if item.person_id in already:
                raise _conflict(
                    pointer,
                    "This person was already referred in this interview.",
                    "already_referred",
                )
            person = await _link_existing(db, workspace_id, referrer["id"], item, pointer)
        else:
            person = await _create_contact(db, workspace_id, referrer["id"], item, index)
        already.add(person["id"])
        created.append(await _insert(db, workspace_id, interview_id, referrer, person, item))
    return created


async def _insert(
    db: Db, workspace_id: str, interview_id: str, referrer: Row, person: Row, item: ReferralCreate
) -> Referral:
    values = new_row(
        "ref",
        workspace_id=workspace_id,
        interview_id=interview_id,
        referrer_id=referrer["id"],
        person_id=person["id"],
        may_use_referrer_name=item.may_use_referrer_name,
        notes=item.notes,
    )
    follow_up = await create_follow_up(
        db,
        workspace_id=workspace_id,
        kind="contact_referral",
        title=f"Contact {person['display_name']} (referred by {referrer['display_name']})",
        due_at=values["created_at"] + CONTACT_REFERRAL_AFTER,
        person_id=person["id"],
        interview_id=interview_id,
    )
    row = await db.one(insert(referrals).values(values).returning(*_r))
    return Referral.model_validate({**row, "follow_up_id": follow_up["id"]})


async def list_referrals(
    db: Db, *, workspace_id: str, interview_id: str, cursor: str | None, limit: int
) -> tuple[list[Referral], Page]:
    await interviews_service.get_interview(db, workspace_id=workspace_id, interview_id=interview_id)
    stmt = select(*_referral_columns).where(
        _r.workspace_id == workspace_id, _r.interview_id == interview_id
    )
    page = await fetch_page(db, stmt, ORDER, cursor, limit)
    return [Referral.model_validate(r) for r in page.rows], page


_referral = InWorkspace("ref", select(*_referral_columns), referrals, _NO_REFERRAL)


async def get_referral(db: Db, *, workspace_id: str, referral_id: str) -> Referral:
    return Referral.model_validate(await _referral.load(db, workspace_id, referral_id))


async def delete_referral(
    db: Db, *, workspace_id: str, referral_id: str, if_match: str | None
) -> None:
    """Forget the record only: the person, their referrer and the follow-up stay."""
    current = await _referral.load(db, workspace_id, referral_id)
    require_current(if_match, Referral.model_validate(current))
    await db.execute(delete(referrals).where(_r.workspace_id == workspace_id, _r.id == referral_id))
