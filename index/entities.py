"""Named entities (people, places, organisations) from one Sudachi analysis.

``extract_entities(analysis)`` reads the split-mode C morphemes that
:func:`index.analysis.analyze` already produced and never runs Sudachi again.
Two stages, fast enough to run on every article at indexing time:

* ``rule_entities``: a small rule system (below), precise on what Sudachi's
  dictionary knows;
* ``decide``: a linear model (an averaged perceptron, index/data/
  entity_model.json) that judges the rules' entities and the other name-like
  spans (unknown katakana and Latin words, proper-noun runs) as person,
  place, org or nothing, using the rules' verdict, spelling, context and a
  name lexicon from JMnedict (index/data/entity_lexicon.tsv.gz).  Some rule
  findings are trusted as they are (see ``_trusted``).  The training data,
  the scorer and the scripts that build both files are in bench/entities.

Conventions are IREX's (bench/entities/GUIDE.md):

* titles and honorifics (首相, 大統領, 国家主席, 氏, さん, 選手 ...) are not part
  of a person's name: 安倍晋三首相 gives the person 安倍晋三;
* 東京都, 大阪府, 横浜市 are places (the 都/道/府/県/市/区/町/村 suffix is kept);
* 大阪府警, 日本サッカー協会, 外務省, 北大西洋条約機構 are organisations;
* 日米, 米中, 日韓 ... hold one place per country letter (日 and 米).

The rules, plain left-to-right scans over the morphemes:

1. organisations: a *head* (省, 庁, 党, 機構, 協会, 銀行, 大学, 府警 ...) ends a
   run of nouns; the run extends left over nouns, place names and proper
   nouns.  A generic head (大学, 銀行, 政府 ...) needs some proper evidence in
   the run (a place, a proper noun, a country letter, Latin letters, an unknown
   word) so that 私立大学 or 政府 alone stay untagged; 省 and 庁 do not
   (外務省, 警視庁).  Sudachi's 固有名詞,一般 tokens become organisations only
   when they end in a head (自民党, 早稲田大学, 野村證券) or are in the small
   lexicon of well-known organisations below (NATO, NHK, トヨタ ...); other
   proper nouns (products, events, works) are skipped rather than guessed.
   株式会社 / (株) before or after a name makes it an organisation.
2. places: 地名 tokens, with adjacent 地名 tokens and administrative suffixes
   merged (東京 都 → 東京都), country-letter compounds split per letter
   (日米 → 日, 米), and a lone country letter before a noun (米 政府高官 →
   米, 英首相 → 英).
3. people: runs of 人名 tokens (姓+名, 一般), joined across ・ and ＝ with
   katakana parts (ウィリアム・バーンズ, エマニュエル・マクロン); an unknown
   katakana word directly followed by a person title (ゼレンスキー大統領) is a
   person too.  A one-letter 姓 or 名 needs a title or honorific after it.

``evaluate(gold, predicted)`` scores exact span+type matches per type.
"""

from __future__ import annotations

import gzip
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ENTITY_TYPES = ("person", "place", "org")
EXTRACTOR_VERSION = 2

__all__ = [
    "ENTITY_TYPES",
    "EXTRACTOR_VERSION",
    "LEXICON_PATH",
    "MODEL_PATH",
    "Entity",
    "Thresholds",
    "candidate_features",
    "decide",
    "evaluate",
    "extract_entities",
    "rule_entities",
]


@dataclass(frozen=True, slots=True)
class Entity:
    text: str  # exactly analysis.text[start:end]
    type: str  # "person", "place" or "org"
    start: int
    end: int


# ---------------------------------------------------------------------------
# Word lists (written from general knowledge)

# Heads that make an organisation of the nouns before them whatever those are
# (外務省, 警視庁, 大阪府警, 東京地裁).  The modifier must still be a noun.
_STRONG_HEADS = frozenset(
    """
    省 庁 府警 県警 道警 地検 高検 地裁 高裁 家裁 簡裁 裁判所 検察庁
    警察署 大使館 総領事館 領事館
    """.split()
)

# Heads that need proper evidence in the run (日本政府, 横浜高校, 日本経済新聞).
_WEAK_HEADS = frozenset(
    """
    党 政府 機構 協会 連盟 連合 連合会 委員会 評議会 理事会 議会 銀行 大学
    大学院 大学病院 高校 高等学校 中学校 小学校 学園 学院 病院 新聞 新聞社
    通信社 放送局 証券 財団 組合 研究所 研究機構 研究センター
    警察 株式会社 有限会社 合同会社 商事 物産 工業 電機 電器 電気 電子 電工
    製作所 自動車 重工 重工業 建設 製薬 化学 食品 航空 鉄道 電力 生命 保険
    損保 グループ ホールディングス HD 局 軍 球団 事務所 法人 財団法人
    社団法人 公社 公団 事業団 学会 医師会 会議所 取引所 劇団 楽団 出版
    書店 興業 ガス 信金 信用金庫 農協 生協 労組 総連 同盟
    """.split()
)

# A Sudachi 固有名詞,一般 ending in one of these is an organisation by itself
# (自民党, 京都大学, 野村證券, サムスン電子, ソフトバンクモバイル).
_PROPER_HEADS = (
    _STRONG_HEADS
    | _WEAK_HEADS
    | frozenset(
        """
        社 会 団 庁 部 局 課 隊 署 校 モバイル テレビ 放送 通信 ジャパン
        エンタテインメント エンターテインメント コーポレーション カンパニー
        インク ラボ ラボラトリーズ 研究会 委員会 連合 本部 総局 支局
        """.split()
    )
)

_ALL_HEADS = _STRONG_HEADS | _WEAK_HEADS
_MAX_HEAD_LEN = max(len(h) for h in _PROPER_HEADS)

# First halves that make a "proper" head compound generic (私立高校).
_GENERIC_STEMS = frozenset(
    """
    私立 公立 国立 県立 市立 都立 府立 町立 村立 区立 スポーツ 地方 全国 大手 民間
    地元 名門 有名 一般 夕刊 朝刊 地域 業界 英字 外国 海外 新興 中小 総合 専門
    芸能 写真 週刊 月刊 日刊 ネット 音楽 映画 テレビ 衛星 ラジオ 女子 男子
    """.split()
)

# Sections that stay part of the organisation they follow (大阪地検 特捜部).
_SECTIONS = frozenset("特捜部 本部 支部 支社 支店 本店 事務局 研究所 附属病院 捜査本部".split())

# Words that look like a head but name no particular organisation.
_NOT_ORG = frozenset(
    """
    与党 野党 政党 新党 公党 悪党 残党 徒党 離党 入党 結党 解党 党
    同省 同庁 各省 各庁 省庁 官庁 本省 両党 各党 同党 全党 自党 他党
    同社 各社 本社 弊社 他社 自社 当社 貴社 御社 入社 出社 退社 会社 商社
    大学 高校 政府 銀行 病院 警察 協会 大会 学会 議会 社会 教会 機会
    委員会 組合 局 軍 同局 各局 本局 当局 支局 薬局 結局 難局 時局
    """.split()
)

