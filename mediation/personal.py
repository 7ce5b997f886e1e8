"""Personal data: validation of ID numbers and phones, and masking for display.

Names, ID numbers and phones are masked in every output (``张*``,
``340603********123X``, ``138****5678``) unless the operator explicitly
reveals them.
"""

from __future__ import annotations

import re
from datetime import date

from mediation.domain import Party
from mediation.errors import CaseError

#: GB 11643-1999: the weights of the first 17 digits, and the check character by sum mod 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
_ID = re.compile(r"^[0-9]{17}[0-9X]$")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")
MAX_NAME = 50


def id_check_char(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits."""
    return ID_CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str, *, field: str = "id_number", today: date | None = None) -> str:
    """A citizen ID number (GB 11643-1999): 18 characters, valid birth date and checksum.

    Returns it normalised (upper-case X, no spaces); raises :class:`CaseError`.
    The error never repeats the number itself: it is personal data.
    """
    text = str(value).strip().replace(" ", "").upper()
    if not _ID.match(text):
        raise CaseError("ID number must be 17 digits and a check digit or X", field=field)
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise CaseError("ID number holds an impossible birth date", field=field) from None
    if born.year < 1900 or (today is not None and born > today):
        raise CaseError("ID number holds an impossible birth date", field=field)
    if id_check_char(text[:17]) != text[17]:
        raise CaseError("ID number fails its checksum (GB 11643-1999)", field=field)
    return text


def validate_phone(value: str, *, field: str = "phone") -> str:
    """A mainland mobile (11 digits) or landline (area code and number) phone number."""
    text = re.sub(r"[\s()（）]", "", str(value)).replace("+86", "")
    if _MOBILE.match(text) or _LANDLINE.match(text):
        return text
    raise CaseError("phone must be an 11-digit mobile or a landline with its area code", field=field)


def validate_name(value: str, *, field: str = "name") -> str:
    text = " ".join(str(value).split())
    if not text:
        raise CaseError("name is empty", field=field)
    if len(text) > MAX_NAME:
        raise CaseError(f"name is longer than {MAX_NAME} characters", field=field)
    return text


def mask_name(name: str | None) -> str:
    """``张三`` → ``张*``; ``欧阳娜娜`` → ``欧***``."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_id(number: str | None) -> str:
    """``340603199001011234`` → ``340603********1234``."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str | None) -> str:
    """``13812345678`` → ``138****5678``."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def party_view(party: Party, *, reveal: bool = False) -> dict:
    """A party as shown: masked unless revealed."""
    if reveal:
        return {"name": party.name, "id_number": party.id_number, "phone": party.phone}
    return {
        "name": mask_name(party.name),
        "id_number": mask_id(party.id_number) or None,
        "phone": mask_phone(party.phone) or None,
    }
