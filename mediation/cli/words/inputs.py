"""What a person typed that cannot be used: a label, a date or time, a field of a case, a move's
or a member of staff's inputs, and a case changed meanwhile.

::

    没有这个纠纷类型 'yiliao'（--category）：是 医疗 (medical) 吗？
    没有这个形式 '电话'（--form）：'电话' 是来源渠道 来电 (phone)，不是形式；形式是 口头 (oral)、书面 (written) 之一
    --at '2026-11-2' 缺少时刻：请写上记录上的时间，如 2026-11-02T09:30
    XS-2026-00001 在您查看后已变（版本 5，现为 1）。下一步: mediation case show XS-2026-00001

Each input error names ``why`` it is refused (see the raise sites); :data:`_WHY` holds
the words of each.
"""

from __future__ import annotations

import errno
from datetime import date, datetime

from mediation.cli.case.list import SORT_COLUMNS
from mediation.cli.common import label
from mediation.cli.words.refusals import ROLES
from mediation.documents.kinds import KINDS as DOCUMENTS
from mediation.errors import AmbiguousLabel, ConcurrentUpdate, InputError, UnknownLabel
from mediation.text import quoted

#: What the desk calls a kind of label that is not a field of a case (those are named by the
#: rule set's headings: 纠纷类型, 形式, 来源渠道, ...).
KINDS = {"destination": "调解室或窗口", "unit": "街道", "department": "部门", "state": "状态",
         "trigger": "操作", "review_outcome": "审查结果", "route": "途径", "field": "字段",
         # an agreement's contents (case settle)
         "facts": "协议的纠纷事实", "terms": "协议条款", "performance": "履行方式", "copies": "协议份数"}

#: Why a file cannot be opened, by errno.
_OS_ERRORS = {errno.ENOENT: "没有这个文件", errno.EACCES: "没有权限读取", errno.EISDIR: "这是个文件夹"}

#: The forms of a date and time the desk may type (:data:`mediation.cases.MOMENT_FORMS`).
MOMENT_FORMS = "2020-06-15T09:30、2020-6-15 9:30、2020/6/15 9:30 或 2020年6月15日 9:30"
DAY_FORMS = "2020-06-15、2020-6-15、2020/6/15 或 2020年6月15日"


def kind_text(rules, kind: str) -> str:
    """``纠纷类型``, ``调解室或窗口``: a kind of label as the desk names it."""
    if kind in KINDS:
        return KINDS[kind]
    heading = label(rules, "field", kind) if rules is not None else ""
    return heading if heading and heading != kind else kind


def named(rules, kind: str, id_: str) -> str:
    """``医疗 (medical)``: an id with its label."""
    name = label(rules, kind, id_) if rules is not None else id_
    return f"{name} ({id_})" if name and name != id_ else id_


def one_of(items: list[str]) -> str:
    """``A、B 或 C``."""
    return items[0] if len(items) == 1 else "、".join(items[:-1]) + " 或 " + items[-1]


def option_of(exc: InputError) -> str | None:
    """The option the value was typed in: ``--to``, ``--category`` (a case's field as a flag)."""
    if exc.option:
        return exc.option
    if exc.field and exc.field.startswith("--"):
        return exc.field
    if exc.field and not exc.file and exc.field != "destination":
        return "--" + _bare(exc.field).replace("_", "-")
    return None


def where(exc: InputError) -> str:
    """``（--category）``, or the file (and line) a value was read from."""
    if exc.file:
        at = f" 第 {exc.line} 行" if exc.line else ""
        return f"（'{exc.file}'{at}）"
    option = option_of(exc)
    return f"（{option}）" if option else ""


def field_text(rules, exc: InputError) -> str:
    """The field's heading (``纠纷概要``) and where it was typed: ``纠纷概要（--summary）``; an
    option alone (``--reason``) when that is what the field is."""
    if exc.field and exc.field.startswith("--"):
        return exc.field + " "
    field = _bare(exc.field or "")
    named_as = f" ({field})" if exc.file and field else ""  # as the file names it
    return kind_text(rules, field) + named_as + where(exc)