# Prefixes that point back to an organisation already named (同省, 各党).
_STOP_PREFIXES = frozenset("同 各 両 当 本 全 他 弊 貴 御 自 我が 旧 元 前 現 新 某 諸 その この".split())

# Well-known organisations Sudachi tags as plain proper (or common) nouns.
_ORG_LEXICON = frozenset(
    unicodedata.normalize("NFKC", w).lower()
    for w in """
    NATO CIA FBI NSA NHK BBC CNN ABC NBC CBS AP AFP ロイター EU UN WHO IMF WTO
    OECD OPEC ASEAN APEC IOC JOC FIFA UEFA NASA JAXA IAEA UNESCO ユネスコ
    UNICEF ユニセフ au 国連 安保理 日銀 東電 関電 中電 JR NTT KDDI
    ドコモ ソフトバンク トヨタ ホンダ 日産 マツダ スバル スズキ ソニー
    パナソニック シャープ 東芝 日立 富士通 NEC キヤノン ニコン 任天堂
    セガ カプコン コナミ スクウェア・エニックス バンダイナムコ グーグル
    google アップル apple マイクロソフト microsoft アマゾン amazon
    フェイスブック facebook ツイッター twitter ヤフー yahoo 楽天 ライブドア
    livedoor ミクシィ mixi グリー gree ディー・エヌ・エー DeNA サムスン
    インテル intel エヌビディア nvidia IBM HP デル レノボ エイサー ASUS
    LG ファーウェイ huawei クアルコム qualcomm テスラ サイバーエージェント
    ドワンゴ ニコニコ動画 ユニクロ ファーストリテイリング イオン
    セブン-イレブン ローソン ファミリーマート 電通 博報堂 吉本興業
    ジャニーズ事務所 エイベックス avex 東宝 東映 松竹 角川 KADOKAWA 講談社
    小学館 集英社 読売 産経 日経 共同通信 時事通信 TBS フジテレビ テレビ朝日
    テレビ東京 日本テレビ 日テレ テレ朝 WOWOW スカパー 自民 公明
    共産党 社民党 東大 京大 阪大 早大 慶大 JAL ANA 全日空 日本航空 経団連 日本郵政
    ゆうちょ銀行 みずほ 三菱UFJ 三井住友 大和証券 警視庁 最高裁
    最高裁判所 内閣府 国会 衆院 参院 衆議院 参議院 宮内庁 自衛隊 国交省
    経産省 厚労省 文科省 農水省 総務省 国税庁 気象庁 消防庁 JFA Jリーグ
    NPB MLB NBA NFL ヤンキース ドジャース マリナーズ レッドソックス
    """.split()
)

# Organisation words that end the run when they follow a name (株式会社
# トヨタ / トヨタ株式会社) or precede it.
_COMPANY_PREFIXES = frozenset("株式会社 有限会社 合同会社 (株) （株） ㈱ (有) （有） ㈲".split())

# Titles and honorifics: never part of a name, but confirm one before them.
_TITLES = frozenset(
    """
    首相 総理 総理大臣 大統領 副大統領 長官 国務長官 官房長官 国家主席 主席
    首席 書記長 総書記 委員長 幹事長 議長 大臣 外相 蔵相 法相 農相 厚相
    文相 経産相 財務相 防衛相 国防相 外務相 内相 知事 都知事 府知事 県知事
    道知事 市長 町長 村長 区長 議員 代議士 総裁 副総裁 総長 会長 社長 副社長
    専務 常務 取締役 頭取 理事長 代表 党首 大使 公使 領事 報道官 教授
    准教授 講師 博士 医師 弁護士 記者 監督 選手 投手 捕手 内野手 外野手
    主将 コーチ 氏 さん 様 さま 君 くん ちゃん 容疑者 被告 被告人 受刑者
    夫人 国王 女王 王子 王女 皇太子 陛下 殿下 法王 司令官 将軍 大将 元帥
    作家 師 騎手 棋士 名人 横綱 大関 関脇 小結 親方 俳優 女優 歌手 アナ
    アナウンサー 氏ら さんら 首脳 政権 議員ら 特使 次官 副大臣 政務官
    CEO 会長兼社長 最高経営責任者 ら
    """.split()
)
_TITLE_PREFIXES = frozenset("元 前 現 新 副 故 旧 次期 米 英 仏 独 露 中 韓 日 国務 官房".split())

# Country letters used in compounds (日米, 米中, 英独仏) and the readings
# Sudachi gives them there.  Only those in _LONE_COUNTRY stand alone (米政府).
_COUNTRY_READINGS = {
    "日": ("ニチ", "ニッ"),
    "米": ("ベイ",),
    "中": ("チュウ",),
    "韓": ("カン",),
    "朝": ("チョウ",),
    "露": ("ロ",),
    "英": ("エイ",),
    "仏": ("フツ", "フッ"),
    "独": ("ドク", "ドッ"),
    "伊": ("イ",),
    "豪": ("ゴウ",),
    "印": ("イン",),
    "台": ("タイ",),
    "欧": ("オウ",),
    "加": ("カ",),
    "比": ("ヒ",),
    "越": ("エツ",),
    "蘭": ("ラン",),
    "墨": ("ボク",),
    "西": ("セイ",),
}
_LONE_COUNTRY = {"米": "ベイ", "英": "エイ", "露": "ロ", "韓": "カン", "仏": "フツ", "独": "ドク", "豪": "ゴウ"}
# What a country letter compound (米大統領) may carry after the letter.
_COUNTRY_COMPOUND_TAILS = _TITLES | frozenset("政府 軍 紙 誌 当局 政権 議会 国防総省 国務省 企業".split())

# What follows 日中 when it means Japan and China, not "daytime".
_RELATION_TAILS = frozenset(
    """
    関係 首脳 会談 首脳会談 両国 両政府 外相 外相会談 首相 戦争 国交 国交正常化 友好
    貿易 協力 交流 対立 共同 共同声明 韓 間 両首脳 外交 経済 国境 平和友好条約
    """.split()
)

# Administrative suffixes merged into a place name (東京 都, カリフォルニア 州).
_PLACE_SUFFIXES = frozenset("都 道 府 県 市 区 町 村 郡 州 省 島".split())
# After a person's name these make it a place (安中 市).
_MUNICIPAL = frozenset("市 町 村 区 郡 県".split())

_NAME_JOINERS = frozenset("・＝=･")
_OPEN_QUOTES = frozenset("『《〈【")
_CLOSE_QUOTES = frozenset("』》〉】")

# Evidence words that make a generic head an organisation (全日本柔道連盟).
_EVIDENCE_WORDS = frozenset(("全日本",))

# ---------------------------------------------------------------------------
# Morpheme classes

