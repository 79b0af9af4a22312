"""Durianpay's promo JSON, mirrored field for field as msgspec Structs (snake_case)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from promokit.sdk import Instant, StrDecimal, StrInt, decode

PATH_PREFIX = "/v1"
"""Where Durianpay's API lives on its host (and on the emulator)."""
PROMOS = "/merchants/promos"
"""The promos collection, under :data:`PATH_PREFIX`."""

# gc=False on what responses decode into: these hold decoded JSON only and never
# take part in a reference cycle, so the cycle collector need not track them. A
# page of 100 promos otherwise adds hundreds of tracked objects and triggers
# collections (about a quarter of the page's decode-and-map time, measured).


DETAIL_KEYS = frozenset({"promo_id", "bin_list", "bank_codes", "wallet_types"})
"""The ``promo_details`` keys promokit reads; any other is kept verbatim on read."""


class PromoDetails(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """``promo_details`` as promokit sends it: what a promo's ``type`` restricts it to.

    ``bin_list`` (card BINs, integers) and ``bank_codes`` (issuers) are documented
    for ``card_promos``; at least one must be non-empty. The content for
    ``ewallet_promos`` and ``va_promos`` is undocumented: promokit assumes
    ``wallet_types`` and ``bank_codes`` respectively. Responses add ``promo_id``.

    Docs: https://durianpay.id/docs/api/promos/create/
    """

    promo_id: str | None = None
    bin_list: list[int | str] | None = None
    bank_codes: list[str] | None = None
    wallet_types: list[str] | None = None


class PromoPayload(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The body of create (``POST``) and update (``PATCH``): every amount is a string.

    ``min_order_amount`` and ``max_discount_amount`` are mandatory and ``""`` when
    absent. ``amount`` is listed as mandatory in the docs' table but appears in no
    example and no SDK payload, so it is not sent. ``code`` is omitted when unset.

    Docs: https://durianpay.id/docs/api/promos/create/ and
    https://durianpay.id/docs/api/promos/update/
    """

    type: str
    label: str
    currency: str
    promo_details: PromoDetails
    discount_type: str
    discount: str
    min_order_amount: str
    max_discount_amount: str
    starts_at: str
    ends_at: str
    promo_type: str
    description: str
    sub_type: str
    limit_type: str
    limit_value: str
    price_deduction_type: str
    code: str | None = None


class Promo(msgspec.Struct, kw_only=True, gc=False):
    """A promo as Durianpay returns it (create, fetch, fetch-one, update).

    Enumerations stay raw strings so a new value (or the docs' ``direct_dicsount``
    typo) never fails decoding; ``promo_details`` stays a verbatim object (its keys
    beyond card promos' are undocumented, and an unknown one must not be lost);
    amounts may come as strings or numbers; older examples send ``limit`` instead
    of ``limit_value`` and timestamps without a zone. Fields are declared in the
    order of the fetch and fetch-all examples, then the fields other responses add.

    Docs: https://durianpay.id/docs/api/promos/fetch-one/
    """

    id: str
    currency: str = ""
    label: str
    description: str | None = None
    status: str = ""
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    min_order_amount: StrInt = None
    max_discount_amount: StrInt = None
    type: str
    promo_details: dict[str, Any] | None = None
    discount: StrDecimal
    discount_type: str
    limit_type: str = ""
    limit: StrInt = None
    limit_value: StrInt = None
    sub_type: str = ""
    price_deduction_type: str = ""
    code: str | None = None
    created_at: Instant | None = None
    updated_at: Instant | None = None
    is_live: bool | None = None
    promo_usage: StrInt = None
    promo_type: str | None = None
    amount: StrDecimal = None


class PromoEnvelope(msgspec.Struct, kw_only=True, gc=False):
    """``{"data": promo}``: create, and fetch-one / update as the SDK fixtures show.

    Docs: https://durianpay.id/docs/api/promos/create/
    """

    data: Promo


class PromoListEnvelope(msgspec.Struct, kw_only=True, gc=False):
    """``{"data": [promo, ...]}`` from fetch-all; ``null`` data reads as empty.

    Docs: https://durianpay.id/docs/api/promos/fetch/
    """

    data: list[Promo] | None = None


def decode_page(
    body: bytes, *, provider: str, operation: str, request_id: str | None = None
) -> Sequence[Promo]:
    """The promos of one fetch-all page (``null`` data reads as empty)."""
    page = decode(
        body, PromoListEnvelope, provider=provider, operation=operation, request_id=request_id
    )
    return page.data or ()


class MaybeWrapped(msgspec.Struct, kw_only=True, gc=False):
    """``{"data": promo}``, or (some fetch-one examples) the promo bare: no ``data``.

    Docs: https://durianpay.id/docs/api/promos/fetch-one/
    """

    data: Promo | None = None


def decode_one(
    body: bytes, *, provider: str, operation: str, request_id: str | None = None
) -> tuple[Promo, bool]:
    """One promo, and whether it came wrapped in ``{"data": ...}`` (read once if so)."""
    context: dict[str, Any] = {
        "provider": provider,
        "operation": operation,
        "request_id": request_id,
    }
    data = decode(body, MaybeWrapped, **context).data
    if data is not None:
        return data, True
    return decode(body, Promo, **context), False


class DeleteResponse(msgspec.Struct, kw_only=True):
    """``{"message": "Promo deleted successfully"}``.

    Docs: https://durianpay.id/docs/api/promos/delete/
    """

    message: str = ""


class FieldError(msgspec.Struct, kw_only=True):
    """One entry of ``errors[]`` in a validation failure.

    Docs: https://durianpay.id/docs/api/static-virtual-account/simulate/
    """

    field: str = ""
    message: str = ""


class BusinessFailure(msgspec.Struct, kw_only=True):
    """``data`` of a 422 business failure (``{"data": {"status", "reason"}}``).

    Docs: https://durianpay.id/docs/api/static-virtual-account/simulate/
    """

    status: str = ""
    reason: str = ""


class ErrorBody(msgspec.Struct, kw_only=True):
    """Every error shape of Durianpay's legacy API; any key may be missing.

    ``error`` + ``error_code`` (+ ``request_id``) is the common shape; validation
    failures carry ``errors[]`` and may lack ``error``; the Go SDK also models
    ``message``.

    Docs: https://durianpay.id/docs/api/promos/create/ and
    https://durianpay.id/docs/api/static-virtual-account/simulate/
    """

    error: str | None = None
    error_code: str | None = None
    message: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None
    data: BusinessFailure | None = None