def _bare(field: str) -> str:
    """``amount`` of ``agreement.amount``, ``terms`` of ``terms[2]``."""
    return field.rpartition(".")[2].partition("[")[0]


# --------------------------------------------------------------------- labels


def unknown_label(exc: UnknownLabel, rules) -> str | None:
    """A label that names nothing of its kind, with what it may have meant (the hint's facts)."""
    if rules is None or not exc.kind:
        return None
    kind, text = exc.kind, exc.value
    line = f"没有这个{kind_text(rules, kind)} {quoted(text)}{where(exc)}"
    if exc.near:
        near = [named(rules, kind, id_) for id_ in exc.near]
        return line + (f"：是 {near[0]} 吗？" if len(near) == 1 else "：是 " + " 还是 ".join(near) + "？")
    parts = []
    if exc.other:
        other_kind, other_id = exc.other
        parts.append(f"{quoted(text)} 是{kind_text(rules, other_kind)} {named(rules, other_kind, other_id)}，"
                     f"不是{kind_text(rules, kind)}")
        if kind == "outcome" and other_kind == "state":
            parts.append("还在办理的案件没有办理结果：留空")
    if exc.choices:
        parts.append(f"{kind_text(rules, kind)}是 " + "、".join(named(rules, kind, c) for c in exc.choices)
                     + " 之一")
    return line + ("：" + "；".join(parts) if parts else "")


def ambiguous(exc: AmbiguousLabel, rules) -> str | None:
    """A label several entries share: each with its id, and how to say which."""
    if rules is None or not exc.choices or exc.value is None:
        return None
    kind = next((k for k, ix in rules.catalogue.index.items() if all(c in ix.names for c in exc.choices)), None)
    if kind is None:
        return None
    choices = one_of([named(rules, kind, c) for c in exc.choices])
    return f"{quoted(exc.value)} 可指 {choices}{where(exc)}：请写编号或全称"


# --------------------------------------------------------------------- a case changed meanwhile


def changed(exc: ConcurrentUpdate, rules) -> str | None:
    if not exc.case_no or exc.seen is None:
        return None
    no, versions = exc.case_no, f"（版本 {exc.seen}，现为 {exc.current}）"
    if exc.why == "raced":
        return (f"{no} 在您办理的同时被别处改动{versions}，本次未记录：看过后再办理。"
                f"下一步: mediation case show {no}")
    return f"{no} 在您查看后已变{versions}。下一步: mediation case show {no}"


# --------------------------------------------------------------------- by why


def input_text(exc: InputError, rules) -> str | None:
    """An input error with its ``why``, in the desk's words; None for one without."""
    words = _WHY.get(exc.why or "")
    return words(exc, rules) if words else None


def _moment(value: object) -> str:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%dT%H:%M}"
    return value.isoformat() if isinstance(value, date) else str(value)


def _shown(value: object) -> str:
    return quoted(value) if isinstance(value, str) else _moment(value)


def _trigger(rules, trigger: str) -> str:
    return named(rules, "trigger", trigger)