_OTHER = 0
_NOUN = 1  # common noun that may modify an organisation head
_TIME = 2  # noun that may not: numerals, counters, adverbial nouns
_PREFIX = 3
_SUFFIX = 4  # 接尾辞,名詞的
_SEI = 5
_MEI = 6
_PGEN = 7
_PLACE = 8
_PROPER = 9
_SYMBOL = 10  # 補助記号: ・ ＝ (株) live here

_PERSON_KINDS = frozenset((_SEI, _MEI, _PGEN))
_NOUNISH = frozenset((_NOUN, _PROPER, _PLACE, _SEI, _MEI, _PGEN))

_pos_cache: dict = {}


def _pos_kind(pos) -> int:
    kind = _pos_cache.get(pos)
    if kind is not None:
        return kind
    p0, p1, p2, p3 = pos[0], pos[1], pos[2], pos[3]
    if p0 == "名詞":
        if p1 == "固有名詞":
            if p2 == "人名":
                kind = {"姓": _SEI, "名": _MEI}.get(p3, _PGEN)
            elif p2 == "地名":
                kind = _PLACE
            else:
                kind = _PROPER
        elif p1 == "数詞" or p2 in ("副詞可能", "助数詞可能"):
            kind = _TIME
        else:
            kind = _NOUN
    elif p0 == "接頭辞":
        kind = _PREFIX
    elif p0 == "接尾辞":
        kind = _SUFFIX if p1 == "名詞的" else _OTHER
    elif p0 == "補助記号":
        kind = _SYMBOL
    else:
        kind = _OTHER
    _pos_cache[pos] = kind
    return kind


def _is_katakana(s: str) -> bool:
    for ch in s:
        if not ("\u30a1" <= ch <= "\u30fa" or ch == "ー" or "\uff66" <= ch <= "\uff9f"):
            return False
    return bool(s)


def _is_latin(s: str) -> bool:
    for ch in s:
        if not (ch.isascii() and ch.isalnum() or "\uff10" <= ch <= "\uff5a" or ch in "&＆-'."):
            return False
    return bool(s)


def _is_title(surface: str) -> bool:
    if surface in _TITLES:
        return True
    # 元首相, 米大統領, 国務長官, 副総理: a short prefix then a title.
    for cut in (1, 2):
        if len(surface) > cut and surface[:cut] in _TITLE_PREFIXES and surface[cut:] in _TITLES:
            return True
    return len(surface) > 2 and (surface[-2:] in _TITLES or surface[-3:] in _TITLES) and surface[-2:] != "代表"


def _country_letters(surface: str, reading: str) -> bool:
    """True when ``surface`` is country letters read as such (日米 ニチベイ)."""
    if not surface or len(surface) > 4:
        return False
    pos = 0
    for ch in surface:
        readings = _COUNTRY_READINGS.get(ch)
        if readings is None:
            return False
        for r in readings:
            if reading.startswith(r, pos):
                pos += len(r)
                break
        else:
            return False
    return pos == len(reading)


# ---------------------------------------------------------------------------
# Extraction


def _kinds(ms) -> list:
    """The morpheme class of each morpheme (cached per part of speech)."""
    kind_of = _kind_of
    return [kind_of[m.pos] for m in ms]


def rule_entities(analysis, kinds=None) -> list:
    """The rule system's entities of ``analysis`` (the model's first opinion)."""
    ms = analysis.morphemes
    n = len(ms)
    if not n:
        return []
    text = analysis.text
    if kinds is None:
        kinds = _kinds(ms)
    # spans: (first morpheme, last morpheme + 1, type); char spans for letters.
    taken = [False] * n
    out: list = []

    _find_orgs(ms, kinds, taken, out)
    _find_places_and_people(text, ms, kinds, taken, out)

    entities = []
    for item in out:
        if item[0] == "chars":
            _, start, end, typ = item
        else:
            i, j, typ = item
            start, end = ms[i].start, ms[j - 1].end
        entities.append(Entity(text[start:end], typ, start, end))
    entities.sort(key=lambda e: e.start)
    return entities


def _adjacent(ms, i: int) -> bool:
    """True when morpheme i directly follows morpheme i-1."""
    return i > 0 and ms[i - 1].end == ms[i].start


def _head_at(ms, kinds, j: int):
    """Does an organisation head end at morpheme j?

    Returns (head_start, mode) or None; mode is "proper" (a proper noun that
    names the organisation itself), "compound" (a common-noun compound whose
    modifier is inside the token: 外務省), or "strong"/"weak" (a bare head
    whose modifier must come from the morphemes before head_start).
    """
    m = ms[j]
    kind = kinds[j]
    if kind not in _NOUNISH and kind != _SUFFIX:
        return None
    s = m.surface
    if kind == _PROPER:
        if m.a_units:
            if len(m.a_units) == 2 and m.a_units[0].term in _GENERIC_STEMS:
                return None  # 私立高校, スポーツ新聞: Sudachi calls them proper
            last = m.a_units[-1].term
            if last in _PROPER_HEADS or last in _ORG_LEXICON:
                # 野村證券 (証券), NTTドコモ (ドコモ)
                return j, "proper"
        if len(s) > 1:
            for size in range(min(_MAX_HEAD_LEN, len(s) - 1), 0, -1):
                if s[-size:] in _PROPER_HEADS:
                    return j, "proper"
            norm = m.normalized
            if norm != s and len(norm) > 1:
                for size in range(min(_MAX_HEAD_LEN, len(norm) - 1), 0, -1):
                    if norm[-size:] in _PROPER_HEADS:
                        return j, "proper"
        return None
    if kind in _PERSON_KINDS:
        return None
    if kind == _PLACE:
        # アップル ジャパン: a company's local arm.
        return (j, "weak") if s == "ジャパン" else None
    # Two-morpheme heads: 大阪 府 警, 県 警; 福岡県 警 (a place then 警).
    if j > 0 and kind == _SUFFIX and _adjacent(ms, j):
        prev = ms[j - 1].surface
        pair = prev + s
        if pair in _ALL_HEADS:
            return j - 1, "strong" if pair in _STRONG_HEADS else "weak"
        if s == "警" and kinds[j - 1] == _PLACE and prev[-1] in "都道府県":
            return j - 1, "compound"
    if s in _ALL_HEADS:
        if kind == _SUFFIX and s in ("省", "庁") and j > 0 and kinds[j - 1] == _NOUN and _adjacent(ms, j):
            # 警視 庁, 国務 省: the suffix makes one word with the noun before.
            return j - 1, "compound"
        return j, "strong" if s in _STRONG_HEADS else "weak"
    if s in _NOT_ORG:
        return None
    # A compound common noun whose last unit is a head: 外務省, 大学病院.
    if m.a_units and len(s) > 2:
        first = m.a_units[0]
        first_s = s[: first.end - first.start]
        if first_s in _STOP_PREFIXES:
            return None
        for a in m.a_units[1:]:
            cut = a.start - m.start
            tail = s[cut:]
            if tail in _ALL_HEADS:
                if tail in _STRONG_HEADS:
                    return j, "compound"
                # 大学病院: the head is generic, the modifier must come first.
                return j, "weak"
            if s[cut : a.end - m.start] in _STRONG_HEADS:
                # 東京地検特捜部: a section of a named institution.
                return j, "compound"
    return None


