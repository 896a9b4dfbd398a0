"""Deep links: URL text fragments, percent-encoded as the spec requires."""

from __future__ import annotations

from urllib.parse import unquote

from retrieval.links import text_fragment_link

URL = "https://www.prisoncensorship.info/archive/etext/ms/migrantsincommunisthistory.html"


def test_short_quote_is_one_text_directive() -> None:
    link = text_fragment_link(URL, "Deng became a communist in France.")
    assert link == URL + "#:~:text=Deng%20became%20a%20communist%20in%20France."


def test_long_quote_uses_start_and_end_words() -> None:
    quote = "Zhou Enlai groomed Deng Xiaoping to be his successor in the 1970s just as he had in France in the 1920s."
    link = text_fragment_link(URL, quote)
    directive = link.split("#:~:text=", 1)[1]
    start, end = directive.split(",")
    assert unquote(start) == "Zhou Enlai groomed Deng Xiaoping"
    assert unquote(end) == "in France in the 1920s."


def test_dash_comma_and_ampersand_are_encoded() -> None:
    link = text_fragment_link(URL, "left-wing, A&B")
    directive = link.split("#:~:text=", 1)[1]
    assert "-" not in directive and "&" not in directive and "," not in directive
    assert unquote(directive) == "left-wing, A&B"


def test_existing_fragment_is_replaced_and_markers_left_out() -> None:
    link = text_fragment_link(URL + "#top", "He studied in France.(3)")
    assert link == URL + "#:~:text=He%20studied%20in%20France."


def test_no_url_no_link() -> None:
    assert text_fragment_link(None, "anything") is None


def test_text_without_spaces_gets_short_edges() -> None:
    # Chinese has no spaces: a whole clause is one "word", and each character encodes to 9.
    clause = "周三，11月17日，" + "毛主义在中文网络上的搜索结果比英文多得多" * 8 + "。"
    quote = clause + "这是第二句话，它也很长" * 10 + "。"
    link = text_fragment_link(URL, quote)
    directive = link.split("#:~:text=", 1)[1]
    start, end = directive.split(",")
    assert len(start) <= 120 and len(end) <= 120
    assert unquote(start) == "周三，11月17日，"  # cut after a punctuation mark
    assert quote.endswith(unquote(end)) and clause.startswith(unquote(start))


def test_a_short_chinese_quote_is_one_directive() -> None:
    link = text_fragment_link(URL, "毛主义。")
    assert unquote(link.split("#:~:text=", 1)[1]) == "毛主义。"


def test_edges_come_from_lines_long_enough_to_be_found_where_the_quote_is() -> None:
    # A hard-wrapped page: the quote's first line is "MIM" alone, which the page's header says
    # first; its last line is one word too.
    quote = (
        "MIM\nholds that the oppressed nations will\nseize power through armed struggle in"
        " the\nend."
    )
    start, end = text_fragment_link(URL, quote).split("#:~:text=", 1)[1].split(",")
    assert unquote(start) == "holds that the oppressed nations"
    assert unquote(end) == "through armed struggle in the"
    # A quote whose lines are all short keeps its first and last words.
    link = text_fragment_link(URL, "Workers\nof the\nworld,\nunite!")
    assert unquote(link.split("#:~:text=", 1)[1]) == "Workers,unite!"
