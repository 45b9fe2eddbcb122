"""The card renderer: exact sizes, glyphs that are never the missing-glyph box, text that fits
its box in every format and script, encodings, and a host's own font with fallback."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path

import pytest
from fontTools import subset
from fontTools.ttLib import TTFont
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageStat

from cosmic_images import ConfigurationError, InvalidRequest
from cosmic_images.cards import (
    CardData,
    CardStyle,
    Face,
    FontSet,
    bundled_fonts,
    clean_text,
    compose,
    encode,
    render_card,
)
from cosmic_images.cards.text import ELLIPSIS, draw_fitted, fit_text
from cosmic_images.cards.typeface import BUNDLED_BOLD, BUNDLED_REGULAR, bundled_face, cmap_coverage
from cosmic_images.providers.procedural import ProceduralProvider
from cosmic_images.sharing import SHARE_TEXTS, fill
from cosmic_images.testing import sample_specs
from cosmic_images.zodiac import SIGNS, CardFormat, MoonPhase

FONTS = Path(__file__).resolve().parent.parent / "src" / "cosmic_images" / "cards" / "fonts"
NOT_A_CHARACTER = "\U0010ffff"  # a noncharacter: no font maps it, so it draws glyph 0, the box
UNICORN = "\U0001f984"  # an emoji DejaVu Sans does not have

SIZES: list[CardFormat | str] = [*CardFormat, "1080x1350", "800x2400", "2000x700", "640x640"]


@pytest.fixture(scope="module")
def art() -> bytes:
    return ProceduralProvider().generate(sample_specs()[0]).data


def card(**overrides: object) -> CardData:
    values: dict[str, object] = {
        "category": "daily_energy",
        "title": "Aries Daily Energy",
        "glyphs": ("\u2648",),
        "date": dt.date(2025, 1, 23),
        "energy_level": 8,
        "share_text": fill(SHARE_TEXTS["daily_energy"]),
    }
    return CardData(**(values | overrides))  # type: ignore[arg-type]


def size_of(data: bytes) -> tuple[tuple[int, int], str]:
    with Image.open(BytesIO(data)) as image:
        return image.size, str(image.format)


# --- sizes and encodings --------------------------------------------------------------------


@pytest.mark.parametrize("card_format", list(CardFormat))
def test_every_format_comes_out_at_its_exact_size(art: bytes, card_format: CardFormat) -> None:
    assert size_of(render_card(art, card(), card_format)) == (card_format.size, "PNG")


@pytest.mark.parametrize(
    ("given", "expected"),
    [("1080x1350", (1080, 1350)), ("800 x 2400", (800, 2400)), ((2000, 700), (2000, 700))],
)
def test_custom_sizes(art: bytes, given: str | tuple[int, int], expected: tuple[int, int]) -> None:
    assert size_of(render_card(art, card(), given))[0] == expected


@pytest.mark.parametrize(
    "bad", ["poster", "10x10", "5000x1000", "4000x400", "", (1080,), (1080.0, 1920), True, 7]
)
def test_a_bad_format_is_invalid_request_naming_format(art: bytes, bad: object) -> None:
    with pytest.raises(InvalidRequest) as caught:
        render_card(art, card(), bad)  # type: ignore[arg-type]
    assert caught.value.field == "format"


@pytest.mark.parametrize(("encoding", "name"), [("jpeg", "JPEG"), ("webp", "WEBP")])
def test_jpeg_and_webp_on_request(art: bytes, encoding: str, name: str) -> None:
    data = render_card(art, card(), CardFormat.TWITTER, encoding=encoding)
    assert size_of(data) == (CardFormat.TWITTER.size, name)


def test_a_bad_encoding_or_image_is_invalid_request_naming_it(art: bytes) -> None:
    with pytest.raises(InvalidRequest) as caught:
        render_card(art, card(), encoding="gif")
    assert caught.value.field == "encoding"
    with pytest.raises(InvalidRequest) as bad_image:
        render_card(b"\x89PNG not really", card())
    assert bad_image.value.field == "image"


def test_the_same_card_is_the_same_bytes(art: bytes) -> None:
    assert render_card(art, card(), CardFormat.INSTAGRAM_STORY) == render_card(
        art, card(), CardFormat.INSTAGRAM_STORY
    )


def test_the_png_is_the_fast_setting_and_fpng_writes_the_same_pixels(art: bytes) -> None:
    frame = compose(art, card(), CardFormat.INSTAGRAM_STORY).image
    ours = encode(frame, "png")
    default = BytesIO()
    frame.save(default, "PNG", compress_level=1, compress_type=3)
    assert ours == default.getvalue()
    fast = encode(frame, "png", png_encoder="fpng")
    assert fast != ours
    with Image.open(BytesIO(fast)) as decoded:
        assert decoded.convert("RGB").tobytes() == frame.tobytes()


def test_an_unknown_png_encoder_is_a_configuration_error(art: bytes) -> None:
    with pytest.raises(ConfigurationError):
        render_card(art, card(), png_encoder="zopfli")


# --- glyphs ---------------------------------------------------------------------------------


def used_characters() -> list[str]:
    """Every character the built-in cards draw: glyphs, phases, titles, dates, share texts."""
    text = "".join(info.glyph + info.name for info in SIGNS.values())
    text += "".join(phase.symbol + phase.label for phase in MoonPhase)
    text += "".join(fill(t, p) for t in SHARE_TEXTS.values() for p in MoonPhase)
    text += "Created with Cosmic Coach"
    text += "Daily Energy Sun Moon Rising Ritual Compatible & % \u00b7 / 0123456789" + ELLIPSIS
    text += "January February March April May June July August September October November December"
    return sorted({ch for ch in text if not ch.isspace()})


@pytest.mark.parametrize("name", [BUNDLED_REGULAR, BUNDLED_BOLD])
def test_every_character_the_cards_draw_is_a_real_glyph_not_the_box(name: str) -> None:
    face = bundled_face(name)
    font = face.font(64)

    def mask(ch: str) -> tuple[tuple[int, int], bytes]:
        drawn = font.getmask(ch)
        return drawn.size, bytes(drawn)

    box = mask(NOT_A_CHARACTER)
    assert box[0] != (0, 0) and any(box[1]), "the font's missing-glyph box has ink"
    assert mask(UNICORN) == box, "a character the font lacks draws the box (the check can fail)"
    covered = FontSet((face,))
    for ch in used_characters():
        if covered.face_for(ch) is None:
            continue  # emoji of the share texts that no face has: left out, checked below
        drawn = mask(ch)
        assert drawn != box, f"{ch!r} (U+{ord(ch):04X}) draws the missing-glyph box"
        assert any(drawn[1]), f"{ch!r} (U+{ord(ch):04X}) draws nothing"
    missing = {ch for ch in used_characters() if covered.face_for(ch) is None}
    assert missing == {"\u2728", "\U0001f31f", "\U0001f4ab"}  # the seed's sparkles and stars


def test_the_zodiac_glyphs_and_moon_phases_are_covered_by_both_faces() -> None:
    symbols = [info.glyph for info in SIGNS.values()] + [p.symbol for p in MoonPhase]
    assert len(symbols) == 20
    for name in (BUNDLED_REGULAR, BUNDLED_BOLD):
        assert all(bundled_face(name).covers(ch) for ch in symbols)


@pytest.mark.parametrize("name", [BUNDLED_REGULAR, BUNDLED_BOLD])
def test_the_cmap_reader_agrees_with_fonttools(name: str) -> None:
    path = FONTS / name
    with TTFont(path) as font:
        reference = {code for code, glyph in font.getBestCmap().items() if glyph != ".notdef"}
    assert cmap_coverage(path.read_bytes()) == reference
    assert len(reference) > 2000
    for text in ("Привет", "Ελλάδα", "Zoë Ørsted Łódź"):
        assert all(ord(ch) in reference for ch in text if not ch.isspace())


def test_the_bundled_fonts_carry_their_licence() -> None:
    licence = (FONTS / "LICENSE-DejaVu.txt").read_text()
    assert "Bitstream" in licence and "DejaVu changes are in public domain" in licence


def test_variation_selectors_and_uncovered_characters_are_never_drawn() -> None:
    regular, _ = bundled_fonts()
    assert clean_text("\u2648\ufe0f  Aries\ufe0e\u200d") == "\u2648 Aries"
    assert regular.drawable(f"a {UNICORN} b\u2728c") == "a bc"

    def pixels(text: str) -> bytes:
        image = Image.new("RGB", (400, 100))
        fitted = fit_text(regular, text, 380, 90, max_size=40, min_size=20, max_lines=1)
        draw_fitted(ImageDraw.Draw(image), regular, fitted, (10, 5, 380, 90), fill=(255, 255, 255))
        return image.tobytes()

    assert pixels(f"a{UNICORN}b\ufe0f") == pixels("ab")
    assert pixels(f"a{UNICORN}b") != pixels("a b")


# --- a host's own font ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def latin_only_font(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A host font with ASCII letters only: no zodiac signs, no Cyrillic."""
    options = subset.Options()
    font = subset.load_font(str(FONTS / BUNDLED_REGULAR), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=range(0x20, 0x7F))
    subsetter.subset(font)
    path = tmp_path_factory.mktemp("fonts") / "HostLatin.ttf"
    subset.save_font(font, str(path), options)
    font.close()
    return path


