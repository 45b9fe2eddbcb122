"""Request and result models.

Requests accept the seed's JSON bodies (camelCase, e.g. ``energyLevel``) as well as Python
names (``energy_level``). :func:`parse_request` turns any validation failure into
:class:`~cosmic_images.errors.InvalidRequest` naming the field by its JSON path
(``user1.element``), so bad input never reaches a prompt, a provider or the database.

Free text (mood, focus, traits) is checked against an allowlist rather than "sanitised": see
:func:`clean_phrase` and ``docs/prompts.md`` for why.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel, to_snake

from .errors import InvalidRequest
from .zodiac import Element, MoonPhase, Sign, sign_info

__all__ = [
    "AvatarRequest",
    "BirthData",
    "CompatibilityRequest",
    "DailyEnergyRequest",
    "DateField",
    "ElementField",
    "GalleryItem",
    "GalleryPage",
    "GenerationResult",
    "GroupRequest",
    "MoonRitualRequest",
    "PartnerSign",
    "PhaseField",
    "Phrase",
    "RequestModel",
    "SignField",
    "TimeField",
    "UsageStats",
    "User",
    "ZoneField",
    "clean_phrase",
    "parse_date",
    "parse_request",
    "parse_signs",
]

MAX_PHRASE_CHARS = 40
MAX_PHRASE_WORDS = 4
MAX_TRAITS = 5
MAX_TRAIT_CHARS = 24

# Letters (any script) in words joined by single spaces, hyphens or apostrophes.
_PHRASE = re.compile(r"[^\W\d_]+(?:[ '\-][^\W\d_]+)*")
# Words that only appear in attempts to steer the model, never in a mood, focus or trait.
_STEERING = frozenset(
    {
        "ignore",
        "disregard",
        "forget",
        "instruction",
        "instructions",
        "prompt",
        "prompts",
        "system",
        "override",
        "jailbreak",
        "previous",
        "above",
        "text",
        "caption",
        "letters",
        "write",
        "words",
        "logo",
        "watermark",
    }
)


def clean_phrase(value: object, *, max_chars: int = MAX_PHRASE_CHARS) -> str:
    """Normalise a short free-text phrase and check it against the allowlist.

    NFKC-normalised, lower-cased, whitespace collapsed; then it must be at most ``max_chars``
    characters and ``MAX_PHRASE_WORDS`` words of letters joined by single spaces, hyphens or
    apostrophes, with no word from the steering list. Raises ``ValueError`` otherwise.
    """
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise ValueError("must be one line of plain text (no control characters)")
    text = " ".join(unicodedata.normalize("NFKC", value).split()).lower()
    if not text:
        raise ValueError("must not be empty")
    if len(text) > max_chars:
        raise ValueError(f"must be at most {max_chars} characters")
    if not _PHRASE.fullmatch(text):
        raise ValueError("may contain only letters, single spaces, hyphens and apostrophes")
    words = re.split(r"[ \-']", text)
    if text.count(" ") >= MAX_PHRASE_WORDS:
        raise ValueError(f"must be at most {MAX_PHRASE_WORDS} words")
    if _STEERING.intersection(words):
        raise ValueError("must describe a mood, focus or trait, not instructions")
    return text


class _FieldError(ValueError):
    """A model-level check that knows which field is wrong."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name


def _lower_token(value: object) -> object:
    if isinstance(value, str):
        return value.strip().lower().replace(" ", "_").replace("-", "_")
    return value


def _strict_date(value: object) -> object:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError("must be a date as YYYY-MM-DD") from exc
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


def _date_in_range(value: dt.date) -> dt.date:
    if not 1900 <= value.year <= 2199:
        raise ValueError("must be between 1900-01-01 and 2199-12-31")
    return value


def parse_date(value: object, field: str) -> dt.date:
    """A date as the request models accept it (YYYY-MM-DD, 1900 to 2199), or InvalidRequest."""
    try:
        parsed = _strict_date(value)
        assert isinstance(parsed, dt.date)
        return _date_in_range(parsed)
    except ValueError as exc:
        raise InvalidRequest(f"{field}: {exc}", field=field) from None


