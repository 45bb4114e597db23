"""Chinese text: reading time, summaries, slugs, heading ids, quotes."""

from tide.cjk import count_words, curl_quotes, heading_id, reading_minutes, slugify, summarize


def test_counts_cjk_characters_and_latin_words_separately() -> None:
    assert count_words("小米 SU7 在京东上线，售价 21.59 万元") == (11, 2)


def test_punctuation_is_not_read_as_characters() -> None:
    assert count_words("，。！？“”《》") == (0, 0)


def test_reading_time_adds_both_speeds_and_rounds_up() -> None:
    # 800 characters at 400/min = 2 min; 100 words at 200/min = 0.5 min -> 3 min
    assert reading_minutes(800, 100, 400, 200) == 3
    assert reading_minutes(0, 0, 400, 200) == 1


def test_summary_ends_at_a_sentence_end_when_one_is_near() -> None:
    text = "瑞幸在 2023 年的收入超过了星巴克中国。这是第一次。随后它继续扩张门店，并且在价格战里保持了利润。"
    assert summarize(text, 30) == "瑞幸在 2023 年的收入超过了星巴克中国。这是第一次。"


def test_summary_keeps_closing_quotes_with_the_sentence() -> None:
    assert summarize("他说：“先把成本做低。”然后才是价格。后面还有很长很长很长的内容", 16) == "他说：“先把成本做低。”"


def test_summary_never_cuts_inside_a_latin_word() -> None:
    cut = summarize("品牌的口号是 Shop like a billionaire 并且一直持续投放广告到现在为止", 20)
    assert cut.endswith("…")
    assert "billionair…" not in cut and "billionaire" not in cut
    assert cut == "品牌的口号是 Shop like a…"


def test_short_text_is_kept_whole() -> None:
    assert summarize("  短短一句话。 ", 50) == "短短一句话。"


def test_slug_is_readable_pinyin_and_keeps_latin_words() -> None:
    assert slugify("小米汽车京东旗舰店上线") == "xiao-mi-qi-che-jing-dong-qi-jian-dian-shang-xian"
    assert slugify("AI 手机：2025 年的“新战场”") == "ai-shou-ji-2025-nian-de-xin-zhan-chang"


def test_slug_is_capped_at_a_syllable_boundary() -> None:
    slug = slugify("这是一个非常非常非常非常非常非常非常非常长的标题用来测试")
    assert len(slug) <= 60 and not slug.endswith("-")


def test_heading_ids_keep_chinese_and_drop_punctuation() -> None:
    assert heading_id("一、渠道：从线下到线上") == "一-渠道-从线下到线上"
    assert heading_id("What's New?") == "what-s-new"
    assert heading_id("！？") == "section"


def test_quotes_pair_across_pieces_and_odd_counts_are_left_alone() -> None:
    assert curl_quotes(['做"东方的', '星巴克"。']) == ["做“东方的", "星巴克”。"]
    assert curl_quotes(['一个"引号']) == ['一个"引号']
