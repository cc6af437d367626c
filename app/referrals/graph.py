"""Who led to whom: a person's referral tree and path, and the workspace's network of people and
organisations, read from the referrals `service` records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, func, literal_column, select

from app.core import ids
from app.core.db import Db, Row
from app.core.errors import NotFound
from app.core.lookups import InWorkspace
from app.core.pagination import Page, SortOrder, fetch_page
from app.organisations.models import organisations
from app.people.models import people
from app.referrals.schemas import (
    NetworkEdge,
    NetworkEdgeType,
    NetworkNode,
    NetworkOrganisationNode,
    NetworkPerson,
    NetworkPersonNode,
    ReferralNode,
    ReferralPath,
    ReferralTree,
)

_NO_PERSON = "No person has that id in this workspace."
# The tree view stops at this many people below the root (the response says it was cut).
MAX_TREE_NODES = 500
# The path view walks up at most this many referrers.
MAX_PATH_LENGTH = 100

_p = people.c
_node_columns = (_p.id, _p.display_name, _p.relationship_stage, _p.organisation_id)


_person_node = InWorkspace("per", select(*_node_columns), people, _NO_PERSON)


async def referral_tree(db: Db, *, workspace_id: str, person_id: str, depth: int) -> ReferralTree:
    """The people reached through this one, `depth` levels down: one query per level."""
    root = await _person_node.load(db, workspace_id, person_id)
    children: dict[str, list[Row]] = {}
    level = [root["id"]]
    remaining = MAX_TREE_NODES
    truncated = False
    for _ in range(depth):
        if not level:
            break
        if remaining == 0:
            # The cap was met exactly: the tree is cut only if someone is left out below.
            truncated = await _any_referred_by(db, workspace_id, level)
            break
        rows = await db.all(
            select(*_node_columns, _p.referred_by_id)
            .where(_p.workspace_id == workspace_id, _p.referred_by_id.in_(level))
            .order_by(_p.created_at, _p.id)
            .limit(remaining + 1)
        )
        if len(rows) > remaining:
            rows, truncated = rows[:remaining], True
        remaining -= len(rows)
        for row in rows:
            children.setdefault(row["referred_by_id"], []).append(row)
        if truncated:
            break
        level = [row["id"] for row in rows]
    return ReferralTree(depth=depth, root=_node(root, children), truncated=truncated)


async def _any_referred_by(db: Db, workspace_id: str, level: list[str]) -> bool:
    found = await db.first(
        select(_p.id).where(_p.workspace_id == workspace_id, _p.referred_by_id.in_(level)).limit(1)
    )
    return found is not None


def _node(row: Row, children: dict[str, list[Row]]) -> ReferralNode:
    # Recursion is bounded by the tree's depth, at most 5.
    return ReferralNode(
        person=NetworkPerson.model_validate(row),
        children=[_node(child, children) for child in children.get(row["id"], [])],
    )


async def referral_path(db: Db, *, workspace_id: str, person_id: str) -> ReferralPath:
    """The chain of referrers above this person, in one recursive query."""
    if not ids.is_valid(person_id, "per"):
        raise NotFound(_NO_PERSON)
    chain = (
        select(*_node_columns, _p.referred_by_id, literal_column("0", Integer).label("hops"))
        .where(_p.workspace_id == workspace_id, _p.id == person_id)
        .cte("chain", recursive=True)
    )
    parent = people.alias("parent")
    chain = chain.union_all(
        select(
            parent.c.id,
            parent.c.display_name,
            parent.c.relationship_stage,
            parent.c.organisation_id,
            parent.c.referred_by_id,
            chain.c.hops + 1,
        ).where(
            parent.c.workspace_id == workspace_id,
            parent.c.id == chain.c.referred_by_id,
            chain.c.hops < MAX_PATH_LENGTH - 1,
        )
    )
    rows = await db.all(select(chain).order_by(chain.c.hops.desc()))
    if not rows:
        raise NotFound(_NO_PERSON)
    return ReferralPath(
        person_id=person_id,
        people=[NetworkPerson.model_validate(r) for r in rows],
        truncated=rows[0]["referred_by_id"] is not None,
    )


NETWORK_ORDER = SortOrder("id", (_p.id,))
DEFAULT_NETWORK_LIMIT = 200
MAX_NETWORK_LIMIT = 1000


async def network(
    db: Db, *, workspace_id: str, cursor: str | None, limit: int
) -> tuple[list[NetworkNode], list[NetworkEdge], Page]:
    """A page of people (in id order) with their degrees, the organisations they work at, and
    the referral and employment edges that end at them: two queries."""
    referred = people.alias("referred")
    referred_count = (
        select(func.count())
        .select_from(referred)
        .where(referred.c.workspace_id == workspace_id, referred.c.referred_by_id == _p.id)
        .correlate(people)
        .scalar_subquery()
        .label("referred_count")
    )
    stmt = select(*_node_columns, _p.referred_by_id, referred_count).where(
        _p.workspace_id == workspace_id
    )
    page = await fetch_page(db, stmt, NETWORK_ORDER, cursor, limit)
    nodes: list[NetworkNode] = []
    edges: list[NetworkEdge] = []
    for row in page.rows:
        has_referrer = row["referred_by_id"] is not None
        nodes.append(
            NetworkPersonNode.model_validate(
                {**row, "degree": row["referred_count"] + int(has_referrer)}
            )
        )
        if has_referrer:
            edges.append(
                NetworkEdge(
                    type=NetworkEdgeType.referral, source=row["referred_by_id"], target=row["id"]
                )
            )
        if row["organisation_id"] is not None:
            edges.append(
                NetworkEdge(
                    type=NetworkEdgeType.employment,
                    source=row["id"],
                    target=row["organisation_id"],
                )
            )
    organisation_ids = sorted({r["organisation_id"] for r in page.rows if r["organisation_id"]})
    nodes.extend(await _organisation_nodes(db, workspace_id, organisation_ids))
    return nodes, edges, page


async def _organisation_nodes(
    db: Db, workspace_id: str, organisation_ids: list[str]
) -> list[NetworkOrganisationNode]:
    if not organisation_ids:
        return []
    o = organisations.c
    people_count: ColumnElement[Any] = (
        select(func.count())
        .select_from(people)
        .where(_p.workspace_id == workspace_id, _p.organisation_id == o.id)
        .correlate(organisations)
        .scalar_subquery()
        .label("people_count")
    )
    rows = await db.all(
        select(o.id, o.name, o.is_target, people_count)
        .where(o.workspace_id == workspace_id, o.id.in_(organisation_ids))
        .order_by(o.id)
    )
    return [NetworkOrganisationNode.model_validate(r) for r in rows]