def parse_signs(values: object, field: str = "signs") -> list[Sign]:
    """Sign names in any case (None: all twelve, in zodiac order), each once; else
    InvalidRequest naming the field."""
    if values is None:
        return list(Sign)
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise InvalidRequest(f"{field}: must be a list of signs", field=field)
    signs: list[Sign] = []
    for value in values:
        try:
            sign = Sign(str(_lower_token(value))) if isinstance(value, str) else Sign(value)
        except ValueError:
            raise InvalidRequest(f"{field}: {value!r} is not a zodiac sign", field=field) from None
        if sign not in signs:
            signs.append(sign)
    if not signs:
        raise InvalidRequest(f"{field}: name at least one sign", field=field)
    return signs


SignField = Annotated[Sign, BeforeValidator(_lower_token)]
PhaseField = Annotated[MoonPhase, BeforeValidator(_lower_token)]
ElementField = Annotated[Element, BeforeValidator(_lower_token)]
DateField = Annotated[dt.date, BeforeValidator(_strict_date), AfterValidator(_date_in_range)]
Phrase = Annotated[str, AfterValidator(clean_phrase)]
Trait = Annotated[str, AfterValidator(lambda v: clean_phrase(v, max_chars=MAX_TRAIT_CHARS))]


class RequestModel(BaseModel):
    """Base of every request: camelCase or snake_case in, unknown fields rejected."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        str_max_length=200,
    )


class DailyEnergyRequest(RequestModel):
    """The seed's daily energy body.

    ``personalized: false`` asks for the sign's shared image of the day (the same picture for
    everyone of that sign, keyed by sign and date alone). When ``personalized`` is left out it
    is true if the request gives an energy level, mood or focus, and false otherwise.
    """

    sign: SignField
    date: DateField | None = None
    energy_level: Annotated[int, Field(ge=1, le=10, strict=True)] | None = None
    mood: Phrase | None = None
    focus: Phrase | None = None
    personalized: Annotated[bool, Field(strict=True)] = False

    @model_validator(mode="before")
    @classmethod
    def _default_personalized(cls, data: Any) -> Any:
        if isinstance(data, dict) and "personalized" not in data:
            given = ("energyLevel", "energy_level", "mood", "focus")
            data = {**data, "personalized": any(data.get(k) is not None for k in given)}
        return data


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {value!r}") from None
    return value


def _strict_time(value: object) -> object:
    if isinstance(value, str):
        try:
            parsed = dt.time.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError("must be a time as HH:MM or HH:MM:SS") from exc
        if parsed.tzinfo is not None:
            raise ValueError("must be a local time; give the zone in birth.timezone")
        return parsed
    if not isinstance(value, dt.time):
        raise ValueError("must be a time as HH:MM or HH:MM:SS")
    return value


TimeField = Annotated[dt.time, BeforeValidator(_strict_time)]
ZoneField = Annotated[str, AfterValidator(_known_zone)]
Degrees = Annotated[float, Field(allow_inf_nan=False, strict=False)]


class BirthData(RequestModel):
    """When and where someone was born. The time is local to ``timezone`` (IANA name)."""

    date: DateField
    time: TimeField | None = None
    latitude: Annotated[Degrees, Field(ge=-89, le=89)] | None = None
    longitude: Annotated[Degrees, Field(ge=-180, le=180)] | None = None
    timezone: ZoneField = "UTC"

    @model_validator(mode="after")
    def _place_is_whole(self) -> BirthData:
        if (self.latitude is None) != (self.longitude is None):
            missing = "latitude" if self.latitude is None else "longitude"
            raise _FieldError(missing, "give both latitude and longitude, or neither")
        return self

    def moment(self) -> dt.datetime | None:
        """The birth instant (timezone-aware), when the time is known."""
        if self.time is None:
            return None
        return dt.datetime.combine(self.date, self.time, ZoneInfo(self.timezone))


class AvatarRequest(RequestModel):
    """Sun, moon and rising signs, given directly or computed from ``birth`` data.

    Signs given explicitly win; birth data fills in the rest. The Sun's and Moon's signs need
    the birth time only when they changed sign that day; the rising sign always needs the
    time and the place, and without them the request is refused rather than guessed.
    """

    sun_sign: SignField | None = None
    moon_sign: SignField | None = None
    rising_sign: SignField | None = None
    birth: BirthData | None = None
    traits: Annotated[tuple[Trait, ...], Field(max_length=MAX_TRAITS)] = ()
    version: Annotated[int, Field(ge=1, le=1000, strict=True)] = 1

    @model_validator(mode="after")
    def _resolve(self) -> AvatarRequest:
        if len(set(self.traits)) != len(self.traits):
            raise _FieldError("traits", "must not repeat")
        if self.birth is None:
            for name in ("sunSign", "moonSign", "risingSign"):
                if getattr(self, to_snake(name)) is None:
                    raise _FieldError(name, "is required (or give birth data)")
            return self
        return self.model_copy(update=_signs_from_birth(self, self.birth))

    @property
    def signs(self) -> tuple[Sign, Sign, Sign]:
        sun, moon, rising = self.sun_sign, self.moon_sign, self.rising_sign
        if sun is None or moon is None or rising is None:  # only via model_construct()
            raise ValueError("the avatar's signs were not resolved; use parse_request()")
        return sun, moon, rising


def _signs_from_birth(request: AvatarRequest, birth: BirthData) -> dict[str, Sign]:
    from . import astro  # ephem loads only when birth data is used

    moment = birth.moment()
    found: dict[str, Sign] = {}
    if request.sun_sign is None:
        if moment is not None:
            found["sun_sign"] = astro.sign_at(astro.ecliptic_longitude("sun", moment))
        else:
            sun = astro.sun_sign(birth.date, birth.timezone)
            if sun.cusp:
                assert sun.ingress is not None, "a cusp day has an ingress"
                assert sun.other_sign is not None, "a cusp day has two signs"
                raise _FieldError(
                    "birth.time",
                    f"the Sun moved between {sun.sign.value} and {sun.other_sign.value} at "
                    f"{sun.ingress:%H:%M} UTC that day: give the birth time (or sunSign)",
                )
            found["sun_sign"] = sun.sign
    if request.moon_sign is None:
        if moment is not None:
            found["moon_sign"] = astro.sign_at(astro.ecliptic_longitude("moon", moment))
        else:
            start = dt.datetime.combine(birth.date, dt.time(0), ZoneInfo(birth.timezone))
            first = astro.sign_at(astro.ecliptic_longitude("moon", start))
            last = astro.sign_at(
                astro.ecliptic_longitude("moon", start + dt.timedelta(days=1, microseconds=-1))
            )
            if first != last:
                raise _FieldError(
                    "birth.time",
                    f"the Moon moved from {first.value} into {last.value} that day: "
                    "give the birth time (or moonSign)",
                )
            found["moon_sign"] = first
    if request.rising_sign is None:
        if moment is None:
            raise _FieldError("birth.time", "the rising sign needs the birth time (or risingSign)")
        if birth.latitude is None or birth.longitude is None:
            raise _FieldError(
                "birth.latitude", "the rising sign needs the birth place (or risingSign)"
            )
        found["rising_sign"] = astro.sign_at(
            astro.ascendant_longitude(moment, birth.latitude, birth.longitude)
        )
    return found


class PartnerSign(RequestModel):
    sign: SignField
    element: ElementField | None = None

    @model_validator(mode="after")
    def _element_matches(self) -> PartnerSign:
        if self.element is not None and self.element != sign_info(self.sign).element:
            raise _FieldError(
                "element",
                f"{self.sign.value} is a {sign_info(self.sign).element.value} sign, "
                f"not {self.element.value}",
            )
        return self


class CompatibilityRequest(RequestModel):
    user1: PartnerSign
    user2: PartnerSign
    compatibility_score: Annotated[int, Field(ge=0, le=100, strict=True)]


class GroupRequest(RequestModel):
    """3 to 6 different signs (a circle of friends, a family) and their group score."""

    signs: Annotated[list[SignField], Field(min_length=3, max_length=6)]
    score: Annotated[int, Field(ge=0, le=100, strict=True)]

    @model_validator(mode="after")
    def _different(self) -> GroupRequest:
        if len(set(self.signs)) != len(self.signs):
            raise _FieldError("signs", "must be different signs")
        return self


class MoonRitualRequest(RequestModel):
    """A moon phase, or a date whose phase is computed (in the business time zone)."""

    phase: PhaseField | None = None
    date: DateField | None = None

    @model_validator(mode="after")
    def _phase_or_date(self) -> MoonRitualRequest:
        if self.phase is None and self.date is None:
            raise _FieldError("phase", "give a phase or a date")
        if self.phase is not None and self.date is not None:
            raise _FieldError("date", "give a phase or a date, not both")
        return self


M = TypeVar("M", bound=RequestModel)


def parse_request(model: type[M], data: M | Mapping[str, Any] | None) -> M:
    """Validate ``data`` into ``model``, or raise :class:`InvalidRequest` naming the field."""
    if isinstance(data, model):
        return data
    if isinstance(data, BaseModel):
        raise InvalidRequest(
            f"expected a {model.__name__} or a JSON object, got {type(data).__name__}", field=None
        )
    if not isinstance(data, Mapping):
        raise InvalidRequest("the request body must be a JSON object", field=None)
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise _to_invalid_request(exc) from exc


def _to_invalid_request(exc: ValidationError) -> InvalidRequest:
    error = exc.errors(include_url=False)[0]
    path = [str(p) for p in error["loc"]]
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, _FieldError):
        path.append(cause.field_name)
    field_name = ".".join(path) or None
    if error["type"] == "extra_forbidden":
        message = "is not a known field"
    elif error["type"] == "missing":
        message = "is required"
    else:
        message = str(cause) if isinstance(cause, ValueError) else error["msg"]
        message = message.removeprefix("Value error, ")
    return InvalidRequest(f"{field_name or 'request'}: {message}", field=field_name)


_USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,127}")


@dataclass(frozen=True, slots=True)
class User:
    """Who is asking. ``tier`` names a tier of the policy table (free, cosmic, universe, ...)."""

    id: str
    tier: str = "free"
    is_admin: bool = False

    def __post_init__(self) -> None:
        # Checked at run time too: hosts build users from untyped JSON and headers.
        user_id: object = self.id
        tier: object = self.tier
        if not isinstance(user_id, str) or not _USER_ID.fullmatch(user_id):
            raise InvalidRequest(
                "userId: must be 1-128 characters of letters, digits and _ . : @ -",
                field="userId",
            )
        if not isinstance(tier, str) or not tier.strip():
            raise InvalidRequest("tier: must be a tier name", field="tier")


@dataclass(frozen=True, slots=True)
class GenerationResult:
    """What a generation returns. :meth:`to_api` gives the seed's response JSON."""

    image_id: str
    image_url: str
    description: str
    shareable_card: str | None
    cached: bool
    category: str
    model: str
    quality: str
    cost: Decimal
    created_at: dt.datetime
    prompt: str = ""
    fallback: bool = False
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def to_api(self) -> dict[str, Any]:
        return {
            "success": True,
            "data": {
                "imageUrl": self.image_url,
                "imageId": self.image_id,
                "description": self.description,
                "shareableCard": self.shareable_card,
                "cached": self.cached,
            },
        }