def test_a_host_font_is_drawn_first_and_the_bundled_one_fills_its_gaps(
    art: bytes, latin_only_font: Path
) -> None:
    host = Face.from_path(latin_only_font)
    regular, bold = bundled_fonts(latin_only_font)
    assert regular.faces[0].coverage == host.coverage
    runs = regular.runs("Leo \u264c Лев")
    assert [(face.name, text) for face, text in runs] == [
        (str(latin_only_font), "Leo "),
        (BUNDLED_REGULAR, "\u264c Лев"),
    ]
    assert bold.faces[1].name == BUNDLED_BOLD
    style = CardStyle(font_file=latin_only_font)
    assert style.digest != CardStyle().digest
    mine = compose(art, card(title="Лев Daily Energy"), CardFormat.TWITTER, style)
    plain = compose(art, card(title="Лев Daily Energy"), CardFormat.TWITTER)
    assert " ".join(line.text for line in mine.text["title"]) == "Лев Daily Energy"
    assert mine.image.tobytes() != plain.image.tobytes()


def test_a_file_that_is_not_a_font_is_a_configuration_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(b"not a font at all, just some bytes")
    with pytest.raises(ConfigurationError, match=r"bad\.ttf"):
        Face.from_path(bad)
    with pytest.raises(ConfigurationError):
        Face.from_path(tmp_path / "missing.ttf")


