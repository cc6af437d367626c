"""A list's query parameters as one model (`PageQuery`), its paging fields declared here once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from copy import copy
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, Field

from app.core.pagination import (
    CURSOR_DESCRIPTION,
    DEFAULT_LIMIT,
    LIMIT_DESCRIPTION,
    MAX_LIMIT,
    SortOrder,
)

B = TypeVar("B", bound=BaseModel)

# `limit` and `cursor` of a list's query model, as `Limit` and `Cursor` declare them for a
# route's own parameters.
PageLimit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=LIMIT_DESCRIPTION)]
PageCursor = Annotated[
    str | None, Field(min_length=1, max_length=512, description=CURSOR_DESCRIPTION)
]
_PAGING: dict[str, tuple[Any, Any]] = {
    "limit": (PageLimit, DEFAULT_LIMIT),
    "cursor": (PageCursor, None),
}


def sort_field(orders: Mapping[str, SortOrder], default: str, more: str = "") -> Any:
    """The `sort` of a list allow-listing `orders` (each a name and its `-` reverse), an enum of
    their names in the document, described by them, then by `more`. The route refuses another
    value itself (`resolve_sort`: 422 `invalid_sort`)."""
    if default not in orders:
        raise ValueError(f"the default sort {default!r} is not one of {list(orders)}")
    names = ", ".join(f"`{name}`" for name in orders)
    description = " ".join([f"One of {names}; `-` sorts descending.", *([more] if more else [])])
    return Field(
        default, max_length=32, description=description, json_schema_extra={"enum": list(orders)}
    )


class PageQuery(BaseModel):
    """A list's query parameters, read in one step (`app.core.query.query_model`).

    A subclass names the service's filters model (`filters=`, the one declaration of those
    fields: types, limits and descriptions) and declares `sort` and its other parameters; its
    fields are then the filters, its own and `limit` and `cursor`, in that order, or with
    `paging_first=True` `limit`, `cursor`, its own and the filters: the order in which the
    document lists the parameters (and a 422 its errors). `without` leaves filters out (the
    path gives them); a subclass of a query adds the filters its base left out, last. A
    subclass that declares `limit` itself keeps its own. `orders` (the allow-listed sorts) and
    `filters` tell the list route what the service takes."""

    ORDERS: ClassVar[dict[str, SortOrder]] = {}
    FILTERS: ClassVar[type[BaseModel] | None] = None
    if TYPE_CHECKING:
        sort: str
        limit: int
        cursor: str | None

    def __init_subclass__(
        cls,
        *,
        paging_first: bool = False,
        orders: dict[str, SortOrder] | None = None,
        filters: type[BaseModel] | None = None,
        without: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        # Run as the class is made, before Pydantic reads its fields from the annotations.
        super().__init_subclass__(**kwargs)
        if orders is not None:
            cls.ORDERS = orders
        if filters is not None:
            cls.FILTERS = filters
        inherited = {name for base in cls.__bases__ for name in getattr(base, "model_fields", {})}
        own = dict(vars(cls).get("__annotations__", {}))
        taken: dict[str, Any] = {}
        for name, field in filters.model_fields.items() if filters is not None else ():
            if name not in inherited and name not in own and name not in without:
                taken[name] = field.annotation
                setattr(cls, name, copy(field))
        paging: dict[str, Any] = {}
        if "limit" not in inherited and "limit" not in own:
            paging = {name: annotation for name, (annotation, _) in _PAGING.items()}
            for name, (_, default) in _PAGING.items():
                setattr(cls, name, default)
        if paging_first:
            cls.__annotations__ = {**paging, **own, **taken}
        else:
            cls.__annotations__ = {**taken, **own, **paging}

    @classmethod
    def filters_of(cls, kind: type[B]) -> Callable[[PageQuery], B]:
        """What makes the service's filters model of a query: the fields of the same names
        (those the query does not have keep their defaults), taken as they are, validated with
        the query. The names are settled once, here."""
        names = tuple(name for name in kind.model_fields if name in cls.model_fields)
        blank = kind.model_construct()

        def make(query: PageQuery) -> B:
            return blank.model_copy(update={name: getattr(query, name) for name in names})

        return make
