"""Plugin API versions: a plugin declares the range of ``helpdesk.extension.API_VERSION``
it was written for; outside that range it is listed *incompatible* and never registered.

A plugin module (or object) says ``HELPDESK_API = ">=1.0,<2"`` — a PEP 440 range, read
with :mod:`packaging.specifiers`. No declaration: the plugin loads (it takes the risk).
"""

from __future__ import annotations

from helpdesk.workflow.types import PluginError

#: Version of the plugin API (``helpdesk.extension.API_VERSION``): the minor number grows
#: when names are added to the door, the major one when a name changes meaning or goes.
API_VERSION = "1.0"

#: The attribute a plugin module (or object) sets to its supported API range.
API_ATTRIBUTE = "HELPDESK_API"


class PluginIncompatible(PluginError):
    """The plugin declares an API range this kiosk's API version is outside of."""

    title = "Plugin"


def declared_api(plugin: object) -> str:
    """What the plugin declares (``""`` when nothing); a non-string is refused later."""
    value = getattr(plugin, API_ATTRIBUTE, None)
    if value is None:
        return ""
    return value if isinstance(value, str) else repr(value)


def check_api(plugin: object, have: str | None = None) -> None:
    """Raise :class:`PluginIncompatible` when ``plugin`` does not support API ``have``
    (default: this kiosk's); a plugin without a declaration passes."""
    value = getattr(plugin, API_ATTRIBUTE, None)
    if value is None:
        return
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    have = have or API_VERSION
    if not isinstance(value, str) or not value.strip():
        raise PluginIncompatible("{attribute} must be a version range (e.g. >=1.0,<2), got {value}",
                                 attribute=API_ATTRIBUTE, value=repr(value))
    try:
        wanted = SpecifierSet(value)
        ok = wanted.contains(Version(have), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        raise PluginIncompatible("{attribute} must be a version range (e.g. >=1.0,<2), got {value}",
                                 attribute=API_ATTRIBUTE, value=repr(value)) from None
    if not ok:
        raise PluginIncompatible("Written for plugin API {wanted}; this kiosk has API {have}",
                                 wanted=value, have=have)
