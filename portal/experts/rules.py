"""Expert records: ID-card numbers (GB 11643), names, specialty codes, masking — pure rules."""
import enum
import re
from functools import lru_cache
from dataclasses import dataclass
from datetime import date

from ..spreadsheets import ImportCheck, RowError, cell_text

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
MAX_SPECIALTIES = 5

# Specialty codes by level: A (category), A01 (specialty), A0101 (sub-specialty)
CODE_PATTERNS = {1: re.compile(r"^[A-Z]$"), 2: re.compile(r"^[A-Z]\d{2}$"), 3: re.compile(r"^[A-Z]\d{4}$")}
CODE_LENGTHS = {1: 1, 2: 3, 3: 5}

# Common traditional characters in names, and their simplified forms (规范汉字). Not exhaustive: it catches
# names typed or pasted in traditional script, which the expert pool records in simplified characters.
TRADITIONAL = dict(zip(
    "陳張劉黃趙楊吳鄭馮韓蔣許謝孫鄧蕭羅葉錢鍾龔嚴賴盧閻蘇華衛顧龍湯馬萬範賈喬聶譚陸顏鄔"
    "偉強軍傑麗紅東國慶貴鳳蘭雲飛鵬濤輝們書長軒寶銘義賢鋒濱兒爾愛寧榮勝",
    "陈张刘黄赵杨吴郑冯韩蒋许谢孙邓萧罗叶钱钟龚严赖卢阎苏华卫顾龙汤马万范贾乔聂谭陆颜邬"
    "伟强军杰丽红东国庆贵凤兰云飞鹏涛辉们书长轩宝铭义贤锋滨儿尔爱宁荣胜"))
HAN = "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f"   # CJK basic and extensions A to G
NAME_RE = re.compile(rf"^[{HAN}]+(·[{HAN}]+)*$")
MIDDLE_DOTS = "•‧∙・．.｡"


class Status(enum.Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return {"active": "在库", "suspended": "暂停", "retired": "退出"}[self.value]

    @property
    def badge(self) -> str:
        return {"active": "badge-ok", "suspended": "badge-warn", "retired": "badge-muted"}[self.value]


class ShareScope(enum.Enum):
    LOCAL = "local"
    PROVINCE = "province"
    CROSS_PROVINCE = "cross_province"

    @property
    def label(self) -> str:
        return {"local": "仅本地区", "province": "全省共享", "cross_province": "跨省共享"}[self.value]


def id_number_problem(text: str | None, today: date | None = None) -> str | None:
    """Why an ID-card number is not a valid 18-digit one (GB 11643-1999), or None."""
    value = (text or "").strip().upper()
    if not value:
        return "请填写身份证号码。"
    if re.search(r"[０-９Ｘ]", value):
        return "请使用半角数字填写身份证号码，不要使用全角数字。"
    if re.fullmatch(r"[0-9]{15}", value):
        return "这是 15 位旧身份证号码，请填写 18 位的居民身份证号码。"
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value):
        return "身份证号码应为 18 位：前 17 位为数字，最后一位为数字或 X。"
    if not 11 <= int(value[:2]) <= 82:
        return "身份证号码前两位应为省级行政区划代码（11—82），请核对。"
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号码中的出生日期无效，请核对第 7 至 14 位。"
    if not date(1900, 1, 1) <= birth <= (today or date.today()):
        return "身份证号码中的出生日期不合理，请核对第 7 至 14 位。"
    if check_digit(value[:17]) != value[17]:
        return "身份证号码校验位不正确，请核对是否输错。"
    return None


def check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def normalise_id_number(text: str) -> str:
    return (text or "").strip().upper()


def mask_id_number(value: str) -> str:
    """Lists never show the number whole: the first 4 and last 2 characters."""
    return value[:4] + "*" * (len(value) - 6) + value[-2:] if len(value) > 6 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) >= 11 else value[:2] + "****"


def normalise_name(text: str | None) -> str:
    """Spaces removed, the look-alike dots of minority names made into the standard middle dot ·."""
    value = re.sub(r"\s+", "", text or "")
    for dot in MIDDLE_DOTS:
        value = value.replace(dot, "·")
    return value


def name_problem(name: str) -> str | None:
    if not name:
        return "请填写姓名。"
    if len(name) > 30:
        return "姓名最多 30 个字。"
    traditional = list(dict.fromkeys(c for c in name if c in TRADITIONAL))
    if traditional:
        fixes = "、".join(f"“{c}”应为“{TRADITIONAL[c]}”" for c in traditional)
        return f"姓名含繁体字（{fixes}），请使用规范简化字。"
    if not NAME_RE.match(name):
        return "姓名只能由汉字组成；少数民族姓名的各部分之间用间隔号“·”分隔，如：买买提·艾力。"
    return None


def code_level(code: str) -> int | None:
    for level, pattern in CODE_PATTERNS.items():
        if pattern.match(code):
            return level
    return None