def _evidence(ms, kinds, i: int) -> bool:
    """Whether morpheme i makes a generic head specific."""
    kind = kinds[i]
    if kind in (_PROPER, _PLACE):
        return True
    m = ms[i]
    s = m.surface
    if m.oov and kind == _NOUN:
        return True
    if kind == _NOUN:
        if len(s) == 1 and s in _LONE_COUNTRY and m.reading == _LONE_COUNTRY[s]:
            return True
        if _is_latin(s) or s in _EVIDENCE_WORDS:
            return True
        if _org_word(m):
            return True
    return False


def _org_word(m) -> bool:
    return m.term in _ORG_LEXICON or m.surface in _ORG_LEXICON


def _extend_left(ms, kinds, taken, start: int, limit: int, places_only: bool):
    """First morpheme of the organisation whose head begins at ``start``."""
    i = start
    while i > limit and _adjacent(ms, i) and start - i < 6:
        k = i - 1
        if taken[k]:
            break
        kind = kinds[k]
        s = ms[k].surface
        if places_only:
            if kind == _PLACE or (
                kind == _NOUN and s in _LONE_COUNTRY and ms[k].reading == _LONE_COUNTRY[s]
            ):
                i = k
                continue
            break
        if kind in (_NOUN, _PROPER, _PLACE):
            if kind == _NOUN and (_is_title(s) or s in _NOT_ORG and s not in _ALL_HEADS):
                break
            i = k
        elif kind == _SUFFIX:
            # 東京 都 ..., 北 大西洋 ...: a suffix inside a name needs a stem.
            if k == 0 or kinds[k - 1] not in (_NOUN, _PROPER, _PLACE):
                break
            i = k
        elif kind == _PREFIX:
            if s in _STOP_PREFIXES:
                break
            i = k
            break
        else:
            break
    return i


def _find_orgs(ms, kinds, taken, out):
    n = len(ms)
    last_end = -1  # morpheme index one past the previous organisation
    last_item = None
    # only nouns, prefixes, suffixes and symbols can take part: visit those
    # (jumping to the next one from wherever the scan stands)
    visit = [i for i, k in enumerate(kinds) if k != _OTHER and k != _TIME]
    at = 0
    j = 0
    while True:
        while at < len(visit) and visit[at] < j:
            at += 1
        if at == len(visit):
            break
        j = visit[at]
        kind = kinds[j]
        m = ms[j]
        s = m.surface
        # 株式会社 トヨタ, (株) ドワンゴ: the company name follows.
        if s in _COMPANY_PREFIXES and not (
            _adjacent(ms, j) and (last_end == j or (not taken[j - 1] and _evidence(ms, kinds, j - 1)))
        ):
            k = j + 1
            while k < n and _adjacent(ms, k) and kinds[k] in (_NOUN, _PROPER, _PLACE, _SEI, _MEI, _PGEN):
                if _is_title(ms[k].surface):
                    break
                k += 1
            if k > j + 1:
                item = [j, k, "org"]
                out.append(item)
                for t in range(j, k):
                    taken[t] = True
                last_end, last_item = k, item
                j = k
                continue
        if kind == _NOUN and s not in _ALL_HEADS and (len(s) <= 2 or not m.a_units):
            head = None  # what _head_at says of a plain common noun, sooner
        else:
            head = _head_at(ms, kinds, j)
        if head is None and s in _SECTIONS and last_end == j and kind in (_NOUN, _SUFFIX):
            head = (j, "section")
        if head is None:
            if (
                kind in _NOUNISH
                and kind not in _PERSON_KINDS
                and (m.term in _ORG_LEXICON or s in _ORG_LEXICON)  # _org_word, inlined
            ):
                head = (j, "lexicon")
            else:
                j += 1
                continue
        head_start, mode = head
        # A head (or a section: 特捜部) right after an organisation continues
        # it: 京都大学 病院, ソフトバンクグループ 株式会社, 読売 新聞.
        if (
            last_item is not None
            and last_end == head_start
            and mode != "lexicon"
            and _adjacent(ms, head_start)
        ):
            last_item[1] = j + 1
            for t in range(head_start, j + 1):
                taken[t] = True
            last_end = j + 1
            j += 1
            continue
        if mode == "section":
            j += 1
            continue
        limit = last_end if last_end > 0 else 0
        if mode in ("proper", "lexicon"):
            first = _extend_left(ms, kinds, taken, head_start, limit, places_only=True)
            ok = True
        else:
            first = _extend_left(ms, kinds, taken, head_start, limit, places_only=False)
            if mode == "compound":
                ok = True
            elif mode == "strong":
                ok = first < head_start
            else:
                ok = any(_evidence(ms, kinds, t) for t in range(first, head_start))
                if not ok and first > limit and _adjacent(ms, first):
                    # 山田 病院, 鴻海 精密 工業: a family name leading a
                    # generic head names a company, school or hospital.
                    k = first - 1
                    if (
                        kinds[k] == _SEI
                        and not taken[k]
                        and ms[head_start].surface not in ("党", "政府", "軍")
                        and not (k > 0 and _adjacent(ms, k) and kinds[k - 1] in _PERSON_KINDS)
                    ):
                        first, ok = k, True
        if ok:
            item = [first, j + 1, "org"]
            out.append(item)
            for t in range(first, j + 1):
                taken[t] = True
            last_end, last_item = j + 1, item
        j += 1