_WHY = {
    # dates and times
    "not_moment": lambda e, r: f"{e.option} {_shown(e.value)} 不是日期时刻：请写成 {MOMENT_FORMS}",
    "no_time": lambda e, r: f"{e.option} {_shown(e.value)} 缺少时刻：请写上记录上的时间，如 {e.bound}",
    "not_day": lambda e, r: f"{e.option} {_shown(e.value)} 不是日期：请写成 {DAY_FORMS}",
    "not_date": lambda e, r: f"{field_text(r, e)} {_shown(e.value)} 不是日期：请写成 {MOMENT_FORMS}",
    "period": lambda e, r: f"--to {_moment(e.value)} 早于 --from {_moment(e.bound)}：请对调",
    "future": lambda e, r: f"{e.option} {_moment(e.value)} 还没到：不能预先记录",
    "before_last": lambda e, r: (f"{e.option} {_moment(e.value)} 早于案件的上一步（{_moment(e.bound)}）："
                                 "请按先后记录"),
    "as_of_after": lambda e, r: (f"--as-of {_moment(e.value)} 晚于督办时间（{_moment(e.bound)}）："
                                 "逾期不能提前判断"),
    "before_calendar": lambda e, r: e.message,  # said in Chinese where it is raised
    "disagree": lambda e, r: f"--input-format {e.value} 与 --format {e.bound} 不一致：只写 --input-format",
    # a case's fields
    "missing": lambda e, r: (f"缺少{field_text(r, e)}" if e.field != "referred_by" else
                             f"来源渠道是 {named(r, 'channel', 'referral')} 时要写明{field_text(r, e)}"),
    "control": lambda e, r: (f"{field_text(r, e)}含有无效字符 (U+{ord(e.value):04X})：不是有效的文字编码，请重新输入"
                             if "\ud800" <= e.value <= "\udfff" else
                             f"{field_text(r, e)}含有控制字符 (U+{ord(e.value):04X})：请去掉"),
    "too_long": lambda e, r: f"{field_text(r, e)}最多 {e.bound} 字" + (f"，现有 {e.value} 字" if e.value else ""),
    "id_form": lambda e, r: f"{field_text(r, e)}须是 18 位（前 17 位数字，末位数字或 X），旧证 15 位数字",
    "id_birth": lambda e, r: f"{field_text(r, e)}里的出生日期不可能：请核对",
    "id_old": lambda e, r: (f"{field_text(r, e)}是 15 位的第一代身份证号，2013-01-01 起不再有效，要 18 位的号码："
                            + (f"请要现在的身份证，或换算：在前 6 位后插入 19，末尾加校验位 {e.bound}" if e.bound
                               else "而且其中的出生日期不可能，请核对")),
    "id_checksum": lambda e, r: f"{field_text(r, e)}校验位不对（GB 11643-1999）：请核对",
    "phone": lambda e, r: f"{field_text(r, e)}须是 11 位手机号，或带区号的固定电话",
    "parties": lambda e, r: f"{field_text(r, e)}须是不小于 1 的整数，不能是 {_shown(e.value)}",
    "amount": lambda e, r: f"{field_text(r, e)}须是不小于 0 的元数，不能是 {_shown(e.value)}",
    "too_large": lambda e, r: f"{field_text(r, e)}大得不合常理：{_shown(e.value)}，请核对",
    "not_referral": lambda e, r: (f"只有来源渠道是 {named(r, 'channel', 'referral')} 的案件才写"
                                  f"{field_text(r, e)}，这件是 {named(r, 'channel', e.value)}："
                                  "去掉 --referred-by，或写 --channel referral"),
    "received_after": lambda e, r: (f"{field_text(r, e)} {_moment(e.value)} 晚于登记本身（{_moment(e.bound)}）："
                                    "请核对"),
    "case_no_form": lambda e, r: f"案号 {_shown(e.value)}{where(e)}不对：案号形如 XS-2020-00001",
    "flag": lambda e, r: f"{field_text(r, e)}须是 是 或 否，不能是 {_shown(e.value)}",
    "not_in_force": lambda e, r: _not_in_force(e, r),
    "one_case": lambda e, r: ("--from-json 只能给一件案件（一个对象）；一批历史案件请用 mediation replay"),
    "not_json": lambda e, r: f"'{e.value}' 第 {e.bound} 行读不通（--from-json）：请核对文件的格式",
    "not_object": lambda e, r: f"'{e.value}' 里的协议须是一个对象 {{…}}（--from-json）",
    "declined": lambda e, r: f"未登记：您没有确认 {e.value}",
    "request_key": lambda e, r: "--request-id 须是 1 到 100 个可见的半角字符，如 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6'",
    "login_group": lambda e, r: (f"不能更改登录名 {quoted(e.value)} 的数据库用户组（--login）："
                                 f"请数据库的所有者（运行 mediation init 的人）来改；数据库说: {quoted(e.bound)}"),
    "db_url": lambda e, r: (f"数据库地址 {quoted(e.value)} 不能用：请写文件路径，或 'sqlite:///路径'、"
                            "'postgresql+psycopg://用户@主机/库'"),
    "replay_column": lambda e, r: (f"{quoted(e.value)}（{e.bound}）是历史案件导入 (replay) 的列，"
                                   "不是案件的字段：登记时去掉它"),
    "twice": lambda e, r: f"{field_text(r, e)}写了两次（又写作 {quoted(e.value)}）：只留一个",
    "not_label": lambda e, r: f"{field_text(r, e)}须是一个名称，不能是 {_shown(e.value)}",
    "unreadable": lambda e, r: f"读不了 '{e.value}'：{_OS_ERRORS.get(e.bound, '无法打开')}",
    "not_a_file": lambda e, r: f"读不了 '{e.value}'：它不是普通文件（是文件夹、设备或管道）：先存成文件，或用 - 从标准输入读",
    "too_big": lambda e, r: f"文件太大{where(e)}：最多 {e.bound:,} 字节",
    "not_utf8": lambda e, r: f"文件不是 UTF-8 编码{where(e)}：请另存为 UTF-8",
    "invalid_json": lambda e, r: (f"文件格式有误{where(e)}" + (f"，第 {e.bound} 列" if e.bound else "")
                                  + "：请核对括号、引号和逗号"),
    "case_exists": lambda e, r: f"案件 {e.value} 已存在。下一步: mediation case show {e.value}",
    "division_code": lambda e, r: f"没有这个区划代码 {quoted(e.value)}{where(e)}：本区的代码是 {e.bound}；或写街道名称",
    "split": lambda e, r: f"{e.bound} 已拆分，要看社区才知道属哪个街道：请写社区（--community），或直接写街道",
    "split_community": lambda e, r: (f"{e.bound} 已拆分，社区 {quoted(e.value)} 不在其中（--community）："
                                     "请直接写街道"),
    # moves
    "needs_reason": lambda e, r: f"{_trigger(r, 'override')} 需要写明理由：加 --reason",
    "already_routed": lambda e, r: (f"规则本来就把 {e.bound} 分流到 {named(r, 'destination', e.value)}：不必改派。"
                                    f"下一步: mediation case divert {e.bound}"),
    "agreement_contents": lambda e, r: ("书面协议要写明内容：缺少 " + one_of(list(e.value or ("--facts", "--terms",
                                        "--performance"))) + "（或用 --from-json 文件）"),
    "agreement_empty": lambda e, r: f"协议的 {e.option} 是空的",
    "agreement_terms": lambda e, r: f"协议条款（--terms）须是 1 到 {e.bound} 条",
    "agreement_copies": lambda e, r: f"协议份数（--copies）须是 2 到 {e.bound} 的整数，不能是 {_shown(e.value)}",
    "extension_days": lambda e, r: f"{_trigger(r, 'extend')} 最多 {e.bound} 天，不能 {e.value} 天（--days）",
    "extended_once": lambda e, r: f"这件案件已{_trigger(r, 'extend')}过一次，不能再延",
    "no_extension": lambda e, r: _no_extension(e, r),
    "needs": lambda e, r: _needs(e, r),
    "already_there": lambda e, r: (f"案件已在 {named(r, 'destination', e.value)}：请转办到别的调解室或窗口"
                                   "（--to）"),
    "document_kind": lambda e, r: _document_kind(e),
    "document_not_now": lambda e, r: _document_not_now(e, r),
    "which_document": lambda e, r: "请写明哪种文书，或加 --list 看这件案件可出的文书",
    "not_folder": lambda e, r: f"{e.option + ' ' if e.option else ''}'{e.value}' 不是文件夹",
    "not_regular_file": lambda e, r: f"'{e.value}' 不是普通文件（是文件夹或链接）：文书只替换普通文件，请换个名字（--out）",
    # who acts, the staff
    "no_operator": lambda e, r: "不知道是谁在办理：加 --operator 工号，或设置 MEDIATION_OPERATOR",
    "staff_id": lambda e, r: f"工作人员编号 {quoted(e.value)} 只能用字母、数字、_ 和 -，最多 40 个",
    "staff_name": lambda e, r: f"{e.value} 的姓名须是 1 到 50 个字（--name）",
    "staff_role": lambda e, r: (f"没有这个角色 {quoted(e.value)}（--role）：角色是 "
                                + "、".join(f"{ROLES.get(x, x)} ({x})" for x in e.bound or ()) + " 之一"),
    "needs_destination": lambda e, r: f"调解员 {e.value} 至少要有一个调解室或窗口（--destination）",
    "no_destination": lambda e, r: (f"只有调解员有调解室或窗口，{e.value} 是{ROLES.get(e.bound, e.bound)}："
                                    "去掉 --destination"),
    "staff_login": lambda e, r: f"{e.value} 的登录名须是 1 到 63 个字符（--login）",
    "staff_exists": lambda e, r: f"工作人员 {e.value} 已存在。下一步: mediation staff set {e.value}",
    "login_held": lambda e, r: f"登录名 {quoted(e.value)} 已是工作人员 {e.bound} 的（--login）",
    "last_supervisor": lambda e, r: (f"{e.value} 是最后一位在职的督办员：请先添加另一位。"
                                     "下一步: mediation staff add ID --name NAME --role supervisor"),
    "nothing_to_change": lambda e, r: (f"{e.value} 没有要改的：写明 --name、--role、--destination、"
                                       "--login 或 --active"),
    # lists
    "page_too_far": lambda e, r: f"--page {e.value} 太远：每页 {e.bound[1]} 件时最多 {e.bound[0]} 页",
    "sort": lambda e, r: _sort(e),
    "year": lambda e, r: f"年份须像 2027 这样，不能是 {e.value}",
    "calendar_year": lambda e, r: (f"{e.value} 年还没有工作日历（放假和调休安排）："
                                   "请在规则集的 'calendar.yaml' 里添加"),
}