@dataclass(frozen=True, slots=True)
class GalleryItem:
    image_id: str
    image_url: str
    category: str
    description: str
    model: str
    quality: str
    created_at: dt.datetime
    delivered_at: dt.datetime
    favorite: bool = False
    parent_id: str | None = None  # an edit's original: the version chain

    def to_api(self) -> dict[str, Any]:
        return {
            "imageId": self.image_id,
            "parentId": self.parent_id,
            "imageUrl": self.image_url,
            "category": self.category,
            "description": self.description,
            "model": self.model,
            "quality": self.quality,
            "createdAt": self.created_at.isoformat(),
            "deliveredAt": self.delivered_at.isoformat(),
            "favorite": self.favorite,
        }


@dataclass(frozen=True, slots=True)
class GalleryPage:
    images: tuple[GalleryItem, ...]
    total: int
    limit: int
    offset: int

    def to_api(self) -> dict[str, Any]:
        return {
            "success": True,
            "data": {
                "images": [i.to_api() for i in self.images],
                "count": len(self.images),
                "total": self.total,
                "limit": self.limit,
                "offset": self.offset,
            },
        }


@dataclass(frozen=True, slots=True)
class UsageStats:
    """A user's weekly usage. ``weekly_limit`` and ``remaining`` are None when unlimited."""

    tier: str
    weekly_usage: int
    weekly_limit: int | None
    remaining: int | None
    quality: str
    resets_at: dt.datetime | None
    daily_usage: int = 0
    daily_limit: int | None = None  # the fair-use cap on new images a day, if the tier has one

    def to_api(self) -> dict[str, Any]:
        return {
            "success": True,
            "data": {
                "tier": self.tier,
                "weeklyUsage": self.weekly_usage,
                "weeklyLimit": self.weekly_limit,
                "remaining": self.remaining,
                "quality": self.quality,
                "resetsAt": self.resets_at.isoformat() if self.resets_at else None,
                "dailyUsage": self.daily_usage,
                "dailyLimit": self.daily_limit,
            },
        }