def _find_places_and_people(text, ms, kinds, taken, out):
    n = len(ms)
    # only nouns, prefixes, suffixes and symbols can take part: visit those
    # (jumping to the next one from wherever the scan stands)
    visit = [k for k, kind in enumerate(kinds) if kind != _OTHER and kind != _TIME]
    at = 0
    i = 0
    while True:
        while at < len(visit) and visit[at] < i:
            at += 1
        if at == len(visit):
            break
        i = visit[at]
        kind = kinds[i]
        if taken[i]:
            i += 1
            continue
        m = ms[i]
        s = m.surface

        # Country letters: 日米 (one token), 米 中 (two), 英 独仏.
        if (
            kind == _NOUN
            and len(s) <= 4
            and s[0] in _COUNTRY_READINGS
            and not (i > 0 and kinds[i - 1] == _TIME and _adjacent(ms, i))
        ):
            k = i
            total = 0
            while k < n and not taken[k] and (k == i or _adjacent(ms, k)):
                if kinds[k] not in (_NOUN, _SUFFIX) or not _country_letters(ms[k].surface, ms[k].reading):
                    break
                total += len(ms[k].surface)
                k += 1
            single_ok = False
            if total == 1:
                # a lone letter: 米 政府高官, 英 首相, but not 中 or 日.
                # 米 価格 reads ベイ too: want a title, a place, a name or an
                # institution after the letter.
                single_ok = (
                    s in _LONE_COUNTRY
                    and m.reading == _LONE_COUNTRY[s]
                    and k < n
                    and _adjacent(ms, k)
                    and (
                        kinds[k] in (_PLACE, _PROPER, _SEI, _MEI, _PGEN)
                        or kinds[k] == _NOUN
                        and (
                            _is_title(ms[k].surface)
                            or ms[k].surface in _COUNTRY_COMPOUND_TAILS
                            or ms[k].surface in _ALL_HEADS
                        )
                    )
                )
            if total >= 2 and s == "日中" and k - i == 1:
                # 日中 is also "daytime": only before 関係, 首脳, 韓 ...
                if not (k < n and _adjacent(ms, k) and ms[k].surface in _RELATION_TAILS):
                    total = 0
            if total >= 2 or single_ok:
                for t in range(i, k):
                    for off in range(ms[t].start, ms[t].end):
                        out.append(("chars", off, off + 1, "place"))
                    taken[t] = True
                i = k
                continue
            # 米大統領, 英首相: a country letter leading a title compound.
            if m.a_units and len(m.a_units) >= 2:
                a0 = m.a_units[0]
                if (
                    a0.end - a0.start == 1
                    and s[0] in _LONE_COUNTRY
                    and m.reading.startswith(_LONE_COUNTRY[s[0]])
                    and s[1:] in _COUNTRY_COMPOUND_TAILS
                ):
                    out.append(("chars", m.start, m.start + 1, "place"))
                    taken[i] = True
                    i += 1
                    continue

        if kind == _PLACE:
            k = i + 1
            while k < n and not taken[k] and _adjacent(ms, k):
                kk = kinds[k]
                if kk == _PLACE:
                    k += 1
                elif ms[k].surface in _PLACE_SUFFIXES and kk in (_NOUN, _SUFFIX):
                    k += 1
                else:
                    break
            out.append([i, k, "place"])
            for t in range(i, k):
                taken[t] = True
            i = k
            continue

        if kind in _PERSON_KINDS or (kind == _NOUN and m.oov and _is_katakana(s)):
            end = _person_end(ms, kinds, taken, i)
            if end is None:
                i += 1
                continue
            start = i
            # ドナルド・トランプ where only トランプ is a known name.
            while (
                start >= 2
                and kinds[start - 1] == _SYMBOL
                and ms[start - 1].surface in _NAME_JOINERS
                and not taken[start - 2]
                and _adjacent(ms, start)
                and _adjacent(ms, start - 1)
                and _is_katakana(ms[start].surface)
                and _name_part(ms, kinds, start - 2)
            ):
                start -= 2
            if end == i + 1 and kind in _PERSON_KINDS:
                nxt = ms[end].surface if end < len(ms) and _adjacent(ms, end) else ""
                if nxt in _MUNICIPAL:
                    # 安中 市: a family name that is a town.
                    out.append([i, end + 1, "place"])
                    taken[i] = taken[end] = True
                    i = end + 1
                    continue
            for t in range(start, end):
                taken[t] = True
            last = ms[end - 1]
            if last.a_units and len(last.a_units) > 1 and _is_title(text[last.a_units[-1].start : last.end]):
                # エリザベス女王 is one token: the title is not part of the name.
                out.append(("chars", ms[start].start, last.a_units[-1].start, "person"))
            else:
                out.append([start, end, "person"])
            i = end
            continue
        i += 1


def _name_part(ms, kinds, k: int) -> bool:
    """A morpheme that can be one part of a ・-joined name."""
    kind = kinds[k]
    if kind in _PERSON_KINDS:
        return True
    m = ms[k]
    # a katakana proper noun or unknown word; not a dictionary common noun
    # (プロボクサー・亀田興毅, ボーカル・YUKA: a job, then the name)
    return (kind == _PROPER or kind == _NOUN and m.oov) and _is_katakana(m.surface) and not _org_word(m)


def _person_end(ms, kinds, taken, i: int):
    """One past the last morpheme of the person starting at i, or None."""
    n = len(ms)
    k = i + 1
    named = kinds[i] in _PERSON_KINDS
    while k < n and not taken[k] and _adjacent(ms, k):
        kk = kinds[k]
        if kk in _PERSON_KINDS:
            named = True
            k += 1
            continue
        if (
            kk == _SYMBOL
            and ms[k].surface in _NAME_JOINERS
            and k + 1 < n
            and not taken[k + 1]
            and _adjacent(ms, k + 1)
            and _name_part(ms, kinds, k + 1)
            and _is_katakana(ms[k - 1].surface)
        ):
            named = named or kinds[k + 1] in _PERSON_KINDS
            k += 2
            continue
        break
    nxt = ms[k].surface if k < n and _adjacent(ms, k) else ""
    titled = bool(nxt) and _is_title(nxt)
    if k == i + 1 and not titled and _is_latin(ms[i].surface):
        return None  # Phone, RAM, Black: Latin "names" are mostly not people
    if (
        i > 0
        and k < n
        and ms[i - 1].surface in _OPEN_QUOTES
        and ms[k].surface in _CLOSE_QUOTES
    ):
        return None  # 『プロメテウス』: a work's title, not a person
    if not named:
        # An unknown katakana word (or ・ chain) is a person only before a title.
        return k if titled else None
    if k == i + 1 and len(ms[i].surface) == 1 and kinds[i] != _PGEN and not titled:
        return None  # 林, 森: a one-letter name needs 氏, さん or a title
    return k


# ---------------------------------------------------------------------------
# The model: a linear classifier over candidate spans
#
# The rules above are precise on what Sudachi's dictionary knows, but they
# cannot tell a club (ドルトムント) from its city, find companies and groups
# Sudachi has never heard of (ZOTAC, AKB48, ヨドバシカメラ) or drop a product
# that looks like a name.  So the rules only *propose*: their entities plus
# every run of name-like morphemes (proper nouns, unknown words, katakana and
# Latin words, joined by ・ or a space) are candidates, and a multiclass
# averaged perceptron, trained on hand-annotated livedoor sentences
# (bench/entities), decides for each one: person, place, org or nothing.
# Its features are the rules' verdict, the parts of speech, the spelling
# (script, length, last characters), the head word, the words around the
# span and lexicon hits.  Overlapping candidates are resolved by score.
# Everything reuses the morphemes already there: no second Sudachi pass.

MODEL_PATH = Path(__file__).resolve().parent / "data" / "entity_model.json"
# Names from JMnedict (EDRDG, CC BY-SA 4.0): organisations, people, foreign
# given and family names, works and products; one "type<TAB>name" a line
# (bench/entities/build_lexicon.py, README.md there).
LEXICON_PATH = Path(__file__).resolve().parent / "data" / "entity_lexicon.tsv.gz"
_LABELS = ("none",) + ENTITY_TYPES