def _needs(exc: InputError, rules) -> str:
    if exc.option == "--consent":
        return f"{_trigger(rules, 'extend')} 要双方当事人同意：加 --consent"
    if exc.option == "--reason":
        return "要写明理由：加 --reason"
    return f"缺少 {exc.option}"


def _no_extension(exc: InputError, rules) -> str:
    facts = exc.bound or {}
    since = "自登记起" if facts.get("from") == "registration" else "自开始调解起"
    text = (f"不能{_trigger(rules, 'extend')}：{label(rules, 'category', exc.value)}案件的调解期限是{since} "
            f"{facts.get('limit')} 天，不能延期")
    if facts.get("basis"):
        text += f"（{facts['basis']}）"
    if facts.get("then"):
        text += f"；期满后当事人可申请 {named(rules, 'route', facts['then'])}"
    return text


def _not_in_force(exc: InputError, rules) -> str:
    kind, start, end, day = exc.bound
    period = f"{start or '…'} 至 {end or '…'}"
    return (f"{named(rules, kind, exc.value)}{where(exc)}在 {day} 不适用：它的有效期是 {period}")


def _document_kind(exc: InputError) -> str:
    kinds = "、".join(f"{DOCUMENTS[k].title} ({k})" for k in exc.bound or ())
    return f"没有这种文书 {quoted(exc.value)}：文书是 {kinds} 之一"