def parent_code(code: str) -> str | None:
    level = code_level(code)
    return None if level in (None, 1) else code[:CODE_LENGTHS[level - 1]]


def specialty_code_problem(code: str, parent: str | None) -> str | None:
    level = code_level(code)
    if level is None:
        return "专业代码格式：门类为 1 个大写字母（如 A），专业为字母加 2 位数字（如 A01），细分专业为字母加 4 位数字（如 A0101）。"
    if parent_code(code) != parent:
        expected = parent_code(code)
        return f"代码 {code} 应属于上级 {expected}。" if expected else f"门类代码 {code} 不应有上级。"
    return None


def specialty_count_problem(count: int) -> str | None:
    if count == 0:
        return "请至少选择一个评标专业。"
    if count > MAX_SPECIALTIES:
        return f"一名专家最多 {MAX_SPECIALTIES} 个评标专业，当前选择了 {count} 个。"
    return None


# --- import -------------------------------------------------------------------------------------------------

IMPORT_COLUMNS = (
    ("name", "姓名", True),
    ("id_number", "身份证号码", True),
    ("phone", "手机号码", True),
    ("employer", "工作单位", True),
    ("title", "职称", False),
    ("specialties", "评标专业代码", True),
    ("share_scope", "共享范围", False),
    ("status", "状态", False),
    ("region", "所属地区", False),
)
IMPORT_HEADER = {key: header for key, header, _ in IMPORT_COLUMNS}
SCOPE_WORDS = {s.label: s.value for s in ShareScope} | {"本地区": "local", "全省": "province", "跨省": "cross_province"}
STATUS_WORDS = {"在库": "active", "正常": "active", "退出": "retired"}
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
CODE_SPLIT = re.compile(r"[、,，;；\s]+")


def duplicate_id_problem(holder_region_id: int, region_id: int | None) -> str:
    """The refusal of an ID number that is already registered. Another region is never named (issue 27 item
    3): "已在长春地区专家库登记" had confirmed to another region's admin that a person is an expert, and where."""
    if holder_region_id == region_id:
        return "该身份证号码已在该地区专家库登记，请在原记录上修改，不要重复登记。"
    return "该身份证号码已在省内其他地区登记，请联系省级管理员办理转移。"


def check_expert_rows(rows, specialty_ids: dict[str, int], holders: dict[str, tuple[int, int]],
                      own_region_id: int | None, region_ids: dict[str, int]):
    """Validate an expert import row by row; nothing is applied unless every row passes.

    rows: (spreadsheet row, {column key: raw cell}); specialty_ids: active specialty id by code;
    holders: id number -> (expert id, region id) of records already in the database;
    own_region_id: the importer's region (None for a provincial admin, who must name the region);
    region_ids: region id by name. Each good row gets action "new" or "update".
    """
    check = ImportCheck()
    first_row: dict[str, int] = {}
    for row_no, raw in rows:
        errors: list[tuple[str, str]] = []
        person = _person_cells(raw, errors)
        id_number = person["id_number"]
        if id_number and not errors_in(errors, "id_number"):
            if id_number in first_row:
                errors.append(("id_number", f"与第 {first_row[id_number]} 行的身份证号码重复。"))
            else:
                first_row[id_number] = row_no
        pool = _pool_cells(raw, errors, specialty_ids)
        region_id = _region_cell(raw, errors, own_region_id, region_ids)
        action = "new"
        holder = holders.get(id_number)
        if holder is not None and not errors_in(errors, "id_number"):
            _expert_id, holder_region = holder
            if region_id is not None and holder_region != region_id:
                errors.append(("id_number", duplicate_id_problem(holder_region, region_id)))
            action = "update"
        for column, message in errors:
            check.errors.append(RowError(row_no, IMPORT_HEADER[column], message))
        if not errors:
            check.rows.append({"row": row_no, "action": action, "expert_id": holder[0] if holder else None,
                               **person, **pool, "region_id": region_id})
    return check


def errors_in(errors: list[tuple[str, str]], column: str) -> bool:
    return any(name == column for name, _ in errors)


def _person_cells(raw: dict, errors: list) -> dict:
    """Name, ID number, phone, employer and title of one row (problems appended to `errors`)."""
    name = normalise_name(cell_text(raw.get("name")))
    problem = name_problem(name)
    if problem:
        errors.append(("name", problem))
    id_number = normalise_id_number(cell_text(raw.get("id_number")))
    problem = id_number_problem(id_number)
    if problem:
        errors.append(("id_number", problem))
    phone = re.sub(r"[\s-]", "", cell_text(raw.get("phone")))
    if not MOBILE_RE.match(phone):
        errors.append(("phone", "手机号码应为 11 位数字，以 1 开头。"))
    employer = cell_text(raw.get("employer"))
    if not employer:
        errors.append(("employer", "请填写工作单位。"))
    elif len(employer) > 100:
        errors.append(("employer", "工作单位最多 100 个字。"))
    title = cell_text(raw.get("title"))[:40] or None
    return {"name": name, "id_number": id_number, "phone": phone, "employer": employer, "title": title}