_OPEN_BRACKETS = frozenset("「『《〈【“\"（(［[")
_CLOSE_BRACKETS = frozenset("」』》〉】”\"）)］]")
_RUN_JOINERS = frozenset("・＝=･.&＆-－'")
# Common nouns that end a name when they follow one: サンケイ スポーツ, ロッテ
# 免税店, 東京ドーム シティ (written from general knowledge of Japanese names).
_EXTENSION_HEADS = frozenset(
    """
    スポーツ ニュース 新聞 通信 テレビ 放送 ラジオ 出版 書店 編集部 教育 本店 支店
    ショップ ストア 免税店 百貨店 美術館 博物館 劇場 ホール アリーナ ドーム スタジアム
    球場 神社 寺 病院 研究所 大学 高校 学院 学園 銀行 証券 グループ ホールディングス
    工業 電機 製作所 製薬 商事 物産 航空 自動車 電力 クラブ リーグ 連盟 協会 選手会
    海峡 公園 空港 駅 港 城 タワー シティ センター 湾 半島 山 川 湖 島 ワークス
    エンタテインメント エンターテインメント プロダクション レコード 事務所
    """.split()
)
_EXTENSION_LAST = frozenset("店館園場会団社部局所庁省党軍寺山川湖島駅港湾")


def _script(ch: str) -> str:
    if "\u30a1" <= ch <= "\u30fa" or ch == "ー":
        return "K"
    if "\u3041" <= ch <= "\u3096":
        return "H"
    if "\u4e00" <= ch <= "\u9fff" or ch in "々〆ヶ":
        return "C"
    if ch.isdigit():
        return "D"
    if ch.isalpha():
        return "L"
    return "S"


def _shape(text: str) -> str:
    out = []
    for ch in text:
        c = _script(ch)
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out[:4])


_NAME_KINDS = frozenset((_PROPER, _PLACE, _SEI, _MEI, _PGEN))


def _namey(m, kind: int) -> bool:
    """Could this morpheme be part of a name the dictionary does not know?"""
    if kind != _NOUN:
        return kind in _NAME_KINDS and not (kind == _PROPER and _generic_proper(m))
    return m.oov or _spelled_like_name[m.surface]


def _common_word(m, kind: int, lexicon) -> bool:
    """A katakana or Latin word the dictionary knows as a common noun
    (スマートフォン, アプリ): alone, almost never a name, and too frequent to
    judge one by one, unless the name lexicon lists it (オセロ, アスク)."""
    if kind != _NOUN or m.oov:
        return False
    types = lexicon.get(fold_key(m.surface), ())
    return "org" not in types and "person" not in types


def _joins(ms, kinds, j: int) -> bool:
    """Does morpheme j join the name-like morphemes on its two sides?"""
    if j + 1 >= len(ms) or not _adjacent(ms, j + 1) or not _namey(ms[j + 1], kinds[j + 1]):
        return False
    s = ms[j].surface
    if s in _RUN_JOINERS:
        return True
    if s == " ":
        # Paramount Japan, カートゥーン ネットワーク: one script on both sides
        left, right = ms[j - 1].surface, ms[j + 1].surface
        return (_is_latin(left) and _is_latin(right)) or (_is_katakana(left) and _is_katakana(right))
    return False


class _KindOf(dict):
    """{part of speech: morpheme class}, filled on first sight."""

    def __missing__(self, pos):
        kind = self[pos] = _pos_kind(pos)
        return kind


class _SpelledLikeName(dict):
    """{surface: is it Latin, or katakana of two letters or more}."""

    def __missing__(self, s):
        flag = _is_latin(s) or (len(s) > 1 and _is_katakana(s))
        if len(self) < 100_000:
            self[s] = flag
        return flag


_kind_of = _KindOf()
_spelled_like_name = _SpelledLikeName()


def _generic_proper(m) -> bool:
    """私立高校, スポーツ新聞: Sudachi calls them proper nouns."""
    return len(m.a_units) == 2 and m.a_units[0].term in _GENERIC_STEMS


def _scan(ms):
    """The morphemes' classes and name-likeness, in comprehensions (the
    fastest way through every morpheme): (kinds, namey, starts,
    lexicon_words) — each morpheme's class, whether it is name-like, where
    name-like runs may start, and the common nouns the lexicon names (巨人,
    すかいらーく)."""
    kind_of = _kind_of
    spelled = _spelled_like_name
    kinds = [kind_of[m.pos] for m in ms]
    namey = [
        (m.oov or spelled[m.surface]) if k == _NOUN else (k in _NAME_KINDS and not (k == _PROPER and _generic_proper(m)))
        for m, k in zip(ms, kinds)
    ]
    starts = [i for i, flag in enumerate(namey) if flag]
    named = _named_words()
    lexicon_words = [
        i
        for i, (m, k, flag) in enumerate(zip(ms, kinds, namey))
        if k == _NOUN and not flag and m.surface in named and len(m.surface) > 1
    ]
    return kinds, namey, starts, lexicon_words


def _candidates(ms, kinds, ruled, scan=None):
    """(first, last+1, start, end, rule type) of every span worth a verdict:
    the rules' entities, each run of name-like morphemes, its proper-noun and
    Latin parts, the run with up to three common nouns after it (サンケイ
    スポーツ, ロッテ 免税店) and single words the lexicon knows (巨人)."""
    _, namey, starts, lexicon_words = scan or _scan(ms)
    n = len(ms)
    out = []
    seen = set()

    def add(i, j, start, end, rule):
        if (start, end) not in seen:
            seen.add((start, end))
            out.append((i, j, start, end, rule))

    i = 0
    for e in sorted(ruled, key=lambda e: e.start):
        # the morphemes an entity lies in (a country letter lies in one)
        while i < n and ms[i].end <= e.start:
            i += 1
        j = i
        while j < n and ms[j].start < e.end:
            j += 1
        add(i, max(j, i + 1), e.start, e.end, e.type)
    lexicon = _load_lexicon()
    for i in lexicon_words:
        m = ms[i]
        add(i, i + 1, m.start, m.end, None)  # 巨人, すかいらーく
    done = 0
    for i in starts:
        if i < done:
            continue  # inside the previous run
        m = ms[i]
        j = i + 1
        while j < n and _adjacent(ms, j):
            if namey[j]:
                j += 1
            elif kinds[j] == _TIME and ms[j].surface.isdigit() and not _is_katakana(ms[j - 1].surface[-1:]):
                j += 1  # AKB48, KENJI03
            elif _joins(ms, kinds, j):
                j += 2
            else:
                break
        if j - i > 1 or not _common_word(m, kinds[i], lexicon):
            add(i, j, m.start, ms[j - 1].end, None)
        if j - i > 1:
            for k in range(i, j):
                sk = ms[k].surface
                if kinds[k] in (_PROPER, _PLACE) or (len(sk) > 1 and _is_latin(sk) and not sk.isdigit()):
                    add(k, k + 1, ms[k].start, ms[k].end, None)
        k = j
        while k < n and k - j < 3 and _adjacent(ms, k) and kinds[k] in (_NOUN, _SUFFIX):
            if _is_title(ms[k].surface):
                break
            k += 1
            last = ms[k - 1].surface
            if last in _EXTENSION_HEADS or last[-1:] in _EXTENSION_LAST or last in _PROPER_HEADS:
                add(i, k, m.start, ms[k - 1].end, None)
        done = j
    return out


