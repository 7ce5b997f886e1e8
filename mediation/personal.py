"""Personal data: validation of ID numbers and phones, and masking for display.

Names, ID numbers and phones are masked in every output (``张*``,
``340603********123X``, ``138****5678``) unless the operator explicitly
reveals them.

Old ID numbers: a first-generation card's number has 15 digits (6 of the
address, the birth date as YYMMDD, 3 of sequence). The second-generation
number (GB 11643-1999) inserts the century ``19`` before the birth date and
appends a check character; first-generation cards stopped being valid on
1 January 2013 (居民身份证法 as amended in 2011). An error never repeats an ID
number, not even in part (errors reach logs, rejects files and HTTP answers),
so the error for a 15-digit number says what it is and how to convert it, and
gives only the check character, which says nothing about the person. The full
18-digit form is offered only where the clerk typed the number, at an
interactive prompt of ``mediation case register`` (:func:`upgrade_id_number`).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from mediation.domain import Party
from mediation.errors import CaseError

#: GB 11643-1999: the weights of the first 17 digits, and the check character by sum mod 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
_ID = re.compile(r"^[0-9]{17}[0-9X]$")
_OLD_ID = re.compile(r"^[0-9]{15}$")
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
    text = _id_text(value)
    if _OLD_ID.match(text):
        raise _old_number(text, field)
    if not _ID.match(text):
        raise CaseError("ID number must be 17 digits and a check digit or X", field=field, why="id_form")
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise CaseError("ID number holds an impossible birth date", field=field, why="id_birth") from None
    if born.year < 1900 or (today is not None and born > today):
        raise CaseError("ID number holds an impossible birth date", field=field, why="id_birth")
    if id_check_char(text[:17]) != text[17]:
        raise CaseError("ID number fails its checksum (GB 11643-1999)", field=field, why="id_checksum")
    return text


def _id_text(value: object) -> str:
    """An ID number as typed, in one spelling: full-width digits and Ｘ (NFKC), no spaces, upper case."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", str(value))).upper()


def is_old_id_number(value: object) -> bool:
    """Whether ``value`` looks like a first-generation 15-digit ID number."""
    return bool(_OLD_ID.match(_id_text(value)))


def upgrade_id_number(value: str, *, field: str = "id_number") -> str:
    """The 18-digit number of a first-generation 15-digit one: ``19`` inserted before the birth
    date (after the 6 digits of the address), the GB 11643-1999 check character appended.

    :class:`CaseError` (without the number) if it is not 15 digits or holds an impossible date.
    """
    text = _id_text(value)
    if not _OLD_ID.match(text):
        raise CaseError("a first-generation ID number has 15 digits", field=field, why="id_form")
    first17 = text[:6] + "19" + text[6:]
    try:
        date(int(first17[6:10]), int(first17[10:12]), int(first17[12:14]))
    except ValueError:
        raise CaseError("ID number holds an impossible birth date", field=field, why="id_birth") from None
    return first17 + id_check_char(first17)


def _old_number(text: str, field: str) -> CaseError:
    """The error for a 15-digit number: what it is and how to convert it, never the number itself."""
    message = ("ID number has 15 digits: a first-generation number, no longer valid since 2013-01-01 "
               "(居民身份证法, 2011 amendment); the 18-digit number is needed (GB 11643-1999)")
    try:
        check = upgrade_id_number(text, field=field)[-1]
    except CaseError:
        return CaseError(message + ", and this one holds an impossible birth date", field=field, why="id_old")
    return CaseError(message, field=field, why="id_old", bound=check,
                     hint=f"ask for the current card, or convert: insert 19 after the first 6 digits and append "
                          f"the check character {check}")


def validate_phone(value: str, *, field: str = "phone") -> str:
    """A mainland mobile (11 digits) or landline (area code and number) phone number."""
    text = re.sub(r"[\s()（）]", "", unicodedata.normalize("NFKC", str(value)))
    text = text.removeprefix("+86").removeprefix("0086")
    digits = re.sub(r"[-.]", "", text)  # 139-1234-5678 and 139.1234.5678 as 139 1234 5678 are
    if _MOBILE.match(digits):
        return digits
    if _LANDLINE.match(text):
        return text
    if _LANDLINE.match(digits):
        return digits
    raise CaseError("phone must be an 11-digit mobile or a landline with its area code", field=field, why="phone")


def validate_name(value: str, *, field: str = "name") -> str:
    text = " ".join(str(value).split())
    if not text:
        raise CaseError("name is empty", field=field, why="missing")
    if len(text) > MAX_NAME:
        raise CaseError(f"name is longer than {MAX_NAME} characters", field=field, why="too_long", bound=MAX_NAME)
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
