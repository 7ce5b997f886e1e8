"""Who acts is established, not claimed (docs/design.md §8; issue 11, point 7).

- Staff and roles live in the database, seeded by ``init``: a staff.yaml in
  another ``--rules`` directory that makes clerk01 a supervisor changes nothing
  (the issue's attack: clerk01 overriding a diversion).
- The login (the OS user of a SQLite file, the PostgreSQL role) is the member
  of staff; ``--operator`` must match it; only a supervisor acts for another
  (``--on-behalf-of``), both recorded.
- Staff changes are a supervisor's, each with an audit row; ``audit`` is
  insert-only (UPDATE, DELETE, REPLACE refused).
- PostgreSQL: several non-superuser login roles (created here, dropped after)
  act with the group roles ``init`` creates; a clerk's login cannot write an
  event as anybody else, update an event, alter a table or switch triggers off.

The SQLite tests stand in for other OS users by replacing
:func:`mediation.store.access.os_user` (the test process is one user).
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from mediation import desk
from mediation.cli import cli
from mediation.desk import staff as members
from mediation.desk.identity import identify
from mediation.errors import NotFound, PermissionDenied, Refused
from mediation.rules import load_rules
from mediation.store import access, schema
from mediation.store.database import open_database
from tests.conftest import PG_ENV, PG_SKIP, ROOT

AT = datetime(2020, 6, 15, 9, 0)
CASE = {"form": "书面", "category": "医疗", "street": "相南街道", "summary": "身份（合成示例）"}
REGISTER = ["case", "register", "--form", "书面", "--category", "医疗", "--street", "相南街道",
            "--summary", "身份（合成示例）", "--at", "2020-06-15T09:00", "--json"]


def run(url: str, *args: str, code: int = 0, **env):
    env = {"MEDIATION_DB": url, "MEDIATION_RULES": str(ROOT / "rules"), "MEDIATION_OPERATOR": None,
           "MEDIATION_ON_BEHALF_OF": None, **env}
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def evil_rules(tmp_path):
    """The shipped rules with a staff.yaml that makes clerk01 a supervisor."""
    path = tmp_path / "evil-rules"
    shutil.copytree(ROOT / "rules", path)
    data = yaml.safe_load((path / "staff.yaml").read_text(encoding="utf-8"))
    for m in data["staff"]:
        if m["id"] == "clerk01":
            m["role"] = "supervisor"
    (path / "staff.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_rules(path).staff["clerk01"].role == "supervisor"
    return path


def under_review(db, rules) -> str:
    no = desk.register(db, rules, CASE, operator="clerk01", at=AT).case_no
    desk.review(db, rules, no, operator="clerk01", at=AT)
    return no


# ----------------------------------------------------------------------- roles from the database


def test_a_staff_file_elsewhere_cannot_make_a_clerk_a_supervisor(db, rules, evil_rules):
    no = under_review(db, rules)
    evil = load_rules(evil_rules)
    with pytest.raises(PermissionDenied, match=r"clerk01 \(clerk\) may not override"):
        desk.divert(db, evil, no, operator="clerk01", to="room.general", reason="改派", at=AT)
    result = run(db.url, "case", "divert", no, "--to", "room.general", "--reason", "改派", "--at",
                 "2020-06-15T09:00", "--rules", str(evil_rules), "--on-behalf-of", "clerk01", code=2)
    assert "clerk01（登记员）不能改派" in result.stderr
    # and init with that rules dir on an existing database changes nobody
    run(db.url, "init", "--rules", str(evil_rules))
    with db.read() as conn:
        assert members.get_member(conn, "clerk01").role == "clerk"
    with db.read() as conn:
        assert [e.trigger for e in conn.execute(select(schema.events.c.trigger)
                                                .where(schema.events.c.case_no == no))] == ["register", "review"]


def test_init_seeds_once_and_the_creator_is_the_first_supervisor(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'mediation.db'}"
    out = run(url, "init").output
    assert f"登录名 {access.os_user()} 即 sup01（督办员）" in out
    listed = run(url, "staff", "list", "--json").output
    assert f'"login": "{access.os_user()}"' in listed
    with open_database(url) as db, db.read() as conn:
        assert members.member_by_login(conn, access.os_user()).id == "sup01"
        assert conn.execute(select(schema.audit.c.action)).scalars().all() == ["seed"] * 15
    assert "staff:" not in run(url, "init").output  # seeded only when empty


def test_user_env_does_not_change_who_you_are(db, rules):
    result = run(db.url, *REGISTER, USER="clerk01", LOGNAME="clerk01")
    assert '"operator": "sup01"' in result.output


# ----------------------------------------------------------------------- identity on SQLite


def sqlite_only(db) -> None:
    if not db.sqlite:
        pytest.skip("the OS user is who acts on SQLite; PostgreSQL login roles are tested below")


def test_an_unknown_login_is_told_how_to_be_added(db, monkeypatch):
    sqlite_only(db)
    monkeypatch.setattr(access, "os_user", lambda: "desk-stranger")
    err = run(db.url, *REGISTER, code=2).stderr
    assert err.count("\n") == 1
    assert "登录名 'desk-stranger' 不是本数据库的工作人员" in err
    assert "下一步: mediation staff add ID --name NAME --role ROLE --login desk-stranger" in err


def test_the_login_is_the_operator_and_only_a_supervisor_acts_for_another(db, rules, monkeypatch):
    sqlite_only(db)
    run(db.url, "staff", "set", "clerk01", "--login", "desk-clerk")
    monkeypatch.setattr(access, "os_user", lambda: "desk-clerk")
    view = run(db.url, *REGISTER).output
    assert '"operator": "clerk01"' in view and "entered_by" not in view
    assert "--operator sup01 不是您" in run(db.url, *REGISTER, "--operator", "sup01", code=2).stderr
    err = run(db.url, *REGISTER, "--on-behalf-of", "clerk02", code=2).stderr
    assert "clerk01（登记员）不能代录 clerk02 的记录 (--on-behalf-of)：只有督办员可以" in err
    err = run(db.url, "staff", "add", "x1", "--name", "某", "--role", "clerk", code=2).stderr
    assert "只有督办员可以" in err
    monkeypatch.undo()
    # the supervisor (the creator) enters a paper record for clerk02: both recorded
    view = run(db.url, *REGISTER, "--on-behalf-of", "clerk02").output
    assert '"operator": "clerk02"' in view and '"entered_by": "sup01"' in view
    err = run(db.url, *REGISTER, "--on-behalf-of", "nobody", code=2).stderr
    assert "没有工作人员 'nobody'" in err


def test_an_inactive_login_is_told_so(db, rules, monkeypatch):
    sqlite_only(db)
    members.update(db, rules, "clerk01", operator="sup01", login="desk-clerk", active=False)
    monkeypatch.setattr(access, "os_user", lambda: "desk-clerk")
    err = run(db.url, *REGISTER, code=2).stderr
    assert "登录名 'desk-clerk' 是工作人员 clerk01，已停用" in err and err.count("\n") == 1
    assert "下一步: mediation staff set clerk01 --active" in err


def test_identify(db):
    with db.read() as conn:
        me = access.current_login(conn)
    assert me == (access.os_user() if db.sqlite else make_url(db.url).username)
    assert identify(db) == identify(db, "sup01") == identify(db, None, "sup01")
    assert identify(db).operator == "sup01" and identify(db).login == me
    acting = identify(db, "sup01", "med_medical")
    assert (acting.operator, acting.entered_by) == ("med_medical", "sup01")
    with pytest.raises(NotFound) as missing:
        identify(db, None, "nobody")
    assert (missing.value.what, missing.value.key) == ("operator", "nobody")
    # what a script (and the CLI's words) needs, beside the English message
    with pytest.raises(PermissionDenied, match="--operator clerk01 is not who you are") as refused:
        identify(db, "clerk01")
    facts = refused.value
    assert (facts.why, facts.other, facts.who, facts.role, facts.login) == ("not_you", "clerk01", "sup01",
                                                                            "supervisor", me)


# ----------------------------------------------------------------------- staff changes


def test_staff_changes_are_a_supervisors_and_audited(db, rules):
    added = members.add(db, rules, operator="sup01", id="med_new", name="新调解员", role="mediator",
                        destinations=["room.medical"], login="desk-new")
    assert added.login == "desk-new"
    with pytest.raises(PermissionDenied, match="only supervisors may"):
        members.add(db, rules, operator="clerk01", id="x2", name="某", role="clerk")
    with pytest.raises(Refused, match="exists already"):
        members.add(db, rules, operator="sup01", id="med_new", name="又", role="clerk")
    with pytest.raises(Refused, match="login 'desk-new' is staff member med_new already"):
        members.update(db, rules, "clerk02", operator="sup01", login="desk-new")
    with pytest.raises(NotFound, match="unknown destination"):
        members.update(db, rules, "med_new", operator="sup01", destinations=["room.moon"])
    no = desk.register(db, rules, CASE, operator="clerk01", at=AT).case_no
    members.deactivate(db, rules, "clerk01", operator="sup01")
    with pytest.raises(PermissionDenied, match="clerk01 is no longer active"):
        desk.review(db, rules, no, operator="clerk01", at=AT)
    with pytest.raises(Refused, match="last active supervisor"):
        members.deactivate(db, rules, "sup01", operator="sup01")
    members.update(db, rules, "clerk01", operator="sup01", active=True)
    desk.review(db, rules, no, operator="clerk01", at=AT)
    with db.read() as conn:
        rows = conn.execute(select(schema.audit).where(schema.audit.c.action != "seed")
                            .order_by(schema.audit.c.id)).mappings().all()
    assert [(r["actor"], r["action"], r["subject"]) for r in rows] == [
        ("sup01", "add", "med_new"), ("sup01", "deactivate", "clerk01"), ("sup01", "set", "clerk01")]
    assert rows[1]["detail"] == {"active": [True, False]}


def test_the_audit_is_insert_only(db, rules):
    members.update(db, rules, "clerk02", operator="sup01", name="登记员丙")
    statements = ["UPDATE audit SET actor = 'clerk01'", "DELETE FROM audit"]
    if db.sqlite:
        statements += ["REPLACE INTO audit (id, at, actor, action, subject) "
                       "SELECT id, at, 'clerk01', action, subject FROM audit",
                       "INSERT OR REPLACE INTO audit (id, at, actor, action, subject) "
                       "SELECT id, at, 'clerk01', action, subject FROM audit",
                       "INSERT INTO audit (id, at, actor, action, subject) SELECT id, at, 'x', action, subject "
                       "FROM audit WHERE true ON CONFLICT (id) DO UPDATE SET actor = 'x'"]
    else:
        statements += ["INSERT INTO audit (id, at, actor, action, subject) SELECT id, at, 'x', action, subject "
                       "FROM audit ON CONFLICT (id) DO UPDATE SET actor = 'x'", "TRUNCATE audit"]
    for sql in statements:
        with pytest.raises(IntegrityError, match=schema.AUDIT_INSERT_ONLY), db.write() as conn:
            conn.exec_driver_sql(sql)
    with db.read() as conn:
        assert set(conn.execute(select(schema.audit.c.actor)).scalars()) == {"sup01"}


# ----------------------------------------------------------------------- PostgreSQL login roles


@pytest.fixture
def pg_logins(pg_url):
    """The database at ``pg_url`` set up by its owner, and three non-superuser login roles
    (clerk, mediator, supervisor) made staff; yields (owner db, {role: url}); drops the roles."""
    from tests.conftest import migrated

    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    tag = uuid.uuid4().hex[:8]
    logins = {role: f"identity_{role}_{tag}" for role in ("clerk", "mediator", "supervisor")}
    admin = create_engine(base)
    with admin.begin() as conn:
        for login in logins.values():
            conn.exec_driver_sql(f"CREATE ROLE {login} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB")
    owner = migrated(pg_url)
    rules = load_rules(ROOT / "rules")
    members.update(owner, rules, "clerk01", operator="sup01", login=logins["clerk"])
    members.update(owner, rules, "med_medical", operator="sup01", login=logins["mediator"])
    members.add(owner, rules, operator="sup01", id="sup02", name="督办员乙", role="supervisor",
                login=logins["supervisor"])
    urls = {role: make_url(pg_url).set(username=login).render_as_string(hide_password=False)
            for role, login in logins.items()}
    try:
        yield owner, urls
    finally:
        owner.dispose()
        with admin.begin() as conn:
            for login in logins.values():
                conn.exec_driver_sql(f"DROP ROLE IF EXISTS {login}")
        admin.dispose()


def test_pg_logins_act_as_their_staff_member_only(pg_logins, rules, evil_rules):
    owner, urls = pg_logins
    clerk = run(urls["clerk"], *REGISTER).output
    assert '"operator": "clerk01"' in clerk
    no = clerk.split('"case_no": "')[1].split('"')[0]
    assert "--operator sup01 不是您" in run(urls["clerk"], "case", "review", no, "--operator", "sup01",
                                          code=2).stderr
    run(urls["clerk"], "case", "review", no, "--at", "2020-06-15T09:00")
    err = run(urls["clerk"], "case", "divert", no, "--to", "room.general", "--reason", "改派", "--at",
              "2020-06-15T09:00", "--rules", str(evil_rules), code=2).stderr
    assert "clerk01（登记员）不能改派" in err
    run(urls["clerk"], "case", "divert", no, "--at", "2020-06-15T09:00")
    # a supervisor's login enters the mediator's paper record: both recorded
    view = run(urls["supervisor"], "case", "take", no, "--on-behalf-of", "med_medical", "--at",
               "2020-06-15T10:00", "--json").output
    assert '"operator": "med_medical"' in view and '"entered_by": "sup02"' in view
    run(urls["mediator"], "case", "settle", no, "--agreement", "oral", "--at", "2020-06-16T10:00")
    with owner.read() as conn:
        ops = conn.execute(select(schema.events.c.operator, schema.events.c.entered_by)
                           .where(schema.events.c.case_no == no).order_by(schema.events.c.seq)).all()
    assert ops == [("clerk01", None), ("clerk01", None), ("clerk01", None), ("med_medical", "sup02"),
                   ("med_medical", None)]
    # staff changes on PostgreSQL: the new member's login joins its group in the same transaction
    run(urls["supervisor"], "staff", "list")
    assert "clerk01（登记员）不能查看或更改工作人员 (staff)：只有督办员可以" in run(urls["clerk"], "staff", "list",
                                                                         code=2).stderr


def test_pg_a_clerks_login_cannot_go_round_the_program(pg_logins):
    owner, urls = pg_logins
    no = run(urls["clerk"], *REGISTER).output.split('"case_no": "')[1].split('"')[0]
    engine = create_engine(urls["clerk"])
    attacks = {
        f"INSERT INTO events (case_no, seq, at, operator, trigger, from_state, to_state) "
        f"VALUES ('{no}', 2, now(), 'sup01', 'review', 'registered', 'under_review')": "may not write events as sup01",
        "INSERT INTO audit (at, actor, action, subject) VALUES (now(), 'sup01', 'set', 'clerk01')":
            "may not write audit as sup01",
        "UPDATE events SET operator = 'sup01'": "permission denied",
        "UPDATE staff SET role = 'supervisor' WHERE id = 'clerk01'": "permission denied",
        "ALTER TABLE events DISABLE TRIGGER USER": "must be owner",
        "SET session_replication_role = replica": "permission denied",
        "DROP TABLE audit": "must be owner",
    }
    try:
        for sql, words in attacks.items():
            with engine.connect() as conn:
                with pytest.raises(DBAPIError) as info:
                    conn.exec_driver_sql(sql)
                assert words in str(info.value.orig), (sql, str(info.value.orig))
                conn.rollback()
    finally:
        engine.dispose()
    with owner.read() as conn:
        assert conn.execute(select(schema.events.c.operator)).scalars().all() == ["clerk01"]
        assert members.get_member(conn, "clerk01").role == "clerk"


def test_pg_a_supervisors_login_writes_others_events_only_as_entered_by_itself(pg_logins):
    owner, urls = pg_logins
    no = run(urls["clerk"], *REGISTER).output.split('"case_no": "')[1].split('"')[0]
    engine = create_engine(urls["supervisor"])
    insert = ("INSERT INTO events (case_no, seq, at, operator, trigger, from_state, to_state, entered_by) "
              f"VALUES ('{no}', 2, now(), 'clerk01', 'review', 'registered', 'under_review', {{}})")
    try:
        for entered_by, words in (("NULL", "may not write events as clerk01"),
                                  ("'sup01'", "may not write events as clerk01")):
            with engine.connect() as conn:
                with pytest.raises(DBAPIError, match=words):
                    conn.exec_driver_sql(insert.format(entered_by))
                conn.rollback()
        with engine.connect() as conn:  # as entered by itself (sup02): allowed
            conn.exec_driver_sql(insert.format("'sup02'"))
            conn.rollback()
    finally:
        engine.dispose()


def test_pg_staff_add_grants_the_group(pg_logins, rules):
    owner, urls = pg_logins
    login = make_url(urls["clerk"]).username
    with owner.read() as conn:
        groups = conn.exec_driver_sql(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %(u)s", {"u": login}).scalars().all()
    assert groups == ["mediation_clerk"]
    members.update(owner, rules, "clerk01", operator="sup01", role="supervisor")
    with owner.read() as conn:
        groups = conn.exec_driver_sql(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %(u)s", {"u": login}).scalars().all()
    assert groups == ["mediation_supervisor"]


def test_pg_init_needs_no_superuser(rules):
    """A non-superuser role with CREATEROLE that owns its schema runs `init`; a clerk's login then works."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    tag = uuid.uuid4().hex[:8]
    owner, clerk, schema_name = f"identity_owner_{tag}", f"identity_desk_{tag}", f"identity_{tag}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {owner} LOGIN NOSUPERUSER CREATEROLE")
        conn.exec_driver_sql(f"CREATE ROLE {clerk} LOGIN NOSUPERUSER")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema_name} AUTHORIZATION {owner}")

    def url(user: str) -> str:
        return (make_url(base).set(username=user).update_query_dict({"options": f"-csearch_path={schema_name}"})
                .render_as_string(hide_password=False))

    try:
        assert f"登录名 {owner} 即 sup01" in run(url(owner), "init").output
        run(url(owner), "staff", "set", "clerk01", "--login", clerk)
        view = run(url(clerk), *REGISTER).output
        assert '"operator": "clerk01"' in view
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema_name} CASCADE")
            conn.exec_driver_sql(f"DROP ROLE {clerk}")
            conn.exec_driver_sql(f"DROP OWNED BY {owner}")
            conn.exec_driver_sql(f"DROP ROLE {owner}")
        admin.dispose()


def test_pg_init_without_createrole_says_so(rules, monkeypatch):
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    monkeypatch.setattr(access, "_ALL", ("mediation_identity_missing_group",))
    tag = uuid.uuid4().hex[:8]
    owner, schema_name = f"identity_plain_{tag}", f"identity_{tag}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {owner} LOGIN NOSUPERUSER NOCREATEROLE")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema_name} AUTHORIZATION {owner}")
    url = (make_url(base).set(username=owner).update_query_dict({"options": f"-csearch_path={schema_name}"})
           .render_as_string(hide_password=False))
    try:
        err = run(url, "init", code=1).stderr
        # `init` is a desk command: its line is in the desk's words (the library's says the same in English)
        assert "不能建立数据库的用户组" in err and "CREATEROLE" in err and err.count("\n") == 1
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema_name} CASCADE")
            conn.exec_driver_sql(f"DROP OWNED BY {owner}")
            conn.exec_driver_sql(f"DROP ROLE {owner}")
        admin.dispose()