_surface_cache: dict = {}
_pos_names: dict = {}


def _pos_name(pos, depth: int) -> str:
    key = (pos, depth)
    name = _pos_names.get(key)
    if name is None:
        name = _pos_names[key] = "-".join(pos[:depth])
    return name


def _surface_features(surface: str):
    """Features of the span's spelling alone, cached per surface:
    (features, shape, lexicon types)."""
    hit = _surface_cache.get(surface)
    if hit is not None:
        return hit
    key = fold_key(surface)
    shape = _shape(surface)
    types = _load_lexicon().get(key, ())
    f = [
        "b",
        "sh=" + shape,
        "len=%d" % min(len(surface), 8),
        "w=" + key,
        "l1=" + surface[-1],
        "l2=" + surface[-2:],
        "f1=" + surface[0],
    ]
    if key in _ORG_LEXICON:
        f.append("orglex")
    for typ in types:
        f.append("lex=" + typ)
    hit = (tuple(f), shape, types)
    if len(_surface_cache) < 100_000:
        _surface_cache[surface] = hit
    return hit


# A candidate's features fall in four groups, each depending on little: the
# spelling (cached per surface), the span (rule verdict, parts of speech,
# head), the word before and the words after.  At inference each group's
# summed weights are cached under the few values it depends on, so scoring a
# candidate costs four dictionary look-ups once the caches are warm.


def _span_key(ms, cand, shape: str, types) -> tuple:
    i, j, start, end, rule = cand
    first, last = ms[i], ms[j - 1]
    oov = False
    for k in range(i, j):
        if ms[k].oov:
            oov = True
            break
    part = start > first.start or end < last.end
    return (rule or "cand", shape, min(j - i, 4), first.pos, last.pos, last.normalized, part, oov, types)


def _span_features(key) -> list:
    rt, shape, nt, fpos, lpos, head, part, oov, types = key
    lp = _pos_name(lpos, 3)
    f = [
        "r=" + rt,
        "r|sh=" + rt + shape,
        "nt=%d" % nt,
        "fp=" + _pos_name(fpos, 3),
        "lp=" + lp,
        "r|lp=" + rt + lp,
        "hd=" + head,
    ]
    if part:
        f.append("part")  # 日 of 日米, エリザベス of エリザベス女王
    if oov:
        f.append("oov")
    for typ in types:
        f.append("r|lex=" + rt + typ)
    return f


# A sentence ends here: what stands before a span after these is the same
# "start" the model was trained on (its training sentences were cut there).
_SENTENCE_ENDS = frozenset("。！？!?")


def _left_key(ms, cand) -> tuple:
    i, start, rule = cand[0], cand[2], cand[4]
    if i > 0 and ms[i - 1].end == start:
        left = ms[i - 1]
        ls = left.surface
        if not (ls in _SENTENCE_ENDS or ls.isspace()):
            return (rule or "cand", ls, left.pos)
    return (rule or "cand", None, None)


def _left_features(key) -> list:
    rt, ls, lpos = key
    if ls is None:
        return ["L=^"]
    f = ["L=" + ls, "Lp=" + _pos_name(lpos, 2), "r|L=" + rt + ls]
    if ls in _OPEN_BRACKETS:
        f.append("Lq")
    return f


def _right_key(ms, cand) -> tuple:
    j, end, rule = cand[1], cand[3], cand[4]
    n = len(ms)
    if j < n and ms[j].start == end and not ms[j].surface.isspace():
        right = ms[j]
        return (rule or "cand", right.surface, right.pos, ms[j + 1].surface if j + 1 < n else None)
    return (rule or "cand", None, None, None)


def _right_features(key) -> list:
    rt, rs, rpos, after = key
    if rs is None:
        return ["R=$"]
    f = ["R=" + rs, "Rp=" + _pos_name(rpos, 2), "r|R=" + rt + rs]
    if _is_title(rs):
        f.append("Rtitle")
    if rs in _CLOSE_BRACKETS:
        f.append("Rq")
    if after is not None:
        f.append("R2=" + rs + after)
    return f


def _context_features(ms, cand, shape: str, types) -> list:
    """Features of the span in its sentence: the rules' verdict, parts of
    speech, the words around it."""
    return (
        _span_features(_span_key(ms, cand, shape, types))
        + _left_features(_left_key(ms, cand))
        + _right_features(_right_key(ms, cand))
    )


def _features(text, ms, kinds, cand) -> list:
    """Every feature of candidate ``cand`` (what the training script sees)."""
    surface_feats, shape, types = _surface_features(text[cand[2] : cand[3]])
    return list(surface_feats) + _context_features(ms, cand, shape, types)


_fold_cache: dict = {}


def fold_key(s: str) -> str:
    """The lexicon's key for ``s``: NFKC, lower case (cached per surface)."""
    key = _fold_cache.get(s)
    if key is None:
        key = unicodedata.normalize("NFKC", s).lower()
        if len(_fold_cache) < 200_000:
            _fold_cache[s] = key
    return key


_model_cache: dict = {}
_lexicon_cache: dict = {}


_named_cache: list = []


def _named_words() -> frozenset:
    """Lexicon names of organisations and people (巨人, すかいらーく)."""
    if not _named_cache:
        _named_cache.append(
            frozenset(k for k, types in _load_lexicon().items() if "org" in types or "person" in types)
        )
    return _named_cache[0]


def _load_lexicon(path: Path = LEXICON_PATH) -> dict:
    """{folded name: (type, ...)}; empty when no lexicon is shipped."""
    lexicon = _lexicon_cache.get(path)
    if lexicon is None:
        lexicon = {}
        try:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                for line in f:
                    typ, _, name = line.rstrip("\n").partition("\t")
                    if name:
                        lexicon[name] = lexicon.get(name, ()) + (typ,)
        except FileNotFoundError:
            pass
        _lexicon_cache[path] = lexicon
    return lexicon


def _load_model(path: Path = MODEL_PATH):
    model = _model_cache.get(path)
    if model is None:
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            data = {"weights": {}}
        model = (data["weights"], Thresholds(**data.get("thresholds", {})))
        _model_cache[path] = model
    return model


def _scores(weights, feats) -> tuple:
    """Summed weights of ``feats`` per label (none, person, place, org)."""
    get = weights.get
    a = b = c = d = 0.0
    for feat in feats:
        w = get(feat)
        if w is not None:
            a += w[0]
            b += w[1]
            c += w[2]
            d += w[3]
    return a, b, c, d


_ORG_LABEL = _LABELS.index("org")
_TRUSTED = float("inf")  # the score of a trusted rule entity: nothing overrides it


