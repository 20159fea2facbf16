"""The SSRF guard's address rules (pure) and its resolution step."""

from __future__ import annotations

import asyncio
import ipaddress
import re

import pytest

from ingest.netguard import AddressPolicy, parse_networks, resolve, why_not_public
from wirewatch.errors import ConfigError
from wirewatch.settings import load_settings


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("8.8.8.8", None),
        ("2001:4860:4860::8888", None),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("2002:a00:1::", "private"),  # 6to4 of 10.0.0.1
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    assert why_not_public(ipaddress.ip_address(address)) == kind


def test_policy_allow_and_allowlist() -> None:
    loop = ipaddress.ip_address("127.0.0.1")
    private = ipaddress.ip_address("10.0.0.5")
    public = ipaddress.ip_address("1.1.1.1")
    assert "WIREWATCH_ALLOW_PRIVATE_NETWORKS" in (AddressPolicy().refusal(loop) or "")
    assert AddressPolicy().refusal(public) is None
    assert AddressPolicy(allow_private=True).refusal(private) is None
    narrow = AddressPolicy.from_settings(True, "127.0.0.0/8, ::1")
    assert narrow.refusal(loop) is None
    assert narrow.refusal(public) is None
    assert "outside" in (narrow.refusal(private) or "")


def test_bad_allowlist_is_a_clear_setting_error() -> None:
    with pytest.raises(ValueError, match=re.escape("'10.0.0.0/33' is not an IP network")):
        parse_networks("10.0.0.0/8,10.0.0.0/33")
    with pytest.raises(ConfigError, match="WIREWATCH_PRIVATE_NETWORK_ALLOWLIST"):
        load_settings(private_network_allowlist="nonsense")


def test_resolve_names_and_literals() -> None:
    assert asyncio.run(resolve("[::1]", 80)) == [ipaddress.ip_address("::1")]
    assert ipaddress.ip_address("127.0.0.1") in asyncio.run(resolve("localhost", 80))
