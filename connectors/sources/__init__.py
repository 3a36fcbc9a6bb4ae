"""The department exports the hub reads, one module each (FORMATS.md)."""

from __future__ import annotations

from connectors.pipeline import Source
from connectors.sources import (
    civil_welfare,
    dpf_certificates,
    edu_status,
    health_screening,
    home_delivery,
    rehab_sessions,
    schools,
)

SOURCES: dict[str, Source] = {
    module.SOURCE.name: module.SOURCE
    for module in (edu_status, dpf_certificates, health_screening, civil_welfare,
                   rehab_sessions, home_delivery, schools)
}
