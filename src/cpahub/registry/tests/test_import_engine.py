"""The import engine: every row checked, all or nothing, re-import updates, permissions, speed."""

import datetime
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cpahub.accounts.choices import OrgKind
from cpahub.core.models import ObjectChange
from cpahub.registry.importing import engine
from cpahub.registry.models import CPA, CPAEvent, Firm, Penalty
from cpahub.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    """The tests compare English texts; the Chinese catalogue would change them."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


CPA_HEADER = "证书编号,姓名,所在事务所,所在省份,状态,性别,出生日期,身份证号,取得资格日期,是否合伙人"


def run(kind, text, actor=None, **kwargs):
    return engine.run_import(kind, engine.load_table(text.encode(), kind), actor=actor, **kwargs)


def issues(result, attr="errors"):
    return [(i.row, i.column, i.value, i.reason) for i in getattr(result, attr)]


def rid(n, birth=datetime.date(1990, 6, 15)):
    return f.resident_id(n, birth)


# --- CPAs -----------------------------------------------------------------------------------


def test_new_cpas_are_created_with_history_and_change_log(world):
    staff = world.users["assoc_staff"]
    a = world.firms["A"]
    text = "\n".join(
        [
            CPA_HEADER,
            f"360199000001,钱一,{a.organisation.credit_code},江西省,执业,男,1990-06-15,{rid(1)},2010/9/1,是",
            f"360199000002,孙二,{a.organisation.name},江西,非执业,女,1990年6月15日,{rid(2)},20100901,否",
        ]
    )
    result = run("cpa", text, staff)
    assert (result.applied, result.created, result.updated, result.unchanged, result.errors) == (
        True,
        2,
        0,
        0,
        [],
    )
    one = CPA.objects.get(certificate_no="360199000001")
    assert (one.name, one.firm, one.status, one.gender, one.is_partner) == (
        "钱一",
        a,
        "practising",
        "M",
        True,
    )
    assert (one.birth_date, one.qualified_on, one.id_number) == (
        datetime.date(1990, 6, 15),
        datetime.date(2010, 9, 1),
        rid(1),
    )
    two = CPA.objects.get(certificate_no="360199000002")
    assert (two.firm, two.status, two.is_partner) == (a, "non_practising", False)
    assert list(one.events.values_list("kind", "to_firm")) == [("registered", a.pk)]
    change = ObjectChange.objects.get(object_id=str(one.pk), content_type__model="cpa")
    assert (change.action, change.user, change.after["id_number"]) == ("create", staff, "******")


def test_every_row_is_checked_and_errors_name_row_column_value_and_reason(world):
    a, b = world.firms["A"], world.firms["B"]
    bad_id = rid(3)[:-1] + ("0" if rid(3)[-1] != "0" else "1")
    text = "\n".join(
        [
            CPA_HEADER,
            f"360199000001,钱一,{a.organisation.name},江西,执业,男,1985-01-01,{rid(1)},2010-09-01,否",
            f"360199000003,孙三,{a.organisation.name},江西,执业,男,1985-01-01,{bad_id},2010-09-01,否",
            f"360199000004,李四,{a.organisation.name},江西,退休,女,,,,",
            f"360199000005,周五,{a.organisation.name},江西,执业,女,,,2024-13-01,",
            f"360199000001,吴六,{b.organisation.name},江西,执业,女,,,,",
            "360199000007,郑七,,北京,执业,女,,,,",
            "360199000008,,,江西,执业,女,,,,",
            "360199000009,王九,没有这个所,江西,执业,女,,,,",
            f"360199000010,冯十,{a.organisation.name},江西,注销,女,,,,",
            f"360199000011,陈十一,{b.organisation.name},江西,执业,女,,{rid(1)},,也许",
        ]
    )
    result = run("cpa", text, world.users["assoc_staff"])
    assert not result.applied
    assert issues(result) == [
        (3, "身份证号", bad_id, "The check digit of this resident ID number is wrong."),
        (4, "状态", "退休", "退休 is not an accepted value; use one of: 执业、非执业、注销."),
        (5, "取得资格日期", "2024-13-01", "2024-13-01 is not a valid date."),
        (6, "证书编号", "360199000001", "The same value is in row 2."),
        (7, "所在省份", "北京", "Only CPAs registered in Jiangxi can be imported; this row is for 北京."),
        (8, "姓名", "", "A value is required."),
        (9, "所在事务所", "没有这个所", "No firm in the registry has this name or credit code."),
        (
            10,
            "所在事务所",
            a.organisation.name,
            "A cancelled CPA cannot belong to a firm; leave the firm empty.",
        ),
        (11, "是否合伙人", "也许", "Write 是 or 否 (yes or no)."),
        (11, "身份证号", rid(1), "The same value is in row 2."),
    ]
    assert result.error_rows == 9
    # Nothing at all was imported, not even the good row 2.
    assert not CPA.objects.filter(certificate_no__startswith="360199").exists()


def test_a_failure_while_applying_rolls_back_every_row(world):
    staff = world.users["assoc_staff"]
    cpa = world.cpas["A"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    CPAEvent.objects.create(
        cpa=cpa, date=tomorrow, kind="status", from_status="practising", to_status="practising"
    )
    text = "\n".join(
        [
            "证书编号,姓名,所在事务所信用代码",
            f"360199000001,钱一,{world.firms['A'].organisation.credit_code}",
            f"{cpa.certificate_no},{cpa.name},{world.firms['B'].organisation.credit_code}",
        ]
    )
    before = ObjectChange.objects.count()
    result = run("cpa", text, staff)
    assert not result.applied
    assert [(i.row, i.reason) for i in result.errors] == [
        (
            3,
            f"The date {timezone.localdate().isoformat()} is before the CPA's last recorded event "
            f"({tomorrow.isoformat()}).",
        )
    ]
    assert not CPA.objects.filter(certificate_no="360199000001").exists()
    cpa.refresh_from_db()
    assert cpa.firm == world.firms["A"]
    assert ObjectChange.objects.count() == before
    assert result.outcomes == []


def test_reimport_updates_moves_and_changes_status_without_duplicates(world):
    staff = world.users["assoc_staff"]
    a, b = world.firms["A"], world.firms["B"]
    first = "\n".join(
        [
            "证书编号,姓名,所在事务所,状态",
            f"360199000001,钱一,{a.organisation.name},执业",
            f"360199000002,孙二,{a.organisation.name},执业",
            f"360199000003,李三,{a.organisation.name},执业",
        ]
    )
    assert run("cpa", first, staff).created == 3
    changes_before = ObjectChange.objects.count()
    second = "\n".join(
        [
            "证书编号,姓名,所在事务所,状态",
            f"360199000001,钱一,{a.organisation.name},执业",  # unchanged
            f"360199000002,孙二,{b.organisation.credit_code},执业",  # moved to B
            "360199000003,李叁,,注销",  # renamed and cancelled (leaves the firm)
        ]
    )
    result = run("cpa", second, staff)
    assert (result.created, result.updated, result.unchanged, result.moved, result.status_changed) == (
        0,
        2,
        1,
        1,
        1,
    )
    assert CPA.objects.filter(certificate_no__startswith="360199").count() == 3
    moved = CPA.objects.get(certificate_no="360199000002")
    assert moved.firm == b
    assert list(moved.events.order_by("pk").values_list("kind", "from_firm", "to_firm")) == [
        ("registered", None, a.pk),
        ("moved", a.pk, b.pk),
    ]
    cancelled = CPA.objects.get(certificate_no="360199000003")
    assert (cancelled.name, cancelled.status, cancelled.firm) == ("李叁", "cancelled", None)
    assert list(cancelled.events.order_by("pk").values_list("kind", "from_status", "to_status")) == [
        ("registered", "", "practising"),
        ("status", "practising", "cancelled"),
        ("left", "", ""),
    ]
    unchanged = CPA.objects.get(certificate_no="360199000001")
    assert not ObjectChange.objects.filter(pk__gt=0, object_id=str(unchanged.pk), action="update").exists()
    assert ObjectChange.objects.count() > changes_before
    # The description of the planned changes, as the confirmation page shows it.
    outcome = next(o for o in result.outcomes if o.key == "360199000002")
    assert [(c.column, c.before, c.after) for c in outcome.changes] == [
        ("Firm (name or credit code) (所在事务所)", "甲会计师事务所", "乙会计师事务所")
    ]
    # A third run changes nothing at all.
    again = run("cpa", second, staff)
    assert (again.updated, again.unchanged) == (0, 3)


def test_empty_cells_leave_stored_values_alone(world):
    cpa = world.cpas["A"]
    text = f"证书编号,姓名,性别,出生日期,身份证号\n{cpa.certificate_no},{cpa.name},,,\n"
    result = run("cpa", text, world.users["assoc_staff"])
    assert result.unchanged == 1
    cpa.refresh_from_db()
    assert (cpa.gender, cpa.birth_date, cpa.id_number) == ("F", datetime.date(1985, 1, 1), cpa.id_number)


def test_dry_run_reports_and_changes_nothing(world):
    a = world.firms["A"]
    text = f"证书编号,姓名,所在事务所\n360199000001,钱一,{a.organisation.name}\n"
    result = run("cpa", text, world.users["assoc_staff"], dry_run=True)
    assert (result.ok, result.applied, result.created) == (True, False, 1)
    assert not CPA.objects.filter(certificate_no="360199000001").exists()


def test_id_number_already_held_by_another_cpa(world):
    other = world.cpas["B"]
    text = f"证书编号,姓名,身份证号\n360199000001,钱一,{other.id_number}\n"
    result = run("cpa", text, world.users["assoc_staff"])
    assert issues(result) == [
        (2, "身份证号", other.id_number, f"Another CPA ({other.certificate_no}) has this resident ID number.")
    ]


def test_identity_warnings_do_not_stop_the_import(world):
    text = f"证书编号,姓名,性别,出生日期,身份证号\n360199000001,钱一,男,1990-01-01,{rid(2)}\n"
    result = run("cpa", text, world.users["assoc_staff"])
    assert result.applied
    assert issues(result, "warnings") == [
        (
            2,
            "出生日期",
            "1990-01-01",
            "The date of birth differs from the one in the ID number (1990-06-15).",
        ),
        (2, "性别", "男", "The gender differs from the one in the ID number."),
    ]


def test_ambiguous_firm_name_needs_the_credit_code(world):
    f.FirmFactory(organisation__name="甲会计师事务所", organisation__city="360700")
    text = "证书编号,姓名,所在事务所\n360199000001,钱一,甲会计师事务所\n"
    result = run("cpa", text, world.users["assoc_staff"])
    assert issues(result) == [
        (
            2,
            "所在事务所",
            "甲会计师事务所",
            "Several firms have this name; give the firm's credit code instead.",
        )
    ]


def test_firm_name_matches_with_half_width_brackets(world):
    firm = f.FirmFactory(organisation__name="丙会计师事务所（特殊普通合伙）")
    text = "证书编号,姓名,所在事务所\n360199000001,钱一,丙会计师事务所(特殊普通合伙)\n"
    assert run("cpa", text, world.users["assoc_staff"]).created == 1
    assert CPA.objects.get(certificate_no="360199000001").firm == firm


# --- permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["admin_A", "partner_A", "regulator", "bank"])
def test_firm_users_and_readers_cannot_import(world, name):
    text = "证书编号,姓名\n360199000001,钱一\n"
    with pytest.raises(PermissionDenied):
        run("cpa", text, world.users[name])
    assert not engine.may_import(world.users[name], "firm")
    assert not CPA.objects.filter(certificate_no="360199000001").exists()


def test_only_association_staff_import_penalties(world):
    assert engine.importable_kinds(world.users["assoc_staff"]) == ["firm", "cpa", "penalty"]
    assert engine.importable_kinds(world.users["city_nc"]) == ["firm", "cpa"]
    with pytest.raises(PermissionDenied):
        run("penalty", "文号,处罚对象类型,事务所/注册会计师\nx,事务所,y\n", world.users["city_nc"])


def test_city_staff_are_limited_to_their_city(world):
    city = world.users["city_nc"]
    a, b = world.firms["A"], world.firms["B"]
    cpa_b = world.cpas["B"]
    text = "\n".join(
        [
            "证书编号,姓名,所在事务所,状态",
            f"360199000001,钱一,{a.organisation.name},执业",  # Nanchang firm: allowed
            f"360199000002,孙二,{b.organisation.name},执业",  # Ganzhou firm: refused
            f"{cpa_b.certificate_no},{cpa_b.name}改,{b.organisation.name},执业",  # Ganzhou CPA: refused
        ]
    )
    result = run("cpa", text, city)
    assert [(i.row, i.reason) for i in result.errors] == [
        (3, "You may not add CPAs to 乙会计师事务所."),
        (4, "You may not change this CPA."),
    ]
    ok = f"证书编号,姓名,所在事务所,状态\n360199000001,钱一,{a.organisation.name},执业\n"
    result = run("cpa", ok, city)
    assert result.created == 1
    cpa = CPA.objects.get(certificate_no="360199000001")
    assert ObjectChange.objects.get(object_id=str(cpa.pk), content_type__model="cpa").user == city
    # City staff may change the status of a CPA in their city.
    result = run("cpa", "证书编号,姓名,状态\n360199000001,钱一,非执业\n", city)
    assert (result.updated, result.status_changed) == (1, 1)


def test_association_leader_cannot_change_a_status(world):
    cpa = world.cpas["A"]
    result = run(
        "cpa", f"证书编号,姓名,状态\n{cpa.certificate_no},{cpa.name},非执业\n", world.users["assoc_leader"]
    )
    assert issues(result) == [(2, "状态", "非执业", "You may not change this CPA's status.")]


def test_system_import_runs_without_an_actor(world):
    result = run("cpa", "证书编号,姓名\n360199000001,钱一\n", None)
    assert result.created == 1
    change = ObjectChange.objects.get(
        object_id=str(CPA.objects.get(certificate_no="360199000001").pk), content_type__model="cpa"
    )
    assert change.user_name == "system"


# --- firms ----------------------------------------------------------------------------------

FIRM_HEADER = "事务所编号,事务所名称,统一社会信用代码,状态,注册会计师人数,组织形式,所在城市,执业证书编号,成立日期,地址,是否具有证券资格,上级事务所(总所)信用代码"


def test_firms_and_a_branch_listed_before_its_head_office(world):
    head, branch = f.credit_code(7001), f.credit_code(7002, "360700")
    text = "\n".join(
        [
            FIRM_HEADER,
            f"F90002,丁会计师事务所赣州分所,{branch},正常,3,特殊普通合伙,360700,36079002,2012-05-01,赣州市章贡区,否,{head}",
            f"F90001,丁会计师事务所（特殊普通合伙）,{head},正常,12,特殊普通合伙,南昌,36019001,2003/1/8,南昌市红谷滩区,是,",
        ]
    )
    result = run("firm", text, world.users["assoc_staff"])
    assert (result.applied, result.created, result.errors, result.warnings) == (True, 2, [], [])
    parent = Firm.objects.get(organisation__credit_code=head)
    child = Firm.objects.get(organisation__credit_code=branch)
    assert (
        parent.organisation.name,
        parent.organisation.city,
        parent.legal_form,
        parent.securities_qualified,
    ) == (
        "丁会计师事务所（特殊普通合伙）",
        "360100",
        "special_partnership",
        True,
    )
    assert (parent.firm_no, parent.licence_no, parent.founded) == (
        "F90001",
        "36019001",
        datetime.date(2003, 1, 8),
    )
    assert child.organisation.parent == parent.organisation
    assert child.organisation.city == "360700"
    # Re-import: no changes; the CPA count differs from the registry (0 CPAs) and is a warning only.
    again = run("firm", text, world.users["assoc_staff"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert issues(again, "warnings") == [
        (2, "注册会计师人数", "3", "The registry has 0 practising CPAs at this firm; the file says 3."),
        (3, "注册会计师人数", "12", "The registry has 0 practising CPAs at this firm; the file says 12."),
    ]


def test_firm_rows_with_errors(world):
    a = world.firms["A"]
    entity = f.OrganisationFactory(kind=OrgKind.AUDITED_ENTITY)
    good = f.credit_code(7003)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    text = "\n".join(
        [
            FIRM_HEADER,
            f",戊所,{bad_check},正常,,普通合伙,南昌市,36019003,,,,",
            f",己所,{f.credit_code(7004)},正常,,普通合伙,南昌市,{a.licence_no},,,,",
            f",庚所,{f.credit_code(7005)},正常,,,南昌市,36019005,,,,",
            f",辛所,{entity.credit_code},正常,,普通合伙,南昌市,36019006,,,,",
            f",壬所,{f.credit_code(7007)},正常,,普通合伙,北京市,36019007,,,,{f.credit_code(7999)}",
            f",{a.organisation.name},{a.organisation.credit_code},正常,,普通合伙,南昌市,{a.licence_no},,,,{f.credit_code(7004)}",
        ]
    )
    result = run("firm", text, world.users["assoc_staff"])
    assert issues(result) == [
        (
            2,
            "统一社会信用代码",
            bad_check,
            "The check character of this unified social credit code is wrong.",
        ),
        (3, "执业证书编号", a.licence_no, "Another firm (甲会计师事务所) already has this number."),
        (4, "组织形式", "", "A new record needs a value here."),
        (
            5,
            "统一社会信用代码",
            entity.credit_code,
            f"This credit code belongs to {entity.name}, which is not registered as a firm.",
        ),
        (
            6,
            "所在城市",
            "北京市",
            "北京市 is not an accepted value; use one of: 南昌市、景德镇市、萍乡市、九江市、新余市、鹰潭市、赣州市、吉安市、宜春市、抚州市、上饶市.",
        ),
        (
            6,
            "上级事务所(总所)信用代码",
            f.credit_code(7999),
            "No firm has this credit code, in the registry or in this file.",
        ),
        (7, "执业证书编号", a.licence_no, "The same value is in row 3."),
        (
            7,
            "上级事务所(总所)信用代码",
            f.credit_code(7004),
            "The head office of a registered firm cannot be changed by import.",
        ),
    ]
    assert not Firm.objects.filter(organisation__name__in=["己所", "庚所"]).exists()


def test_firm_updates_only_the_changed_fields(world):
    a = world.firms["A"]
    org = a.organisation
    text = f"统一社会信用代码,事务所名称,状态,地址\n{org.credit_code},{org.name},暂停执业,南昌市新址1号\n"
    result = run("firm", text, world.users["city_nc"])
    assert result.updated == 1
    assert [(c.column, c.before, c.after) for c in result.outcomes[0].changes] == [
        ("Status (状态)", "正常", "暂停执业"),
        ("Address (地址)", "", "南昌市新址1号"),
    ]
    a.refresh_from_db()
    a.organisation.refresh_from_db()
    assert (a.organisation.status, a.organisation.address, a.licence_no) == (
        "suspended",
        "南昌市新址1号",
        a.licence_no,
    )
    # City staff of another city may not change it, nor add firms in Nanchang.
    result = run("firm", text.replace("南昌市新址1号", "别处"), world.users["city_gz"])
    assert [(i.row, i.reason) for i in result.errors] == [(2, "You may not change this firm.")]


# --- penalties ------------------------------------------------------------------------------

PENALTY_HEADER = "文号,处罚对象类型,事务所/注册会计师,处罚对象名称,处罚机关,处罚日期,处罚类型,内容,是否公开"


def test_penalties_created_updated_and_checked(world):
    staff = world.users["assoc_staff"]
    a, cpa = world.firms["A"], world.cpas["B"]
    text = "\n".join(
        [
            PENALTY_HEADER,
            f"赣财监〔2025〕1号,事务所,{a.organisation.credit_code},甲会计师事务所,江西省财政厅,2025-03-01,警告,未执行函证程序。,是",
            f'赣注协〔2025〕2号,注册会计师,{cpa.certificate_no},王五,省注协,2025/4/2,通报批评,"签字注册会计师未复核底稿。\n情节较轻。",否',
        ]
    )
    result = run("penalty", text, staff)
    assert (result.created, result.errors) == (2, [])
    one = Penalty.objects.get(document_no="赣财监〔2025〕1号")
    assert (one.subject_kind, one.firm, one.cpa, one.authority, one.kind, one.published) == (
        "firm",
        a,
        None,
        "finance_dept",
        "warning",
        True,
    )
    two = Penalty.objects.get(document_no="赣注协〔2025〕2号")
    assert (two.subject_kind, two.cpa, two.text, two.decided_on) == (
        "cpa",
        cpa,
        "签字注册会计师未复核底稿。\n情节较轻。",
        datetime.date(2025, 4, 2),
    )
    assert run("penalty", text, staff).unchanged == 2
    changed = text.replace("未执行函证程序。,是", "未执行函证程序。,否")
    result = run("penalty", changed, staff)
    assert (result.updated, result.unchanged) == (1, 1)
    one.refresh_from_db()
    assert one.published is False


def test_penalty_subject_must_exist(world):
    text = "\n".join(
        [
            PENALTY_HEADER,
            f"X1,事务所,{f.credit_code(7100)},,财政部,2025-01-01,罚款,内容,是",
            "X2,注册会计师,999999999999,,财政部,2025-01-01,罚款,内容,是",
            f"X3,事务所,{world.firms['A'].organisation.credit_code},乙所,财政部,2099-01-01,罚款,内容,是",
        ]
    )
    result = run("penalty", text, world.users["assoc_staff"])
    assert issues(result) == [
        (2, "事务所/注册会计师", f.credit_code(7100), "No firm in the registry has this credit code."),
        (3, "事务所/注册会计师", "999999999999", "No CPA in the registry has this certificate number."),
        (4, "处罚日期", "2099-01-01", "The date 2099-01-01 is in the future."),
    ]
    assert issues(result, "warnings") == [
        (4, "处罚对象名称", "乙所", "The registry's name for this subject is 甲会计师事务所.")
    ]


# --- speed ----------------------------------------------------------------------------------


def test_three_thousand_cpas_import_well_under_a_minute(world):
    firms = [f.FirmFactory() for _ in range(30)]
    lines = ["证书编号,姓名,所在事务所信用代码,状态,性别,出生日期,身份证号,取得资格日期,是否合伙人"]
    for i in range(3000):
        birth = datetime.date(1985, 1, 1) + datetime.timedelta(days=i)
        gender = "男" if i % 2 else "女"
        code = firms[i % 30].organisation.credit_code
        lines.append(f"3602{i:08d},姓名{i},{code},执业,{gender},{birth},{rid(i, birth)},2008-09-01,否")
    table = engine.load_table("\n".join(lines).encode(), "cpa")
    staff = world.users["assoc_staff"]

    # Checking looks everything up in a few queries, not one per row.
    broken = engine.load_table(("\n".join(lines) + "\n3602x,,,,,,,,").encode(), "cpa")
    with CaptureQueriesContext(connection) as queries:
        failed = engine.run_import("cpa", broken, actor=staff)
    assert failed.error_rows == 1
    assert len(queries) < 40

    started = time.monotonic()
    result = engine.run_import("cpa", table, actor=staff)
    elapsed = time.monotonic() - started
    assert result.created == 3000
    assert elapsed < 45, f"{elapsed:.1f} s"
    started = time.monotonic()
    again = engine.run_import("cpa", table, actor=staff)
    assert again.unchanged == 3000
    assert time.monotonic() - started < 20