# --- text fits its box -----------------------------------------------------------------------

LONG_TEXTS = {
    "english": "The Extraordinarily Long and Winding Title of a Cosmic Energy Reading " * 3,
    "accents": "Énergie cosmique très élevée à Zürich, São Paulo et Kraków — ça déménage! " * 2,
    "vietnamese": "Năng lượng vũ trụ của bạn hôm nay thật rực rỡ và đầy cảm hứng " * 2,
    "cyrillic": "Космическая энергия Овна сегодня: смелость, страсть и новые начинания " * 2,
    "greek": "\u0397 κοσμική ενέργεια του Κριού σήμερα είναι δυνατή και φωτεινή " * 2,
    "one word": "Supercalifragilisticexpialidocious" * 4,
}


def assert_inside(composed: object) -> None:
    from cosmic_images.cards import Composed

    assert isinstance(composed, Composed)
    width, height = composed.image.size
    for name, lines in composed.text.items():
        left, top, box_w, box_h = composed.boxes[name]
        assert left >= 0 and left + box_w <= width and top >= 0 and top + box_h <= height
        for line in lines:
            x0, y0, x1, y1 = line.bbox
            assert left <= x0 and x1 <= left + box_w, f"{name} {line.text!r} overflows sideways"
            assert top <= y0 and y1 <= top + box_h, f"{name} {line.text!r} overflows vertically"


@pytest.mark.parametrize("card_format", SIZES)
@pytest.mark.parametrize("script", list(LONG_TEXTS))
def test_long_text_in_any_script_fits_its_box(art: bytes, card_format: str, script: str) -> None:
    text = LONG_TEXTS[script]
    composed = compose(art, card(title=text, share_text=text), card_format)
    assert_inside(composed)
    title = composed.text["title"]
    assert 1 <= len(title) <= composed.layout.title.max_lines
    assert title[-1].text.endswith(ELLIPSIS)  # too long for the box even at the smallest size


@pytest.mark.parametrize("card_format", SIZES)
def test_a_short_title_is_drawn_whole(art: bytes, card_format: str) -> None:
    composed = compose(art, card(), card_format)
    assert_inside(composed)
    assert " ".join(line.text for line in composed.text["title"]) == "Aries Daily Energy"
    assert [line.text for line in composed.text["watermark"]] == ["Created with Cosmic Coach"]
    assert {"glyphs", "date", "title", "energy", "energyLabel", "share"} <= set(composed.boxes)


def test_a_title_that_needs_two_lines_is_wrapped_not_cut(art: bytes) -> None:
    title = "Sagittarius Sun \u00b7 Capricorn Moon \u00b7 Aquarius Rising"
    composed = compose(art, card(title=title), CardFormat.INSTAGRAM_STORY)
    lines = [line.text for line in composed.text["title"]]
    assert len(lines) == 2 and " ".join(lines) == title