def _pool_cells(raw: dict, errors: list, specialty_ids: dict[str, int]) -> dict:
    """Specialties, share scope and status of one row (problems appended to `errors`)."""
    codes = [c.upper() for c in CODE_SPLIT.split(cell_text(raw.get("specialties"))) if c]
    codes = list(dict.fromkeys(codes))
    unknown = [c for c in codes if c not in specialty_ids]
    if unknown:
        errors.append(("specialties", f"专业代码 {'、'.join(unknown)} 不存在或已停用，请对照专业分类填写。"))
    problem = specialty_count_problem(len(codes))
    if problem:
        errors.append(("specialties", problem))
    scope_text = cell_text(raw.get("share_scope")) or "全省共享"
    share_scope = SCOPE_WORDS.get(scope_text)
    if share_scope is None:
        errors.append(("share_scope", "共享范围应为：仅本地区、全省共享或跨省共享。"))
    status_text = cell_text(raw.get("status"))
    status = STATUS_WORDS.get(status_text) if status_text else None   # blank: new ones 在库, others unchanged
    if status_text and status is None:
        errors.append(("status", "状态应为“在库”或“退出”；暂停请在专家信息页办理并填写原因。"))
    return {"specialty_ids": [specialty_ids[c] for c in codes if c in specialty_ids], "share_scope": share_scope,
            "status": status}


def _region_cell(raw: dict, errors: list, own_region_id: int | None, region_ids: dict[str, int]) -> int | None:
    """The row's region: named by a provincial admin, else the importer's own (another one is refused)."""
    region_text = cell_text(raw.get("region"))
    if own_region_id is None:
        region_id = region_ids.get(region_text)
        if region_id is None:
            errors.append(("region", "请填写所属地区（如：长春地区）。"))
        return region_id
    if region_text and region_ids.get(region_text) != own_region_id:
        errors.append(("region", "只能导入本地区的专家。"))
    return own_region_id


# --- eligible experts for a guest venue (可抽取专家数) ----------------------------------------------------------

@lru_cache(maxsize=4096)
def normalise_org(name: str | None) -> str:
    """An organisation's name compared loosely: no spaces or brackets, full-width folded, case-free.

    The same comparison as the draw's avoidance (portal.evaluations.rules.normalise_org; a unit test keeps the
    two equal), so that a count before the draw excludes the experts the draw will exclude.
    """
    out = []
    for ch in (name or "").strip():
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        if ch.isspace() or ch in "()（）[]【】·,，.。":
            continue
        out.append(ch.lower())
    return "".join(out)


@dataclass(frozen=True)
class PoolRow:
    """Experts of one region, sharing scope and employer holding a specialty (or one below it): a row of the
    grouped pool query. `code` "" counts every expert whatever the specialty; `suspended_until` is set for a
    suspended expert (available from the day after), None for an active one."""

    code: str
    region_id: int
    share_scope: ShareScope
    employer: str
    suspended_until: date | None
    experts: int


@dataclass(frozen=True)
class PoolAsk:
    """A guest venue's pool as the draw will see it: its region, whether only experts shared beyond their
    region may serve (the main venue is in another region), the evaluation day and the employers avoided."""

    region_id: int
    shared_only: bool
    day: date
    avoid_employers: tuple[str, ...] = ()
    # The main venue is in another province (inbound work): only experts shared across provinces may serve.
    cross_province: bool = False


SHARED_SCOPES = frozenset({ShareScope.PROVINCE, ShareScope.CROSS_PROVINCE})


def eligible_count(rows: list[PoolRow], ask: PoolAsk, code: str) -> int:
    """How many experts of `code` ("" for any) the venue could draw, after the avoidance rules known before
    the committee is fixed: available on the day, shared widely enough, not employed by an avoided employer."""
    avoided = {normalise_org(name) for name in ask.avoid_employers} - {""}
    total = 0
    for row in rows:
        if row.code != code or row.region_id != ask.region_id:
            continue
        if ask.shared_only and row.share_scope not in SHARED_SCOPES:
            continue
        if ask.cross_province and row.share_scope is not ShareScope.CROSS_PROVINCE:
            continue
        if row.suspended_until is not None and row.suspended_until >= ask.day:
            continue
        if avoided and normalise_org(row.employer) in avoided:
            continue
        total += row.experts
    return total


@dataclass(frozen=True)
class Shortage:
    """A specialty (code "" for any) with fewer eligible experts than the guest seats asked."""

    code: str
    eligible: int
    needed: int


def expert_shortages(counts: dict[str, int], seats: int) -> list[Shortage]:
    """The asked specialties (keys of `counts`, in order) whose eligible experts are fewer than `seats`.

    The committee may put every guest seat on any one of the asked specialties, so each must have at least as
    many eligible experts as seats; the draw refuses later otherwise, when nobody can change the request.
    """
    return [Shortage(code, n, seats) for code, n in counts.items() if n < seats]