def _trusted(ms, cand, t: str) -> bool:
    """Is the rule entity ``cand`` (its text ``t``) kept whatever the model says?"""
    typ = cand[4]
    if typ == "place":
        # a country letter (日 of 日米, 米 of 米大統領) or an administrative
        # unit (東京都, 横浜市, カリフォルニア州)
        return len(t) == 1 or (len(t) >= 3 and t[-1] in _PLACE_SUFFIXES and t[-1] != "島")
    if typ == "org":
        if t[-1] in "省庁党" or any(t.endswith(h) for h in _STRONG_HEADS):
            return True
        # NATO, IAEA, 国連, 経団連 from the list of well-known organisations
        # (not ツイッター or Google: often the service, not the company)
        key = fold_key(t)
        return key in _ORG_LEXICON and (t.isupper() or all(_script(ch) == "C" for ch in t))
    if typ == "person":
        # a name right before a title: ゼレンスキー大統領, 山田太郎氏
        j = cand[1]
        return j < len(ms) and ms[j].start == cand[3] and _is_title(ms[j].surface)
    return False


def extract_entities(analysis) -> list:
    """People, places and organisations of ``analysis``, by start, disjoint."""
    ms = analysis.morphemes
    if not ms:
        return []
    weights, thresholds = _load_model()
    return decide(analysis, weights, thresholds, _shipped_caches)


# Summed weights per feature group for the shipped model (see _span_key).
_shipped_caches = ({}, {}, {}, {})
_CACHE_LIMIT = 200_000


def _remember_scores(cache: dict, key, weights, features) -> tuple:
    scores = _scores(weights, features)
    if len(cache) < _CACHE_LIMIT:
        cache[key] = scores
    return scores


@dataclass(frozen=True, slots=True)
class Thresholds:
    """How the model's scores become decisions (chosen by cross-validation
    on the training set, stored with the model).

    keep: a rule entity stays unless "none" outscores its best type by more.
    free: a candidate the rules did not propose needs its best type to beat
          "none" by this much (they are riskier: products, common words).
    flip: a rule entity becomes an organisation only when that wins by this.
    """

    keep: float = 0.0
    free: float = 0.0
    flip: float = 0.0


def decide(analysis, weights: dict, thresholds: Thresholds, caches=None) -> list:
    """The entities of ``analysis`` under the given model weights and thresholds
    (extract_entities with the shipped model; the training script's
    cross-validation with its fold models)."""
    ms = analysis.morphemes
    if not ms:
        return []
    scan = _scan(ms)
    kinds = scan[0]
    ruled = rule_entities(analysis, kinds)
    if not weights:
        return ruled  # no model shipped: the rules alone
    text = analysis.text
    # Rule findings that rest on news conventions more than on the training
    # sentences (日米, 米大統領, 東京地裁, 横浜市, ゼレンスキー大統領) are kept
    # as they are: the livedoor training set has too few of them for the model
    # to judge, and they are right nine times in ten.
    chosen = []
    if caches is None:
        caches = ({}, {}, {}, {})
    by_surface, by_span, by_left, by_right = caches
    for cand in _candidates(ms, kinds, ruled, scan):
        surface = text[cand[2] : cand[3]]
        if cand[4] is not None and _trusted(ms, cand, surface):
            chosen.append((_TRUSTED, cand[2], cand[3], cand[4]))
            continue
        surface_feats, shape, types = _surface_features(surface)
        s0 = by_surface.get(surface)
        if s0 is None:
            s0 = _remember_scores(by_surface, surface, weights, surface_feats)
        key = _span_key(ms, cand, shape, types)
        s1 = by_span.get(key)
        if s1 is None:
            s1 = _remember_scores(by_span, key, weights, _span_features(key))
        key = _left_key(ms, cand)
        s2 = by_left.get(key)
        if s2 is None:
            s2 = _remember_scores(by_left, key, weights, _left_features(key))
        key = _right_key(ms, cand)
        s3 = by_right.get(key)
        if s3 is None:
            s3 = _remember_scores(by_right, key, weights, _right_features(key))
        totals = (s0[0] + s1[0] + s2[0] + s3[0], s0[1] + s1[1] + s2[1] + s3[1],
                  s0[2] + s1[2] + s2[2] + s3[2], s0[3] + s1[3] + s2[3] + s3[3])
        best = max(range(1, len(_LABELS)), key=totals.__getitem__)
        rule = cand[4]
        if rule is None:
            if totals[best] - totals[0] > thresholds.free:
                chosen.append((totals[best] - totals[0], cand[2], cand[3], _LABELS[best]))
            continue
        ruled_label = _LABELS.index(rule)
        # The one change of type the training data supports is into an
        # organisation (ドルトムント the club, not the city); a place or an
        # organisation the rules found never becomes a person, nor the
        # reverse (北京, ロシア軍 stay what the rules said).
        if best != ruled_label and (best != _ORG_LABEL or totals[best] - totals[ruled_label] < thresholds.flip):
            best = ruled_label
        if totals[best] - totals[0] > -thresholds.keep:
            chosen.append((totals[best] - totals[0], cand[2], cand[3], _LABELS[best]))
    chosen.sort(reverse=True)
    used = []
    entities = []
    for _, start, end, typ in chosen:
        if any(start < b and a < end for a, b in used):
            continue
        used.append((start, end))
        entities.append(Entity(text[start:end], typ, start, end))
    entities.sort(key=lambda e: e.start)
    return entities


def candidate_features(analysis):
    """(candidate (start, end), rule type, features) of ``analysis``: what the
    model sees, for the training script."""
    ms = analysis.morphemes
    if not ms:
        return []
    kinds = _kinds(ms)
    ruled = rule_entities(analysis, kinds)
    return [
        ((c[2], c[3]), c[4], _features(analysis.text, ms, kinds, c))
        for c in _candidates(ms, kinds, ruled)
    ]


# ---------------------------------------------------------------------------
# Evaluation


def _triples(doc):
    out = set()
    for e in doc:
        if isinstance(e, Entity):
            out.add((e.start, e.end, e.type))
        else:
            start, end, typ = e[0], e[1], e[2]
            out.add((start, end, typ))
    return out


def evaluate(gold, predicted) -> dict:
    """Per-type precision, recall and F1 over exact (start, end, type) matches.

    ``gold`` and ``predicted`` are parallel sequences, one item per document,
    each an iterable of :class:`Entity` or ``(start, end, type)`` triples.
    Returns ``{type: {"precision", "recall", "f1", "tp", "fp", "fn"}}`` for
    every type in :data:`ENTITY_TYPES` plus ``"all"`` (micro average).
    """
    gold = list(gold)
    predicted = list(predicted)
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted must have one item per document")
    counts = {t: [0, 0, 0] for t in ENTITY_TYPES + ("all",)}
    for g_doc, p_doc in zip(gold, predicted):
        g, p = _triples(g_doc), _triples(p_doc)
        for t in ENTITY_TYPES:
            gt = {x for x in g if x[2] == t}
            pt = {x for x in p if x[2] == t}
            tp = len(gt & pt)
            for key in (t, "all"):
                c = counts[key]
                c[0] += tp
                c[1] += len(pt) - tp
                c[2] += len(gt) - tp
    result = {}
    for t, (tp, fp, fn) in counts.items():
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[t] = {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}
    return result
