"""The plugin SDK: everything a provider plugin may import from promokit, in one module.

A plugin imports ``promokit.sdk`` and nothing else of promokit (its tests add
``promokit.testing``); the conformance suite fails a plugin that reaches into any
other module, so the core can move code between modules without breaking plugins.
What is here is promised for a whole 0.x minor release.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from promokit.errors import (
    AuthenticationError,
    BadRequest,
    ConfigurationError,
    Conflict,
    InvalidCheckout,
    InvalidInput,
    InvalidPromotion,
    NotFound,
    Problem,
    PromokitError,
    ProviderError,
    ProviderResponseError,
    ProviderServerError,
    RateLimited,
    ResponseValidationError,
    UnsupportedFeature,
)
from promokit.http.codec import (
    Instant,
    StrDecimal,
    StrInt,
    Timestamp,
    as_utc,
    decode,
    encode,
    field_error,
    iso_millis,
    to_decimal,
    to_int,
)
from promokit.http.redact import Secret, redact_body
from promokit.http.settings import Environment, ProviderSettings
from promokit.http.transport import (
    ErrorInfo,
    ProviderHttp,
    Response,
    decode_json_error,
    default_error_info,
    path_segment,
)
from promokit.model import (
    AppliesTo,
    Budget,
    CardScope,
    Checkout,
    Coupon,
    CouponType,
    Customers,
    Discount,
    EwalletScope,
    Fixed,
    Limit,
    PaymentMethod,
    PaymentScope,
    Percent,
    Promotion,
    Quota,
    Rejection,
    Reward,
    Status,
    Usage,
    Validation,
    VirtualAccountScope,
    trusted,
)
from promokit.model.capabilities import (
    FieldSupport,
    Limits,
    Manifest,
    Operation,
    Plan,
    PlanLine,
    Support,
    plan,
    require_operation,
)
from promokit.model.evaluate import amount_off, evaluate
from promokit.plugins import ProviderRegistry
from promokit.plugins.hookspecs import hookimpl
from promokit.plugins.provider import Provider

if TYPE_CHECKING:
    from promokit.plugins.emulator import Emulator, EmulatorServer, Fault, Handler, VirtualClock

# The emulator names resolve on first use (PEP 562): a client that loads a plugin
# needs no aiohttp.web server code.
_LAZY = dict.fromkeys(
    ("Emulator", "EmulatorServer", "Fault", "Handler", "VirtualClock"), "promokit.plugins.emulator"
)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'promokit.sdk' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "AppliesTo",
    "AuthenticationError",
    "BadRequest",
    "Budget",
    "CardScope",
    "Checkout",
    "ConfigurationError",
    "Conflict",
    "Coupon",
    "CouponType",
    "Customers",
    "Discount",
    "Emulator",
    "EmulatorServer",
    "Environment",
    "ErrorInfo",
    "EwalletScope",
    "Fault",
    "FieldSupport",
    "Fixed",
    "Handler",
    "Instant",
    "InvalidCheckout",
    "InvalidInput",
    "InvalidPromotion",
    "Limit",
    "Limits",
    "Manifest",
    "NotFound",
    "Operation",
    "PaymentMethod",
    "PaymentScope",
    "Percent",
    "Plan",
    "PlanLine",
    "Problem",
    "PromokitError",
    "Promotion",
    "Provider",
    "ProviderError",
    "ProviderHttp",
    "ProviderRegistry",
    "ProviderResponseError",
    "ProviderServerError",
    "ProviderSettings",
    "Quota",
    "RateLimited",
    "Rejection",
    "Response",
    "ResponseValidationError",
    "Reward",
    "Secret",
    "Status",
    "StrDecimal",
    "StrInt",
    "Support",
    "Timestamp",
    "UnsupportedFeature",
    "Usage",
    "Validation",
    "VirtualAccountScope",
    "VirtualClock",
    "amount_off",
    "as_utc",
    "decode",
    "decode_json_error",
    "default_error_info",
    "encode",
    "evaluate",
    "field_error",
    "hookimpl",
    "iso_millis",
    "path_segment",
    "plan",
    "redact_body",
    "require_operation",
    "to_decimal",
    "to_int",
    "trusted",
]