def _document_not_now(exc: InputError, rules) -> str:
    case_no, state, reason = exc.bound
    return document_not_now(rules, exc.value, case_no, state, reason)


def document_not_now(rules, kind_id: str, case_no: str, state: str, reason: str | None) -> str:
    """Why ``case_no`` (in ``state``) cannot have a ``kind_id`` document now, by the reason's id
    (:func:`mediation.documents.kinds.refusal_reason`)."""
    kind = DOCUMENTS[kind_id]
    document = f"{kind.title} ({kind.id})"
    if reason == "oral":
        return f"{case_no} 是以口头协议调解成功的：{document} 要书面协议"
    if reason == "no_contents":
        return (f"{case_no} 调解成功时没有记下协议内容：{document} 要有内容"
                "（--facts、--terms、--performance）")
    been = one_of([named(rules, "state", s) for s in kind.reached])
    text = f"{case_no} 是 {named(rules, 'state', state)}：{document} 只给经过 {been} 的案件"
    return text + f"。下一步: mediation case document {case_no} --list"


def _sort(exc: InputError) -> str:
    names = {column: key for key, column in SORT_COLUMNS.items() if not key.isascii()}
    shown = "、".join(f"{names[k]} ({k})" if k in names else k for k in exc.bound or ())
    return f"不能按 {quoted(exc.value)} 排序（--sort）：可按 {shown}"
