"""The registry of sources. Adding a source = one module with a SOURCE object + one line here."""

from __future__ import annotations

from caspian_etl.core.errors import ConfigError
from caspian_etl.sources import citations, claims, eia, energy_institute, imf_imts, news, worldbank
from caspian_etl.sources.base import FetchContext, Source, Window
from caspian_etl.sources.comtrade import api as comtrade

REGISTRY: dict[str, Source] = {s.name: s for s in (claims.SOURCE, worldbank.SOURCE, comtrade.SOURCE, imf_imts.SOURCE,
                                                   eia.SOURCE, energy_institute.SOURCE, news.SOURCE, citations.SOURCE)}


def get_source(name: str) -> Source:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ConfigError(f"unknown source {name!r}; known sources: {', '.join(sorted(REGISTRY))}") from None


def source_names() -> list[str]:
    return list(REGISTRY)


__all__ = ["REGISTRY", "FetchContext", "Source", "Window", "get_source", "source_names"]
