from django.utils import translation


def localized(obj, field: str) -> str:
    """`obj.<field>` in the active language: the Malay twin `<field>_ms` where the page is
    in Malay and staff filled it in, else the English one."""
    if translation.get_language() == "ms":
        value = getattr(obj, f"{field}_ms", "")
        if value:
            return value
    return getattr(obj, field)
