"""What Mayar's coupon API v2 can express, as data, plus the rules data cannot state."""

from __future__ import annotations

from decimal import Decimal

from promokit.sdk import FieldSupport, Limits, Manifest, Problem, Promotion, Quota, encode
from promokit_mayar import NAME

MAX_CODE_LENGTH = 50
"""Coupon codes Mayar accepts (create, validate and check): 1 to 50 characters."""
MAX_ONETIME_CODES = 50
"""Mayar generates at most this many one-time codes per create request."""
MAX_PAGE_SIZE = 50
"""The V2 ``limit`` maximum for every list (migration guide; the official CLI's ``--limit``)."""
DEFAULT_PAGE_SIZE = 10
"""The list page size promokit asks for unless ``options.page_size`` says otherwise: the
``limit`` default the list page documents (it states no maximum of its own)."""
RATE_LIMIT_PER_MINUTE = 20
"""Published limit: 20 requests per minute per IP address, then HTTP 429 + Retry-After."""
CREATE_FIELDS = frozenset({"name", "expiredAt", "discount", "coupon", "products"})
"""Top-level create-body keys promokit writes itself (``extensions`` may not override them)."""

_NO_UPDATE = (
    "Mayar's coupon API v2 has no endpoint to update or deactivate a discount; "
    "change it in the Mayar dashboard"
)
_NO_DELETE = (
    "Mayar's coupon API v2 has no endpoint to delete a discount; a discount created "
    "by mistake stays in the account (deactivate it in the Mayar dashboard)"
)

MANIFEST: Manifest = Manifest(
    fields={
        "name": FieldSupport(note="sent as name; at least 5 characters"),
        "description": FieldSupport(
            support="unsupported", note="Mayar discounts have no description field"
        ),
        "code": FieldSupport(
            note="coupon.code, honoured for reusable coupons only (one-time codes are generated)"
        ),
        "coupon_type": FieldSupport(
            values=("reusable", "single_use"), note="coupon.type reusable/onetime"
        ),
        "discount": FieldSupport(
            values=("fixed", "percent"), note="discountType monetary/percentage"
        ),
        "discount.max_amount": FieldSupport(
            support="unsupported", note="Mayar has no cap for percentage discounts"
        ),
        "currency": FieldSupport(values=("IDR",), note="Mayar amounts are whole rupiah"),
        "min_purchase": FieldSupport(note="discount.minimumPurchase"),
        "limit": FieldSupport(
            values=("quota",),
            required=True,
            note="discount.totalCoupons is mandatory and counts uses; Mayar has no budget limit",
        ),
        "starts_at": FieldSupport(
            support="unsupported",
            note="the API has no start date (it can only be set in the Mayar dashboard)",
        ),
        "ends_at": FieldSupport(note="expiredAt"),
        "customers": FieldSupport(note="eligibleCustomerType all/new/old"),
        "products": FieldSupport(note="products[].id (payment links), at most 2"),
        "payment": FieldSupport(
            support="unsupported", note="Mayar cannot restrict a discount to a payment method"
        ),
        "reward": FieldSupport(values=("discount",), note="Mayar has no cashback coupons"),
        "applies_to": FieldSupport(
            values=("order",), note="a Mayar discount always applies to the whole transaction"
        ),
        "extensions": FieldSupport(
            note="extensions['mayar'] keys are added to the create body verbatim"
        ),
    },
    operations={
        "create": "native",
        "get": "native",
        "list": "native",
        "validate": "native",
        "usage": "native",
        "update": "unsupported",
        "delete": "unsupported",
    },
    limits=Limits(
        min_name_length=5,
        max_code_length=MAX_CODE_LENGTH,
        max_products=2,
        max_codes_per_request=MAX_ONETIME_CODES,
        max_percent=Decimal(99),
        max_percent_note="Mayar silently caps a higher percentage at 99; send 99 explicitly",
    ),
    operation_notes={"update": _NO_UPDATE, "delete": _NO_DELETE},
    rate_limit_per_minute=RATE_LIMIT_PER_MINUTE,
    # "20 requests per minute per IP address" (providers.md §A.9): every key sending
    # from one host shares it.
    rate_limit_scope="host",
    page_size=DEFAULT_PAGE_SIZE,
)
"""Mayar's capabilities; every refusal carries the reason shown in plans and errors."""


def extra_problems(promotion: Promotion) -> list[Problem]:
    """Mayar rules that depend on several fields at once (checked with the plan, no I/O)."""
    problems: list[Problem] = []
    if promotion.coupon_type == "single_use":
        limit = promotion.limit
        if isinstance(limit, Quota) and limit.uses > MAX_ONETIME_CODES:
            problems.append(
                Problem(
                    "limit.uses",
                    f"Mayar generates at most {MAX_ONETIME_CODES} one-time codes per request, "
                    f"so {limit.uses} single-use codes cannot be created as one promotion; "
                    f"create them in bulk with client.create_bulk(promotion, {limit.uses}), "
                    f"which sends batches of at most {MAX_ONETIME_CODES} — promokit never "
                    "truncates the quota silently",
                )
            )
        if promotion.code is not None:
            problems.append(
                Problem(
                    "code",
                    "Mayar ignores the code of one-time coupons and always generates codes; "
                    "leave code unset or use coupon_type='reusable'",
                )
            )
    problems.extend(_extension_problems(promotion))
    return problems


def _extension_problems(promotion: Promotion) -> list[Problem]:
    extra = promotion.extensions.get(NAME)
    if not extra:
        return []
    problems = [
        Problem(
            f"extensions.{NAME}.{key}",
            "promokit writes this create-body key from the neutral fields; set those instead",
        )
        for key in extra
        if key in CREATE_FIELDS
    ]
    try:
        encode(extra)
    except (TypeError, ValueError, NotImplementedError) as exc:
        problems.append(Problem(f"extensions.{NAME}", f"is not JSON-encodable: {exc}"))
    return problems
