"""promokit: one neutral model for payment promotions across payment gateways."""

from __future__ import annotations

from promokit.call_deadline import deadline
from promokit.capabilities import FieldSupport, Limits, Manifest, Plan, PlanLine
from promokit.client import Client
from promokit.errors import (
    AuthenticationError,
    BadRequest,
    ConfigurationError,
    Conflict,
    ConnectError,
    InvalidCheckout,
    InvalidInput,
    InvalidPromotion,
    NotFound,
    OutcomeUnknown,
    Overloaded,
    PluginError,
    Problem,
    PromokitError,
    ProviderError,
    ProviderResponseError,
    ProviderServerError,
    RateLimited,
    RequestTimeout,
    ResponseValidationError,
    TransportError,
    UnsupportedFeature,
)
from promokit.evaluate import evaluate
from promokit.hookspecs import hookimpl
from promokit.model import (
    Budget,
    CardScope,
    Checkout,
    Coupon,
    EwalletScope,
    Fixed,
    Percent,
    Promotion,
    Quota,
    Rejection,
    Usage,
    Validation,
    VirtualAccountScope,
)
from promokit.provider import Provider, ProviderSettings
from promokit.redact import Secret

__version__ = "0.1.0"

__all__ = [
    "AuthenticationError",
    "BadRequest",
    "Budget",
    "CardScope",
    "Checkout",
    "Client",
    "ConfigurationError",
    "Conflict",
    "ConnectError",
    "Coupon",
    "EwalletScope",
    "FieldSupport",
    "Fixed",
    "InvalidCheckout",
    "InvalidInput",
    "InvalidPromotion",
    "Limits",
    "Manifest",
    "NotFound",
    "OutcomeUnknown",
    "Overloaded",
    "Percent",
    "Plan",
    "PlanLine",
    "PluginError",
    "Problem",
    "PromokitError",
    "Promotion",
    "Provider",
    "ProviderError",
    "ProviderResponseError",
    "ProviderServerError",
    "ProviderSettings",
    "Quota",
    "RateLimited",
    "Rejection",
    "RequestTimeout",
    "ResponseValidationError",
    "Secret",
    "TransportError",
    "UnsupportedFeature",
    "Usage",
    "Validation",
    "VirtualAccountScope",
    "__version__",
    "deadline",
    "evaluate",
    "hookimpl",
]