WORDS = st.text(
    alphabet=st.sampled_from(
        [
            *"abcdefghijklmnopqrstuvwxyzABCXYZ éàüßøłПривет\u0395\u03bb\u03bb\u03ac\u03b4\u03b1",
            *"\u2014\u00b7&%!?\u2648\u264e\ufe0f\u2728\u200d",
            UNICORN,
        ]
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(WORDS, min_size=1, max_size=30),
    box=st.tuples(st.integers(80, 900), st.integers(20, 300)),
    max_size=st.integers(12, 120),
    max_lines=st.integers(1, 4),
)
def test_fitted_text_never_leaves_its_box(
    words: list[str], box: tuple[int, int], max_size: int, max_lines: int
) -> None:
    regular, _ = bundled_fonts()
    width, height = box
    min_size = max(6, min(max_size, height // 2) // 2)
    fitted = fit_text(
        regular,
        " ".join(words),
        width,
        height,
        max_size=max_size,
        min_size=min_size,
        max_lines=max_lines,
    )
    image = Image.new("RGB", (width + 40, height + 40))
    placed = draw_fitted(
        ImageDraw.Draw(image), regular, fitted, (20, 20, width, height), fill=(255, 255, 255)
    )
    assert len(fitted.lines) <= max_lines
    assert min_size <= fitted.size <= max(max_size, min_size)
    for line in placed:
        x0, y0, x1, y1 = line.bbox
        assert x0 >= 20 - 2 and x1 <= 20 + width + 2, line  # a glyph's overhang, at most
        assert y0 >= 20 and y1 <= 20 + height, line
        assert UNICORN not in line.text and "\ufe0f" not in line.text


# --- found in review ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def capitals_only_font(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A host font with A-Z only: not even a space."""
    options = subset.Options()
    font = subset.load_font(str(FONTS / BUNDLED_BOLD), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=range(ord("A"), ord("Z") + 1))
    subsetter.subset(font)
    path = tmp_path_factory.mktemp("fonts") / "Caps.ttf"
    subset.save_font(font, str(path), options)
    font.close()
    return path


def test_a_space_the_host_font_lacks_comes_from_the_bundled_one(capitals_only_font: Path) -> None:
    regular, _ = bundled_fonts(capitals_only_font)
    host = regular.faces[0]
    assert not host.covers(" ")
    runs = [(face is host, text) for face, text in regular.runs("LEO RISING \u264c")]
    assert runs == [(True, "LEO"), (False, " "), (True, "RISING"), (False, " \u264c")]


def test_font_sizes_kept_per_thread_are_bounded() -> None:
    from cosmic_images.cards.typeface import FONT_SIZES_KEPT

    face = bundled_face(BUNDLED_REGULAR)
    for size in range(10, 10 + 3 * FONT_SIZES_KEPT):
        face.font(size)
    assert len(face._local.fonts) == FONT_SIZES_KEPT
    assert face.font(10 + 3 * FONT_SIZES_KEPT - 1) is face.font(10 + 3 * FONT_SIZES_KEPT - 1)


def test_a_very_long_title_is_cut_and_fits(art: bytes) -> None:
    composed = compose(art, card(title="Aries energy " * 2000), CardFormat.INSTAGRAM_STORY)
    assert_inside(composed)
    assert composed.text["title"][-1].text.endswith(ELLIPSIS)


def test_sixteen_bit_artwork_is_scaled_not_clipped_to_white(art: bytes) -> None:
    grey = Image.open(BytesIO(art)).convert("L")
    wide = Image.eval(grey, lambda v: v).convert("I").point(lambda v: v * 257)
    deep = BytesIO()
    wide.convert("I;16").save(deep, "PNG")
    ours = compose(deep.getvalue(), card(), CardFormat.INSTAGRAM_STORY).image
    eight = compose(grey.convert("RGB"), card(), CardFormat.INSTAGRAM_STORY).image
    box = (28, 384, 28 + 1024, 384 + 1024)  # the framed artwork
    mean_ours = ImageStat.Stat(ours.crop(box).convert("L")).mean[0]
    mean_eight = ImageStat.Stat(eight.crop(box).convert("L")).mean[0]
    assert abs(mean_ours - mean_eight) < 8 and mean_ours < 200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": 123}, "title"),
        ({"share_text": None}, "share_text"),
        ({"energy_level": True}, "energyLevel"),
        ({"energy_level": "5"}, "energyLevel"),
        ({"energy_level": 11}, "energyLevel"),
        ({"date": "2025-01-23"}, "date"),
        ({"glyphs": ["\u2648"]}, "glyphs"),
    ],
)
def test_card_data_of_the_wrong_type_is_invalid_request(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        card(**overrides)
    assert caught.value.field == field


def test_bytes_like_artwork_and_bad_colours(art: bytes) -> None:
    assert size_of(render_card(bytearray(art), card(), CardFormat.FACEBOOK))[0] == (1200, 630)
    with pytest.raises(InvalidRequest):
        render_card("not bytes", card())  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest):
        CardStyle(accent=None)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest) as wide_digits:
        render_card(art, card(), "\uff11\uff10\uff18\uff10x\uff11\uff10\uff18\uff10")
    assert wide_digits.value.field == "format"
