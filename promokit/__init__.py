"""promokit: one neutral model for payment promotions across payment gateways."""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
        LedgerError,
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
        StaleRecord,
        TransportError,
        UnknownFields,
        UnsupportedFeature,
        WriteInProgress,
    )
    from promokit.http.call_deadline import deadline
    from promokit.http.redact import Secret
    from promokit.http.settings import ProviderSettings
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
    from promokit.model.capabilities import FieldSupport, Limits, Manifest, Plan, PlanLine
    from promokit.model.evaluate import evaluate
    from promokit.plugins.hookspecs import hookimpl
    from promokit.plugins.provider import Provider
    from promokit.sync import SyncClient

# Names resolve on first use (PEP 562): ``import promokit`` stays cheap for the
# pytest plugin and the CLI's startup, which need none of the client stack.
_EXPORTS = {
    "AuthenticationError": "promokit.errors",
    "BadRequest": "promokit.errors",
    "Budget": "promokit.model",
    "CardScope": "promokit.model",
    "Checkout": "promokit.model",
    "Client": "promokit.client",
    "ConfigurationError": "promokit.errors",
    "Conflict": "promokit.errors",
    "ConnectError": "promokit.errors",
    "Coupon": "promokit.model",
    "EwalletScope": "promokit.model",
    "FieldSupport": "promokit.model.capabilities",
    "Fixed": "promokit.model",
    "InvalidCheckout": "promokit.errors",
    "InvalidInput": "promokit.errors",
    "InvalidPromotion": "promokit.errors",
    "LedgerError": "promokit.errors",
    "Limits": "promokit.model.capabilities",
    "Manifest": "promokit.model.capabilities",
    "NotFound": "promokit.errors",
    "OutcomeUnknown": "promokit.errors",
    "Overloaded": "promokit.errors",
    "Percent": "promokit.model",
    "Plan": "promokit.model.capabilities",
    "PlanLine": "promokit.model.capabilities",
    "PluginError": "promokit.errors",
    "Problem": "promokit.errors",
    "PromokitError": "promokit.errors",
    "Promotion": "promokit.model",
    "Provider": "promokit.plugins.provider",
    "ProviderError": "promokit.errors",
    "ProviderResponseError": "promokit.errors",
    "ProviderServerError": "promokit.errors",
    "ProviderSettings": "promokit.http.settings",
    "Quota": "promokit.model",
    "RateLimited": "promokit.errors",
    "Rejection": "promokit.model",
    "RequestTimeout": "promokit.errors",
    "ResponseValidationError": "promokit.errors",
    "Secret": "promokit.http.redact",
    "StaleRecord": "promokit.errors",
    "SyncClient": "promokit.sync",
    "TransportError": "promokit.errors",
    "UnknownFields": "promokit.errors",
    "UnsupportedFeature": "promokit.errors",
    "Usage": "promokit.model",
    "Validation": "promokit.model",
    "VirtualAccountScope": "promokit.model",
    "WriteInProgress": "promokit.errors",
    "deadline": "promokit.http.call_deadline",
    "evaluate": "promokit.model.evaluate",
    "hookimpl": "promokit.plugins.hookspecs",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'promokit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        # Importing the deprecated alias promokit.evaluate binds the module over the name
        # here; the name stays the function, as it was when this file imported it eagerly.
        if name == "evaluate" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
    "LedgerError",
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
    "StaleRecord",
    "SyncClient",
    "TransportError",
    "UnknownFields",
    "UnsupportedFeature",
    "Usage",
    "Validation",
    "VirtualAccountScope",
    "WriteInProgress",
    "__version__",
    "deadline",
    "evaluate",
    "hookimpl",
]
