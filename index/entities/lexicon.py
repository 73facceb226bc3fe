"""Word lists (written from general knowledge) and the JMnedict name lexicon.

The lists say what a head, a title, a country letter or a well-known
organisation is; the rules (rules.py) and the tagger's features (model.py)
read them.  Add a word here and both see it.
"""

from __future__ import annotations

import gzip
import unicodedata
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
# Names from JMnedict (EDRDG, CC BY-SA 4.0): organisations, people, foreign
# given and family names, works and products; one "type<TAB>name" a line
# (bench/entities/build_lexicon.py, index/data/README.md).
LEXICON_PATH = DATA / "entity_lexicon.tsv.gz"


def _words(text: str) -> frozenset:
    return frozenset(text.split())


# ---------------------------------------------------------------------------
# Organisation heads

# Heads that make an organisation of the nouns before them whatever those are
# (外務省, 警視庁, 大阪府警, 東京地裁).  The modifier must still be a noun.
STRONG_HEADS = _words(
    """
    省 庁 府警 県警 道警 地検 高検 地裁 高裁 家裁 簡裁 裁判所 検察庁
    警察署 大使館 総領事館 領事館
    """
)

# Heads that need proper evidence in the run (日本政府, 横浜高校, 日本経済新聞).
WEAK_HEADS = _words(
    """
    党 政府 機構 協会 連盟 連合 連合会 委員会 評議会 理事会 議会 銀行 大学
    大学院 大学病院 高校 高等学校 中学校 小学校 学園 学院 病院 新聞 新聞社
    通信社 放送局 証券 財団 組合 研究所 研究機構 研究センター
    警察 株式会社 有限会社 合同会社 商事 物産 工業 電機 電器 電気 電子 電工
    製作所 自動車 重工 重工業 建設 製薬 化学 食品 航空 鉄道 電力 生命 保険
    損保 グループ ホールディングス HD 局 軍 球団 事務所 法人 財団法人
    社団法人 公社 公団 事業団 学会 医師会 会議所 取引所 劇団 楽団 出版
    書店 興業 ガス 信金 信用金庫 農協 生協 労組 総連 同盟
    """
)

# A Sudachi 固有名詞,一般 ending in one of these is an organisation by itself
# (自民党, 京都大学, 野村證券, サムスン電子, ソフトバンクモバイル).
PROPER_HEADS = (
    STRONG_HEADS
    | WEAK_HEADS
    | _words(
        """
        社 会 団 庁 部 局 課 隊 署 校 モバイル テレビ 放送 通信 ジャパン
        エンタテインメント エンターテインメント コーポレーション カンパニー
        インク ラボ ラボラトリーズ 研究会 委員会 連合 本部 総局 支局
        """
    )
)

ALL_HEADS = STRONG_HEADS | WEAK_HEADS
MAX_HEAD_LEN = max(len(h) for h in PROPER_HEADS)

# First halves that make a "proper" head compound generic (私立高校).
GENERIC_STEMS = _words(
    """
    私立 公立 国立 県立 市立 都立 府立 町立 村立 区立 スポーツ 地方 全国 大手 民間
    地元 名門 有名 一般 夕刊 朝刊 地域 業界 英字 外国 海外 新興 中小 総合 専門
    芸能 写真 週刊 月刊 日刊 ネット 音楽 映画 テレビ 衛星 ラジオ 女子 男子
    """
)

# Sections that stay part of the organisation they follow (大阪地検 特捜部).
SECTIONS = _words("特捜部 本部 支部 支社 支店 本店 事務局 研究所 附属病院 捜査本部")

# Words that look like a head but name no particular organisation.
NOT_ORG = _words(
    """
    与党 野党 政党 新党 公党 悪党 残党 徒党 離党 入党 結党 解党 党
    同省 同庁 各省 各庁 省庁 官庁 本省 両党 各党 同党 全党 自党 他党
    同社 各社 本社 弊社 他社 自社 当社 貴社 御社 入社 出社 退社 会社 商社
    大学 高校 政府 銀行 病院 警察 協会 大会 学会 議会 社会 教会 機会
    委員会 組合 局 軍 同局 各局 本局 当局 支局 薬局 結局 難局 時局
    """
)

# Prefixes that point back to an organisation already named (同省, 各党).
STOP_PREFIXES = _words("同 各 両 当 本 全 他 弊 貴 御 自 我が 旧 元 前 現 新 某 諸 その この")

# Evidence words that make a generic head an organisation (全日本柔道連盟).
EVIDENCE_WORDS = frozenset(("全日本",))

# Organisation words that end the run when they follow a name (株式会社
# トヨタ / トヨタ株式会社) or precede it.
COMPANY_PREFIXES = _words("株式会社 有限会社 合同会社 (株) （株） ㈱ (有) （有） ㈲")


def fold_key(s: str, _cache: dict = {}) -> str:  # noqa: B006 (the cache)
    """The lexicons' key for ``s``: NFKC, lower case (cached per surface)."""
    key = _cache.get(s)
    if key is None:
        key = unicodedata.normalize("NFKC", s).lower()
        if len(_cache) < 200_000:
            _cache[s] = key
    return key


def width_fold(s: str, _cache: dict = {}) -> str:  # noqa: B006 (the cache)
    """NFKC alone (full-width Latin and half-width katakana folded, case kept)."""
    out = _cache.get(s)
    if out is None:
        out = unicodedata.normalize("NFKC", s)
        if len(_cache) < 200_000:
            _cache[s] = out
    return out


