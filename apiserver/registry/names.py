"""String syntax checks from apimachinery's util/validation, with upstream's messages.

Each `validate_*`/`is_*` function returns a list of problem descriptions (empty = valid); the
caller wraps them into field errors with the field path and the value.
"""
from __future__ import annotations

import ipaddress
import re

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
LABEL_VALUE_MAX = 63
QUALIFIED_NAME_MAX = 63

_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL_FMT + r"(\." + _LABEL_FMT + ")*"
_DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE_FMT = "(" + _QUALIFIED_FMT + ")?"
_CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"
_ENV_VAR_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*"
_PERCENT_FMT = "[0-9]+%"
_WILDCARD_FMT = r"\*\." + _SUBDOMAIN_FMT


def _full(fmt: str) -> re.Pattern[str]:
    return re.compile("^" + fmt + "$")


_LABEL_RE, _SUBDOMAIN_RE = _full(_LABEL_FMT), _full(_SUBDOMAIN_FMT)
_DNS1035_RE = _full(_DNS1035_FMT)
_QUALIFIED_RE, _LABEL_VALUE_RE = _full(_QUALIFIED_FMT), _full(_LABEL_VALUE_FMT)
_CONFIG_KEY_RE, _ENV_VAR_RE = _full(_CONFIG_KEY_FMT), _full(_ENV_VAR_FMT)
_PERCENT_RE, _WILDCARD_RE = _full(_PERCENT_FMT), _full(_WILDCARD_FMT)
_PORT_NAME_CHARS = re.compile("^[-a-z0-9]+$")
_PORT_NAME_LETTER = re.compile("[a-z]")


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """Upstream's RegexError, including its double space between examples."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def max_len_error(n: int) -> str:
    return f"must be no more than {n} characters"


EMPTY_ERROR = "must be non-empty"


def validate_dns1123_label(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1123_LABEL_MAX:
        errs.append(max_len_error(DNS1123_LABEL_MAX))
    if not _LABEL_RE.match(value):
        errs.append(regex_error("a lowercase RFC 1123 label must consist of lower case "
                                "alphanumeric characters or '-', and must start and end with an "
                                "alphanumeric character", _LABEL_FMT, "my-name", "123-abc"))
    return errs


def validate_dns1123_subdomain(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX))
    if not _SUBDOMAIN_RE.match(value):
        errs.append(regex_error("a lowercase RFC 1123 subdomain must consist of lower case "
                                "alphanumeric characters, '-' or '.', and must start and end with "
                                "an alphanumeric character", _SUBDOMAIN_FMT, "example.com"))
    return errs


def validate_dns1035_label(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1123_LABEL_MAX:
        errs.append(max_len_error(DNS1123_LABEL_MAX))
    if not _DNS1035_RE.match(value):
        errs.append(regex_error("a DNS-1035 label must consist of lower case alphanumeric "
                                "characters or '-', start with an alphabetic character, and end "
                                "with an alphanumeric character", _DNS1035_FMT, "my-name",
                                "abc-123"))
    return errs


def validate_wildcard_dns1123_subdomain(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX))
    if not _WILDCARD_RE.match(value):
        errs.append(regex_error("a wildcard DNS-1123 subdomain must start with '*.', followed by "
                                "a valid DNS subdomain, which must consist of lower case "
                                "alphanumeric characters, '-' or '.' and end with an alphanumeric "
                                "character", _WILDCARD_FMT, "*.example.com"))
    return errs


_QUALIFIED_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and "
                  "end with an alphanumeric character")


def validate_qualified_name(value: str) -> list[str]:
    """A label key, annotation key or finalizer: optional DNS-subdomain prefix, '/', name."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part " + EMPTY_ERROR)
        else:
            errs.extend("prefix part " + m for m in validate_dns1123_subdomain(prefix))
    else:
        return ["a qualified name " + regex_error(_QUALIFIED_MSG, _QUALIFIED_FMT, "MyName",
                                                  "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part " + EMPTY_ERROR)
    elif len(name) > QUALIFIED_NAME_MAX:
        errs.append("name part " + max_len_error(QUALIFIED_NAME_MAX))
    if not _QUALIFIED_RE.match(name):
        errs.append("name part " + regex_error(_QUALIFIED_MSG, _QUALIFIED_FMT, "MyName",
                                               "my.name", "123-abc"))
    return errs


validate_label_key = validate_qualified_name


def validate_label_value(value: str) -> list[str]:
    errs = []
    if len(value) > LABEL_VALUE_MAX:
        errs.append(max_len_error(LABEL_VALUE_MAX))
    if not _LABEL_VALUE_RE.match(value):
        errs.append(regex_error("a valid label must be an empty string or consist of alphanumeric "
                                "characters, '-', '_' or '.', and must start and end with an "
                                "alphanumeric character", _LABEL_VALUE_FMT, "MyValue", "my_value",
                                "12345"))
    return errs


def validate_config_map_key(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX))
    if not _CONFIG_KEY_RE.match(value):
        errs.append(regex_error("a valid config key must consist of alphanumeric characters, "
                                "'-', '_' or '.'", _CONFIG_KEY_FMT, "key.name", "KEY_NAME",
                                "key-name"))
    errs.extend(_dot_errors(value))
    return errs


