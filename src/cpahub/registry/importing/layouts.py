"""The default layouts: for each kind, its columns with Chinese and English headers and accepted values.

The Chinese headers follow the Ministry of Finance's public registers (全国注册会计师行业统一监管平台);
the English headers are stable file-format names, not translated text. Headers are matched after
folding (full-width → half-width, case, spaces and brackets ignored), so 统一社会信用代码（18位）,
"Credit Code" and credit_code all find their column. docs/registry-import.md lists every column.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cpahub.accounts.choices import City, OrgStatus
from cpahub.registry.choices import Authority, CPAStatus, Gender, LegalForm, PenaltyKind, SubjectKind
from cpahub.registry.importing.normalise import key

FIRM = "firm"
CPA = "cpa"
PENALTY = "penalty"
KINDS = (FIRM, CPA, PENALTY)
IGNORE = ""

# Column types: how a cell is parsed (see engine.parse_cell).
TEXT = "text"  # free text, kept as written (edges stripped)
CODE = "code"  # identifiers: half-width, no spaces, upper case
DATE = "date"
INT = "int"
BOOL = "bool"
CHOICE = "choice"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str  # the Chinese word written on export
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    en: str
    label: Promise
    type: str = TEXT
    required: bool = False  # the column must be mapped and every row needs a value
    required_new: bool = False  # a row that creates a record needs a value
    key: bool = False  # identifies the record for re-import
    read_only: bool = False  # exported for information, checked, never written
    aliases: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    max_length: int | None = None
    help: Promise | str = ""
    multiline: bool = False

    @property
    def display(self) -> str:
        return f"{self.label} ({self.zh})"

    def header(self, language: str = "zh") -> str:
        return self.en if language == "en" else self.zh

    def all_headers(self) -> tuple[str, ...]:
        return (self.zh, self.en, self.name, *self.aliases)

    @functools.cached_property
    def choice_index(self) -> dict[str, str]:
        from django.utils import translation

        index: dict[str, str] = {}
        for choice in self.choices:
            words = [choice.value, choice.label, *choice.aliases]
            with translation.override("en"):
                words.append(str(self.value_label_en(choice.value)))
            for word in words:
                index.setdefault(key(word), choice.value)
        return index

    def value_label_en(self, value: str) -> str:
        enum = _CHOICE_ENUMS.get(self.name)
        if enum is None:
            return value
        try:
            return str(enum(value).label)
        except ValueError:
            return value

    def parse_choice(self, text: str) -> str:
        found = self.choice_index.get(key(text))
        if found is None:
            raise ValueError(
                gettext("%(value)s is not an accepted value; use one of: %(accepted)s.")
                % {"value": text, "accepted": "、".join(c.label for c in self.choices)}
            )
        return found

    def export_label(self, value) -> str:
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        return value or ""


@dataclass(frozen=True)
class Layout:
    kind: str
    label: Promise
    columns: tuple[Column, ...]
    key_column: str
    filename: str
    sheet: str

    def column(self, name: str) -> Column:
        return self.by_name[name]

    @functools.cached_property
    def by_name(self) -> dict[str, Column]:
        return {column.name: column for column in self.columns}

    @functools.cached_property
    def header_index(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for column in self.columns:
            for header in column.all_headers():
                index.setdefault(key(header), column.name)
        return index

    def match_header(self, header: str) -> str | None:
        """The column a file header stands for, or None."""
        folded = key(header)
        if not folded:
            return None
        found = self.header_index.get(folded)
        if found:
            return found
        # "统一社会信用代码18位", "证书编号(必填)": a known header followed by a remark.
        candidates = {
            name for alias, name in self.header_index.items() if len(alias) >= 4 and folded.startswith(alias)
        }
        return candidates.pop() if len(candidates) == 1 else None

    def score(self, headers: list[str]) -> int:
        """How many distinct columns of this layout a row of headers names (for header detection)."""
        return len({m for m in (self.match_header(h) for h in headers) if m})

    def auto_mapping(self, headers: list[str]) -> list[str]:
        """For each file column, the layout column it matches, or IGNORE. First match wins."""
        used: set[str] = set()
        mapping = []
        for header in headers:
            name = self.match_header(header)
            if name and name not in used:
                used.add(name)
                mapping.append(name)
            else:
                mapping.append(IGNORE)
        return mapping

    def check_mapping(self, headers: list[str], mapping: list[str]) -> list[str]:
        """Problems with a column mapping (unknown or doubled fields, required fields missing)."""
        problems = []
        seen: dict[str, str] = {}
        for header, name in zip(headers, mapping, strict=True):
            if name == IGNORE:
                continue
            if name not in self.by_name:
                problems.append(gettext("%(field)s is not a field of this layout.") % {"field": name})
                continue
            if name in seen:
                problems.append(
                    gettext("The columns %(a)s and %(b)s are both mapped to %(field)s; keep one.")
                    % {"a": seen[name], "b": header, "field": self.by_name[name].display}
                )
            seen[name] = header
        for column in self.columns:
            if column.required and column.name not in seen:
                problems.append(
                    gettext("No column is mapped to the required field %(field)s.")
                    % {"field": column.display}
                )
        return problems

    def parse_map_option(self, headers: list[str], text: str) -> list[str]:
        """Apply `--map "列名=field,..."` on top of the automatic mapping. Raises ValueError."""
        mapping = self.auto_mapping(headers)
        folded = {key(h): i for i, h in enumerate(headers)}
        for part in (p for p in text.split(",") if p.strip()):
            if "=" not in part:
                raise ValueError(gettext("Write each mapping as column=field: %(part)s") % {"part": part})
            header, name = (s.strip() for s in part.rsplit("=", 1))
            index = headers.index(header) if header in headers else folded.get(key(header))
            if index is None:
                raise ValueError(gettext("The file has no column %(column)s.") % {"column": header})
            name = IGNORE if name.lower() in ("", "-", "ignore") else self.match_header(name) or name
            if name != IGNORE and name not in self.by_name:
                raise ValueError(
                    gettext("%(field)s is not a field; use one of: %(fields)s.")
                    % {"field": name, "fields": ", ".join(self.by_name)}
                )
            if name != IGNORE:
                mapping = [IGNORE if m == name else m for m in mapping]
            mapping[index] = name
        return mapping


def _city_choices() -> tuple[Choice, ...]:
    names = {
        City.NANCHANG: ("南昌市", "Nanchang"),
        City.JINGDEZHEN: ("景德镇市", "Jingdezhen"),
        City.PINGXIANG: ("萍乡市", "Pingxiang"),
        City.JIUJIANG: ("九江市", "Jiujiang"),
        City.XINYU: ("新余市", "Xinyu"),
        City.YINGTAN: ("鹰潭市", "Yingtan"),
        City.GANZHOU: ("赣州市", "Ganzhou"),
        City.JIAN: ("吉安市", "Ji'an"),
        City.YICHUN: ("宜春市", "Yichun"),
        City.FUZHOU: ("抚州市", "Fuzhou"),
        City.SHANGRAO: ("上饶市", "Shangrao"),
    }
    choices = []
    for code, (zh, en) in names.items():
        short = zh.removesuffix("市")
        choices.append(Choice(code.value, zh, (short, f"江西省{zh}", f"江西{zh}", f"江西省{short}", en)))
    return tuple(choices)


CITY_CHOICES = _city_choices()
CITY_NAMES = {choice.value: choice.label for choice in CITY_CHOICES}

FIRM_STATUS_CHOICES = (
    Choice(OrgStatus.ACTIVE, "正常", ("执业", "正常执业", "有效", "存续", "在业")),
    Choice(OrgStatus.SUSPENDED, "暂停执业", ("暂停", "停业", "暂停经营")),
    Choice(OrgStatus.CLOSED, "注销", ("已注销", "撤销", "吊销", "关闭", "终止")),
    Choice(OrgStatus.PENDING, "待审核", ("待审批", "审核中")),
)
LEGAL_FORM_CHOICES = (
    Choice(
        LegalForm.GENERAL_PARTNERSHIP, "普通合伙", ("普通合伙制", "合伙", "合伙制", "general partnership")
    ),
    Choice(
        LegalForm.SPECIAL_PARTNERSHIP,
        "特殊普通合伙",
        ("特殊的普通合伙", "特殊普通合伙制", "special general partnership", "special partnership"),
    ),
    Choice(
        LegalForm.LIMITED_COMPANY,
        "有限责任公司",
        ("有限责任", "有限公司", "有限责任制", "limited liability company", "limited company"),
    ),
)
CPA_STATUS_CHOICES = (
    Choice(CPAStatus.PRACTISING, "执业", ("执业会员", "执业注册会计师", "正常", "有效", "practicing")),
    Choice(CPAStatus.NON_PRACTISING, "非执业", ("非执业会员", "non-practicing", "non practising")),
    Choice(CPAStatus.CANCELLED, "注销", ("已注销", "撤销", "撤销注册", "注销注册", "canceled")),
)
GENDER_CHOICES = (
    Choice(Gender.MALE, "男", ("male", "男性")),
    Choice(Gender.FEMALE, "女", ("female", "女性")),
)
SUBJECT_CHOICES = (
    Choice(SubjectKind.FIRM, "事务所", ("会计师事务所", "单位", "机构", "分所")),
    Choice(SubjectKind.CPA, "注册会计师", ("个人", "会计师", "注册会计师个人")),
)
AUTHORITY_CHOICES = (
    Choice(Authority.MOF, "财政部", ("中华人民共和国财政部",)),
    Choice(Authority.PROVINCIAL_FINANCE, "江西省财政厅", ("财政厅", "省财政厅", "江西财政厅")),
    Choice(Authority.CSRC, "中国证监会", ("证监会", "中国证券监督管理委员会")),
    Choice(Authority.CSRC_OFFICE, "江西证监局", ("证监局", "中国证监会江西监管局", "江西监管局")),
    Choice(Authority.CICPA, "中国注册会计师协会", ("中注协",)),
    Choice(Authority.ASSOCIATION, "江西省注册会计师协会", ("省注协", "江西省注协", "江西注协")),
    Choice(Authority.OTHER, "其他", ("其它",)),
)
PENALTY_KIND_CHOICES = (
    Choice(PenaltyKind.ADMONITION, "约谈", ("谈话提醒", "约谈提醒", "诫勉谈话")),
    Choice(PenaltyKind.CRITICISM, "通报批评", ("行业内通报批评",)),
    Choice(PenaltyKind.CENSURE, "公开谴责", ()),
    Choice(PenaltyKind.WARNING, "警告", ()),
    Choice(PenaltyKind.FINE, "罚款", ()),
    Choice(PenaltyKind.CONFISCATION, "没收违法所得", ("没收",)),
    Choice(PenaltyKind.SUSPENSION, "暂停执业", ("暂停经营业务", "暂停承接业务", "暂停")),
    Choice(PenaltyKind.REVOCATION, "吊销执业证书", ("吊销", "撤销", "吊销证书")),
    Choice(PenaltyKind.OTHER, "其他", ("其它",)),
)

_CHOICE_ENUMS = {
    "status": None,  # firm and CPA statuses differ; English labels are given as aliases instead
    "legal_form": LegalForm,
    "city": City,
    "gender": Gender,
    "subject_kind": SubjectKind,
    "authority": Authority,
    "kind": PenaltyKind,
}

FIRM_LAYOUT = Layout(
    kind=FIRM,
    label=_("Firms"),
    key_column="credit_code",
    filename="firms",
    sheet="事务所",
    columns=(
        Column(
            "firm_no",
            "事务所编号",
            "firm number",
            _("Firm number"),
            CODE,
            aliases=("编号", "事务所代码"),
            max_length=20,
        ),
        Column(
            "name",
            "事务所名称",
            "name",
            _("Firm name"),
            TEXT,
            required=True,
            aliases=("名称", "事务所", "firm name"),
            max_length=200,
        ),
        Column(
            "credit_code",
            "统一社会信用代码",
            "credit code",
            _("Unified social credit code"),
            CODE,
            required=True,
            key=True,
            aliases=("信用代码", "社会信用代码", "unified social credit code", "uscc"),
            max_length=18,
        ),
        Column(
            "status",
            "状态",
            "status",
            _("Status"),
            CHOICE,
            aliases=("执业状态", "事务所状态"),
            choices=FIRM_STATUS_CHOICES,
        ),
        Column(
            "cpa_count",
            "注册会计师人数",
            "number of CPAs",
            _("Number of CPAs"),
            INT,
            read_only=True,
            aliases=("注册会计师数", "执业注册会计师人数", "cpa count", "cpas"),
            help=_(
                "Derived from the CPA register: ignored on import, a difference is reported as a warning."
            ),
        ),
        Column(
            "legal_form",
            "组织形式",
            "legal form",
            _("Legal form"),
            CHOICE,
            required_new=True,
            aliases=("organisational form", "organizational form"),
            choices=LEGAL_FORM_CHOICES,
        ),
        Column(
            "city",
            "所在城市",
            "city",
            _("City"),
            CHOICE,
            required_new=True,
            aliases=("城市", "所在地", "所在地区", "设区市", "地区"),
            choices=CITY_CHOICES,
            help=format_lazy(
                _("A city's name ({examples}) or division code ({code})."),
                examples="南昌市, 南昌, Nanchang",
                code="360100",
            ),
        ),
        Column(
            "licence_no",
            "执业证书编号",
            "licence number",
            _("Practice licence number"),
            CODE,
            required_new=True,
            aliases=("执业证书号", "证书编号", "license number", "practice licence number"),
            max_length=30,
        ),
        Column(
            "founded",
            "成立日期",
            "founding date",
            _("Founding date"),
            DATE,
            aliases=("成立时间", "批准设立日期", "founded"),
        ),
        Column(
            "address",
            "地址",
            "address",
            _("Address"),
            TEXT,
            aliases=("办公地址", "注册地址", "经营场所"),
            max_length=300,
        ),
        Column(
            "securities_qualified",
            "是否具有证券资格",
            "securities qualification",
            _("Securities business qualification"),
            BOOL,
            aliases=("证券资格", "证券服务业务备案", "是否证券所", "securities qualified"),
        ),
        Column(
            "parent_credit_code",
            "上级事务所(总所)信用代码",
            "head office credit code",
            _("Head office credit code (for a branch)"),
            CODE,
            aliases=("总所信用代码", "上级事务所信用代码", "总所统一社会信用代码", "parent credit code"),
            max_length=18,
        ),
        Column(
            "short_name", "简称", "short name", _("Short name"), TEXT, aliases=("事务所简称",), max_length=60
        ),
        Column(
            "chief_partner",
            "首席合伙人",
            "chief partner",
            _("Chief partner"),
            TEXT,
            aliases=("首席合伙人/主任会计师", "主任会计师", "负责人"),
            max_length=60,
        ),
        Column(
            "phone",
            "联系电话",
            "telephone",
            _("Telephone"),
            TEXT,
            aliases=("电话", "办公电话", "phone"),
            max_length=40,
        ),
        Column("email", "电子邮箱", "email", _("Email"), TEXT, aliases=("邮箱", "e-mail"), max_length=254),
        Column("website", "网址", "website", _("Website"), TEXT, aliases=("网站", "web"), max_length=200),
    ),
)

CPA_LAYOUT = Layout(
    kind=CPA,
    label=_("CPAs"),
    key_column="certificate_no",
    filename="cpas",
    sheet="注册会计师",
    columns=(
        Column(
            "certificate_no",
            "证书编号",
            "certificate number",
            _("Certificate number"),
            CODE,
            required=True,
            key=True,
            aliases=("注册会计师证书编号", "注册证书编号", "CPA证书编号", "证书号", "certificate no"),
            max_length=20,
        ),
        Column(
            "name",
            "姓名",
            "name",
            _("Name"),
            TEXT,
            required=True,
            aliases=("注册会计师姓名", "会员姓名"),
            max_length=60,
        ),
        Column(
            "firm",
            "所在事务所",
            "firm",
            _("Firm (name or credit code)"),
            TEXT,
            aliases=("事务所", "事务所名称", "所在事务所名称", "所在单位", "工作单位", "执业单位"),
            help=_("The firm's name or its credit code; empty leaves the CPA's firm as it is."),
        ),
        Column(
            "firm_credit_code",
            "所在事务所信用代码",
            "firm credit code",
            _("Firm credit code"),
            CODE,
            aliases=("事务所信用代码", "事务所统一社会信用代码", "所在事务所统一社会信用代码"),
            help=_("When given, it decides the firm; the name is then only checked."),
        ),
        Column(
            "province",
            "所在省份",
            "province",
            _("Province"),
            TEXT,
            aliases=("省份", "所属省份", "地区", "注册地"),
            help=format_lazy(_("When given, it must be Jiangxi ({names})."), names="江西, 江西省, Jiangxi"),
        ),
        Column(
            "status",
            "状态",
            "status",
            _("Status"),
            CHOICE,
            aliases=("执业状态", "会员状态", "注册状态"),
            choices=CPA_STATUS_CHOICES,
        ),
        Column("gender", "性别", "gender", _("Gender"), CHOICE, aliases=("sex",), choices=GENDER_CHOICES),
        Column(
            "birth_date",
            "出生日期",
            "date of birth",
            _("Date of birth"),
            DATE,
            aliases=("出生年月日", "生日", "birth date"),
        ),
        Column(
            "id_number",
            "身份证号",
            "resident ID number",
            _("Resident ID number"),
            CODE,
            aliases=("身份证号码", "公民身份号码", "证件号码", "身份证", "id number"),
            help=_(
                "Exported to association staff only; a file without this column leaves stored numbers alone."
            ),
        ),
        Column(
            "qualified_on",
            "取得资格日期",
            "qualification date",
            _("Qualification date"),
            DATE,
            aliases=("取得资格时间", "资格取得日期", "全科合格日期", "qualified on"),
        ),
        Column(
            "is_partner",
            "是否合伙人",
            "partner",
            _("Partner"),
            BOOL,
            aliases=("合伙人", "是否为合伙人", "是否股东或合伙人", "is partner"),
        ),
    ),
)

PENALTY_LAYOUT = Layout(
    kind=PENALTY,
    label=_("Penalties"),
    key_column="document_no",
    filename="penalties",
    sheet="处理处罚",
    columns=(
        Column(
            "document_no",
            "文号",
            "document number",
            _("Document number"),
            TEXT,
            required=True,
            key=True,
            aliases=("处罚文号", "决定书文号", "决定文号", "document no"),
            max_length=80,
        ),
        Column(
            "subject_kind",
            "处罚对象类型",
            "subject type",
            _("Subject type"),
            CHOICE,
            required_new=True,
            aliases=("对象类型", "当事人类型", "subject kind"),
            choices=SUBJECT_CHOICES,
        ),
        Column(
            "subject",
            "事务所/注册会计师",
            "subject",
            _("Subject (credit code or certificate number)"),
            CODE,
            required_new=True,
            aliases=("处罚对象", "当事人", "信用代码/证书编号", "当事人信用代码或证书编号", "subject code"),
            help=_("A firm's credit code or a CPA's certificate number."),
        ),
        Column(
            "subject_name",
            "处罚对象名称",
            "subject name",
            _("Subject name"),
            TEXT,
            read_only=True,
            aliases=("当事人名称", "对象名称"),
            help=_("For reading only: ignored on import, a difference is reported as a warning."),
        ),
        Column(
            "authority",
            "处罚机关",
            "authority",
            _("Authority"),
            CHOICE,
            required_new=True,
            aliases=("处罚单位", "决定机关", "实施机关"),
            choices=AUTHORITY_CHOICES,
        ),
        Column(
            "decided_on",
            "处罚日期",
            "decision date",
            _("Decision date"),
            DATE,
            required_new=True,
            aliases=("决定日期", "处罚决定日期", "作出日期", "decided on"),
        ),
        Column(
            "kind",
            "处罚类型",
            "penalty type",
            _("Type"),
            CHOICE,
            required_new=True,
            aliases=("处罚种类", "处理处罚类型", "措施类型", "type"),
            choices=PENALTY_KIND_CHOICES,
        ),
        Column(
            "text",
            "内容",
            "text",
            _("Text"),
            TEXT,
            required_new=True,
            aliases=("处罚内容", "主要违法事实", "处罚决定内容", "事由", "content"),
            multiline=True,
        ),
        Column("published", "是否公开", "published", _("Published"), BOOL, aliases=("公开", "是否对外公开")),
    ),
)

LAYOUTS = {FIRM: FIRM_LAYOUT, CPA: CPA_LAYOUT, PENALTY: PENALTY_LAYOUT}


def layout_for(kind: str) -> Layout:
    try:
        return LAYOUTS[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}") from None


def model_for(kind: str):
    from cpahub.registry import models

    return {FIRM: models.Firm, CPA: models.CPA, PENALTY: models.Penalty}[kind]


def kind_choices():
    return [(kind, layout.label) for kind, layout in LAYOUTS.items()]