# Well-known organisations Sudachi tags as plain proper (or common) nouns.
ORG_LEXICON = frozenset(
    fold_key(w)
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

# ---------------------------------------------------------------------------
# Titles and honorifics: never part of a name, but confirm one before them.

TITLES = _words(
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
    """
)
TITLE_PREFIXES = _words("元 前 現 新 副 故 旧 次期 米 英 仏 独 露 中 韓 日 国務 官房")

# Titles and their parts in Latin script, lower case, and a few capitalised
# words that start sentences: none is part of a name, so they end one in an
# English sentence ("Prime Minister Fumio Kishida" → Fumio Kishida).
LATIN_TITLES = _words(
    """
    mr mrs ms miss dr prof sir dame lord lady mx prime minister president
    vice deputy chief executive secretary chancellor premier king queen
    prince princess pope emperor senator governor mayor general gen col
    professor ceo cfo coo chairman chairwoman chair director minister's
    foreign state defense defence finance former said says the
    """
)
# Those of them after which capitalised words name a person (President
# Joe Biden, Mr. Tanaka).
LATIN_PERSON_TITLES = _words(
    """
    mr mrs ms miss dr prof sir dame lord lady president minister chancellor
    premier king queen prince princess pope emperor senator governor mayor
    professor ceo chairman chairwoman
    """
)


def is_title(surface: str) -> bool:
    """A title or honorific, bare (首相, 氏) or with a short prefix (元首相,
    米大統領, 国務長官)."""
    if surface in TITLES:
        return True
    for cut in (1, 2):
        if len(surface) > cut and surface[:cut] in TITLE_PREFIXES and surface[cut:] in TITLES:
            return True
    return len(surface) > 2 and (surface[-2:] in TITLES or surface[-3:] in TITLES) and surface[-2:] != "代表"


# ---------------------------------------------------------------------------
# Country letters (日米, 米中, 英独仏) and the readings Sudachi gives them
# there.  Only those in LONE_COUNTRY stand alone (米政府).

COUNTRY_READINGS = {
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
LONE_COUNTRY = {"米": "ベイ", "英": "エイ", "露": "ロ", "韓": "カン", "仏": "フツ", "独": "ドク", "豪": "ゴウ"}

# What a country letter compound (米大統領) may carry after the letter.
COUNTRY_COMPOUND_TAILS = TITLES | _words("政府 軍 紙 誌 当局 政権 議会 国防総省 国務省 企業")

# What follows 日中 when it means Japan and China, not "daytime".
RELATION_TAILS = _words(
    """
    関係 首脳 会談 首脳会談 両国 両政府 外相 外相会談 首相 戦争 国交 国交正常化 友好
    貿易 協力 交流 対立 共同 共同声明 韓 間 両首脳 外交 経済 国境 平和友好条約
    """
)


def country_letters(surface: str, reading: str) -> bool:
    """True when ``surface`` is country letters read as such (日米 ニチベイ)."""
    if not surface or len(surface) > 4:
        return False
    pos = 0
    for ch in surface:
        readings = COUNTRY_READINGS.get(ch)
        if readings is None:
            return False
        for r in readings:
            if reading.startswith(r, pos):
                pos += len(r)
                break
        else:
            return False
    return pos == len(reading)


def lone_country(m) -> bool:
    """A one-letter country name read as one (米 ベイ, not 米 コメ)."""
    s = m.surface
    return len(s) == 1 and LONE_COUNTRY.get(s) == m.reading


# ---------------------------------------------------------------------------
# Places, names, brackets

# Administrative suffixes merged into a place name (東京 都, カリフォルニア 州).
PLACE_SUFFIXES = _words("都 道 府 県 市 区 町 村 郡 州 省 島")
# After a person's name these make it a place (安中 市).
MUNICIPAL = _words("市 町 村 区 郡 県")

NAME_JOINERS = frozenset("・＝=･")
OPEN_QUOTES = frozenset("『《〈【")
CLOSE_QUOTES = frozenset("』》〉】")
OPEN_BRACKETS = frozenset("「『《〈【“\"（(［[")
CLOSE_BRACKETS = frozenset("」』》〉】”\"）)］]")

# A sentence ends here: what stands before a name after these is a "start".
SENTENCE_ENDS = frozenset("。！？!?")


# ---------------------------------------------------------------------------
# The JMnedict name lexicon

_lexicons: dict = {}
_shipped: list = []  # the shipped lexicon, once loaded: the common case, without hashing a Path


def load_lexicon(path: Path | None = None) -> dict:
    """{folded name: (type, ...)}, types org, person, art (works and
    products) and fname (a katakana given or family name); empty when no
    lexicon is shipped.  Loaded once per process."""
    if path is None:
        if _shipped:
            return _shipped[0]
        _shipped.append(load_lexicon(LEXICON_PATH))
        return _shipped[0]
    lexicon = _lexicons.get(path)
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
        _lexicons[path] = lexicon
    return lexicon


_prefixes: list = []


def lexicon_prefixes() -> frozenset:
    """The first two characters of every name in the shipped lexicon: a run
    of words whose text starts otherwise is not worth looking up."""
    if not _prefixes:
        _prefixes.append(frozenset(name[:2] for name in load_lexicon()))
    return _prefixes[0]


def org_word(m) -> bool:
    """Is this morpheme a well-known organisation (NHK, トヨタ)?"""
    return m.term in ORG_LEXICON or m.surface in ORG_LEXICON