def _dot_errors(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


def validate_env_var_name(value: str) -> list[str]:
    """1.32 enables RelaxedEnvironmentVariableValidation: any printable ASCII but '='."""
    if value and all(32 <= ord(c) <= 126 and c != "=" for c in value):
        return []
    return ["a valid environment variable name must consist only of printable ASCII characters "
            "other than '='"]


def validate_strict_env_var_name(value: str) -> list[str]:
    """The pre-1.30 C-identifier-like rule, still used for envFrom prefixes in some paths."""
    errs = []
    if not _ENV_VAR_RE.match(value):
        errs.append(regex_error("a valid environment variable name must consist of alphabetic "
                                "characters, digits, '_', '-', or '.', and must not start with a "
                                "digit", _ENV_VAR_FMT, "my.env-name", "MY_ENV.NAME", "MyEnvName1"))
    errs.extend(_dot_errors(value))
    return errs


def validate_port_name(value: str) -> list[str]:
    """IANA_SVC_NAME (RFC 6335), as container and service port names must be."""
    errs = []
    if len(value) > 15:
        errs.append(max_len_error(15))
    if not _PORT_NAME_CHARS.match(value):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if "--" in value:
        errs.append("must not contain consecutive hyphens")
    if not _PORT_NAME_LETTER.search(value):
        errs.append("must contain at least one letter (a-z)")
    if value.startswith("-") or value.endswith("-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def validate_port_num(port: int) -> list[str]:
    return [] if 1 <= port <= 65535 else ["must be between 1 and 65535, inclusive"]


def validate_percent(value: str) -> list[str]:
    if _PERCENT_RE.match(value):
        return []
    return [regex_error("a valid percent string must be a numeric string followed by an ending "
                        "'%'", _PERCENT_FMT, "1%", "93%")]


def validate_path_segment_name(value: str, prefix: bool = False) -> list[str]:
    """RBAC names: anything usable as one URL path segment."""
    if not prefix:
        if value == ".":
            return ["may not be '.'"]
        if value == "..":
            return ["may not be '..'"]
    errs = []
    for bad in ("/", "%"):
        if bad in value:
            errs.append(f"may not contain '{bad}'")
    return errs


def validate_ip(value: str) -> list[str]:
    try:
        ipaddress.ip_address(value)
        return []
    except ValueError:
        return ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]


def validate_cidr(value: str) -> list[str]:
    try:
        ipaddress.ip_network(value, strict=False)
        if "/" in value:
            return []
    except ValueError:
        pass
    return ["must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"]


def _mask_trailing_dash(name: str) -> str:
    return name[:-1] + "a" if len(name) > 1 and name.endswith("-") else name


def name_errors(rule: str, name: str, prefix: bool = False) -> list[str]:
    """metadata.name (or generateName, with prefix=True) under one of the naming rules."""
    if rule == "path-segment":
        return validate_path_segment_name(name, prefix)
    if prefix:
        name = _mask_trailing_dash(name)
    check = {"label": validate_dns1123_label, "dns1035": validate_dns1035_label}.get(
        rule, validate_dns1123_subdomain)
    return check(name)
