"""The ceiling: one async route with a declared return type returning 20 small objects from
memory, served exactly like Rapport. Every Rapport figure is a ratio to this one."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel


class Item(BaseModel):
    id: str
    object: str
    name: str
    rank: int


ITEMS = [Item(id=f"itm_{n:032x}", object="item", name=f"Item {n}", rank=n) for n in range(20)]

app = FastAPI()


@app.get("/items")
async def items() -> list[Item]:
    return ITEMS
