"""The only module that touches pluggy: loads plugins and exposes the provider registry."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator

import pluggy

from promokit import hookspecs
from promokit.errors import ConfigurationError, PluginError
from promokit.observe import RequestEvent, RequestObserver, guarded
from promokit.provider import Provider

ENTRY_POINT_GROUP = "promokit"
DEFAULT_PLUGINS: tuple[str, ...] = ("promokit.memory",)
"""Built-in plugins, registered after the installed ones."""


class ProviderRegistry:
    """What ``promokit_register_providers`` receives: a checked map of provider classes."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Provider]] = {}
        self._origin: dict[str, str] = {}
        self.current_plugin = "?"

    def add(self, provider_class: type[Provider]) -> None:
        """Register ``provider_class`` under its ``plugin_name``; duplicates are refused."""
        if not (isinstance(provider_class, type) and issubclass(provider_class, Provider)):
            raise PluginError(
                f"plugin {self.current_plugin!r} registered {provider_class!r}, "
                "which is not a promokit.Provider subclass"
            )
        name = getattr(provider_class, "plugin_name", None)
        if not isinstance(name, str) or not name.isidentifier():
            raise PluginError(
                f"plugin {self.current_plugin!r}: {provider_class.__qualname__}.plugin_name "
                f"must be an identifier, got {name!r}"
            )
        if not hasattr(provider_class, "manifest"):
            raise PluginError(
                f"plugin {self.current_plugin!r}: {provider_class.__qualname__} has no manifest"
            )
        existing = self._classes.get(name)
        if existing is not None and existing is not provider_class:
            raise PluginError(
                f"two plugins register a provider named {name!r}: "
                f"{_qualified(existing)} (from {self._origin[name]!r}) and "
                f"{_qualified(provider_class)} (from {self.current_plugin!r})"
            )
        self._classes[name] = provider_class
        self._origin[name] = self.current_plugin

    def get(self, name: str) -> type[Provider]:
        """The class registered as ``name``, or a :class:`ConfigurationError` listing choices."""
        try:
            return self._classes[name]
        except KeyError:
            known = ", ".join(sorted(self._classes)) or "none"
            raise ConfigurationError(
                f"no provider plugin named {name!r} is installed (installed: {known})"
            ) from None

    def origin(self, name: str) -> str:
        """The plugin (entry point or module) that registered ``name``."""
        return self._origin[name]

    def names(self) -> list[str]:
        """Registered provider names, sorted."""
        return sorted(self._classes)

    def __iter__(self) -> Iterator[type[Provider]]:
        return iter(self._classes[name] for name in self.names())

    def __contains__(self, name: object) -> bool:
        return name in self._classes


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _names(variable: str) -> set[str] | None:
    raw = os.environ.get(variable)
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


class Plugins:
    """A typed facade over the pluggy plugin manager; nothing else calls ``pm.hook``.

    ``PROMOKIT_LOAD_PLUGINS`` (comma-separated entry-point names; empty = none)
    restricts which installed plugins load; ``PROMOKIT_DISABLE_PLUGINS`` blocks some.
    Built-ins always load. ``PROMOKIT_TRACE_PLUGINS=1`` traces hook calls to stderr.
    """

    def __init__(self, *, load_entry_points: bool = True) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.versions: dict[str, str] = {}
        if load_entry_points:
            self._load_entry_points()
        for module_name in DEFAULT_PLUGINS:
            self.pm.register(importlib.import_module(module_name), name=module_name)
        self.pm.check_pending()
        if os.environ.get("PROMOKIT_TRACE_PLUGINS"):
            self.pm.trace.root.setwriter(print)
            self.pm.enable_tracing()
        self._registry: ProviderRegistry | None = None

    def _load_entry_points(self) -> None:
        allowed = _names("PROMOKIT_LOAD_PLUGINS")
        blocked = _names("PROMOKIT_DISABLE_PLUGINS") or set()
        for name in blocked:
            self.pm.set_blocked(name)
        from importlib import metadata  # ~9 ms to import; only needed here (lazy)

        for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
            if allowed is not None and entry_point.name not in allowed:
                continue
            if entry_point.name in blocked or self.pm.has_plugin(entry_point.name):
                continue
            try:
                plugin = entry_point.load()
            except Exception as exc:
                raise PluginError(
                    f"plugin {entry_point.name!r} ({entry_point.value}) failed to import: {exc}"
                ) from exc
            self.pm.register(plugin, name=entry_point.name)
            if entry_point.dist is not None:
                self.versions[entry_point.name] = entry_point.dist.version

    def register(self, plugin: object, name: str) -> None:
        """Register a plugin object (a module or instance with hook implementations)."""
        self.pm.register(plugin, name=name)
        self.pm.check_pending()
        self._registry = None

    def unregister(self, name: str) -> None:
        """Remove a plugin registered under ``name``."""
        self.pm.unregister(name=name)
        self._registry = None

    def providers(self) -> ProviderRegistry:
        """The registry every plugin filled through ``promokit_register_providers``."""
        if self._registry is None:
            registry = ProviderRegistry()
            hook = self.pm.hook.promokit_register_providers
            for impl in reversed(hook.get_hookimpls()):
                registry.current_plugin = impl.plugin_name
                try:
                    impl.function(registry=registry)
                except PluginError:
                    raise
                except Exception as exc:
                    raise PluginError(
                        f"plugin {impl.plugin_name!r} failed in promokit_register_providers: "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
            self._registry = registry
        return self._registry

    def request_observer(self) -> RequestObserver | None:
        """A function telling every ``promokit_request_done`` implementation of an event.

        ``None`` when no plugin implements the hook: transports then measure and
        build nothing per request. Each implementation is called on its own, so one
        that raises (logged) does not keep the event from the others.
        """
        implementations = self.pm.hook.promokit_request_done.get_hookimpls()
        if not implementations:
            return None
        # Newest registration first, as pluggy itself calls them.
        observers = [
            guarded(impl.function, wants_event="event" in impl.argnames)
            for impl in reversed(implementations)
        ]

        def notify(event: RequestEvent) -> None:
            for observer in observers:
                observer(event)

        return notify

    def version_of(self, provider_name: str) -> str:
        """The installed version of the plugin that registered ``provider_name``."""
        registry = self.providers()
        origin = registry.origin(provider_name)
        return self.versions.get(origin) or registry.get(provider_name).version


_default: Plugins | None = None


def default_plugins() -> Plugins:
    """The process-wide plugin set, loaded on first use (plugins import lazily)."""
    global _default
    if _default is None:
        _default = Plugins()
    return _default


def reset_default_plugins() -> None:
    """Forget the loaded plugin set, so the next use reloads (tests, env changes)."""
    global _default
    _default = None
