"""The chat endpoints of the JSON API (CONTRACT.md §3). They share the socket handlers'
services, so a message posted here is broadcast live like one sent over the socket."""

from __future__ import annotations

from typing import Any

from flask import g

from messaging.chat import services, threads
from messaging.chat.access import Access, open_thread, open_thread_by_id
from messaging.chat.schemas import (
    MessageSchema,
    MessagesQuery,
    PostMessageSchema,
    SearchQuery,
    ThreadSchema,
    ThreadsQuery,
)
from wholesale.api.pagination import Page, decode_cursor, encode_cursor
from wholesale.api.registry import route


def _me() -> Any:
    return g._login_user


@route(
    "/orders/<int:order_id>/messages",
    summary="The order's chat messages after `after_id` (oldest first); internal notes only "
    "for the supplier.",
    query=MessagesQuery,
    response=MessageSchema,
    paginated=True,
)
def list_order_messages(order_id: int, query: dict[str, Any]) -> Page:
    return _messages_page(open_thread(_me(), order_id), query)


def _messages_page(access: Access, query: dict[str, Any]) -> Page:
    after = decode_cursor(query["cursor"]) if query.get("cursor") else query.get("after_id")
    messages, more = services.messages_after(access, after, limit=query["limit"])
    return Page(messages, encode_cursor(messages[-1].id) if more and messages else None)


@route(
    "/orders/<int:order_id>/messages",
    "POST",
    summary="Post a message to the order's thread (`internal`: a note for the supplier's staff "
    "only); the same `client_id` again answers the stored message with 200.",
    body=PostMessageSchema,
    response=MessageSchema,
    status=201,
)
def post_order_message(order_id: int, data: dict[str, Any]) -> Any:
    return _post(open_thread(_me(), order_id), data)


def _post(access: Access, data: dict[str, Any]) -> Any:
    posted = services.post_message(
        access, data["body"], internal=data["internal"], client_id=data["client_id"],
        source="api",
    )
    return posted.payload, 201 if posted.created else 200


@route(
    "/threads",
    summary="One's threads: every order's thread and one `account` thread per trading "
    "relationship, oldest first (`kind`: `order` or `account`).",
    query=ThreadsQuery,
    response=ThreadSchema,
    paginated=True,
)
def list_threads(query: dict[str, Any]) -> Page:
    return threads.page(_me(), query)


@route(
    "/threads/<int:thread_id>/messages",
    summary="A thread's messages after `after_id` (oldest first); internal notes only for the "
    "supplier.",
    query=MessagesQuery,
    response=MessageSchema,
    paginated=True,
)
def list_thread_messages(thread_id: int, query: dict[str, Any]) -> Page:
    return _messages_page(open_thread_by_id(_me(), thread_id), query)


@route(
    "/threads/<int:thread_id>/messages",
    "POST",
    summary="Post a message to a thread (an order's or an account thread); the same "
    "`client_id` again answers the stored message with 200.",
    body=PostMessageSchema,
    response=MessageSchema,
    status=201,
)
def post_thread_message(thread_id: int, data: dict[str, Any]) -> Any:
    return _post(open_thread_by_id(_me(), thread_id), data)


@route(
    "/messages/search",
    summary="Messages of one's order threads containing `q`, newest first (notes only for "
    "the supplier).",
    query=SearchQuery,
    response=MessageSchema,
    paginated=True,
)
def search_messages(query: dict[str, Any]) -> Page:
    before = decode_cursor(query["cursor"]) if query.get("cursor") else None
    limit = query["limit"]
    found = services.search(_me(), query["q"], limit=limit + 1, before_id=before)
    more = len(found) > limit
    found = found[:limit]
    return Page(found, encode_cursor(found[-1].id) if more and found else None)
