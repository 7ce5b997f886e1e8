"""A desk command through the command server is indistinguishable from the same command in its own process.

Every test runs the installed ``mediation`` command (bin/mediation, the one a clerk types) as a
process, once with ``MEDIATION_SERVER=off`` (its own process) and once through a server the
test started in its own ``MEDIATION_CACHE``, and compares what a person or a script can see:
standard output and error (bytes), the exit status, the files written and their modes, the
terminal's screen. ``mediation server status`` proves the commands were served (its count of
commands), not run locally after a missed connection.

The last section holds the differences these tests found (output that cannot be flushed,
``python -u``, ``nohup``, resource limits, the client's groups, a traceback's frames), each
fixed in mediation/launch; the one difference kept on purpose is that a served traceback
starts at the program's entry point, without the launcher's frames.
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from unicodedata import east_asian_width

import pytest

from tests.pty_support import ANSI

ROOT = Path(__file__).resolve().parents[2]
#: The command a clerk runs (the venv's script), not ``python -m mediation``, which never uses a server.
MEDIATION = Path(sys.executable).parent / "mediation"
TIMEOUT = 60

pytestmark = pytest.mark.skipif(not MEDIATION.exists(), reason=f"no installed `mediation` command at {MEDIATION}")

CASE_JSON = ROOT / "examples" / "case.json"
REGISTER = ["case", "register", "--form", "口头", "--category", "邻里", "--street", "东街道",
            "--summary", "楼上噪音（合成示例）"]
AS_OF = ["--as-of", "2020-07-01"]
STATUS = re.compile(r"^running: pid (\d+), up .*, (\d+) commands, (\d+) running now, ")


def environment(cache: Path, **values: str | None) -> dict[str, str]:
    """The test's environment without its MEDIATION_* settings (conftest turns the server off),
    the server on in ``cache``, a clerk at the desk, a fixed width for tables; then ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIATION_") and k not in ("COLUMNS", "LINES")}
    env.update(MEDIATION_CACHE=str(cache), MEDIATION_SERVER="on", MEDIATION_ON_BEHALF_OF="clerk01", COLUMNS="100")
    for key, value in values.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def own(env: dict[str, str]) -> dict[str, str]:
    """``env`` with every command in its own process."""
    return {**env, "MEDIATION_SERVER": "off"}


def mediation(*args: str, env: dict[str, str], cwd: Path, stdin: bytes | None = None,
              **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(MEDIATION), *args], env=env, cwd=cwd, input=stdin if stdin is not None else b"",
                          capture_output=True, timeout=TIMEOUT, **kwargs)


def seen(result: subprocess.CompletedProcess) -> tuple[int, str, str]:
    """What a person sees of a finished command (decoded for a readable assertion diff)."""
    return result.returncode, result.stdout.decode("utf-8", "backslashreplace"), \
        result.stderr.decode("utf-8", "backslashreplace")


_INITIALISED: dict[str, Path] = {}


@pytest.fixture(scope="module", autouse=True)
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One database made by ``mediation init`` (the test's OS user becomes sup01), copied by :func:`init`:
    half a second each, twenty times in this file."""
    folder = tmp_path_factory.mktemp("initialised")
    db = folder / "mediation.db"
    done = mediation("init", "--db", str(db), env=own(environment(folder / "cache")), cwd=folder)
    assert done.returncode == 0, done.stderr
    assert not db.with_name(db.name + "-wal").exists()  # all in the one file: a copy is the database
    _INITIALISED["db"] = db
    yield
    _INITIALISED.clear()


def init(db: Path) -> None:
    """A fresh database at ``db``, as ``mediation init`` makes it."""
    shutil.copyfile(_INITIALISED["db"], db)


@dataclass
class Server:
    """A command server of the test's own (its socket in ``cache``/server)."""

    cache: Path
    env: dict[str, str]

    def status(self) -> tuple[int, int, int]:
        """(pid, commands served, running now), as ``mediation server status`` says."""
        line = mediation("server", "status", env=self.env, cwd=self.cache).stdout.decode()
        found = STATUS.match(line)
        assert found, line
        return int(found[1]), int(found[2]), int(found[3])

    def served(self) -> int:
        return self.status()[1]


class _Timeout(Exception):
    pass


def _alarm(_signum, _frame):
    raise _Timeout


def wait_until_stopped(cache: Path, timeout: int = TIMEOUT) -> None:
    """Block until every server of ``cache`` has let go of its lock (it does so only as it ends)."""
    before = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        for lock in sorted((cache / "server").glob("*.lock")):
            fd = os.open(lock, os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)  # the synchronisation: granted once the server has ended
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
    except _Timeout:
        pytest.fail(f"a command server of {cache} still holds its lock after {timeout} s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start a server (``mediation server start``, which waits until it takes commands) with the
    test's environment plus ``values``; stopped at teardown, and waited for."""
    cache = tmp_path / "cache"
    cache.mkdir()
    started: list[Server] = []

    def start(cwd: Path = tmp_path, **values: str | None) -> Server:
        env = environment(cache, **values)
        done = mediation("server", "start", env=env, cwd=cwd)
        assert done.returncode == 0 and STATUS.match(done.stdout.decode())[3] == "0", seen(done)
        # the settings that choose the server (mediation.launch.place.key) stay in what the test runs
        chosen = {k: v for k, v in values.items() if k.startswith(("PYTHON", "LC_")) or k in ("LANG", "LANGUAGE")}
        server = Server(cache, environment(cache, **chosen))
        started.append(server)
        return server

    yield start
    if started:
        stop = mediation("server", "stop", env=environment(cache), cwd=tmp_path)
        assert stop.returncode == 0, seen(stop)
        wait_until_stopped(cache)


@pytest.fixture
def server(start_server) -> Server:
    return start_server()


# -- 1. the desk's commands, both ways ------------------------------------------------------------------


@dataclass
class Twins:
    """Two folders made alike, each with its ./mediation.db and ./examples/case.json: commands that
    change the database run in their own process in ``alone`` and through the server in ``served``;
    commands that only read run both ways in ``served`` (the same database, the same folder)."""

    env: dict[str, str]
    alone: Path
    served: Path
    sent: int = 0

    def change(self, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
        first = seen(mediation(*args, env=own(self.env), cwd=self.alone, stdin=stdin))
        second = seen(mediation(*args, env=self.env, cwd=self.served, stdin=stdin))
        self.sent += 1
        assert second == first, f"mediation {' '.join(args)}"
        return first

    def read(self, *args: str) -> tuple[int, str, str]:
        first = seen(mediation(*args, env=own(self.env), cwd=self.served))
        second = seen(mediation(*args, env=self.env, cwd=self.served))
        self.sent += 1
        assert second == first, f"mediation {' '.join(args)}"
        return first


@pytest.fixture
def twins(tmp_path: Path, server: Server) -> Twins:
    env = environment(server.cache, MEDIATION_DB=None, MEDIATION_RULES=None)
    folders = []
    for name in ("alone", "served"):
        folder = tmp_path / name
        (folder / "examples").mkdir(parents=True)
        shutil.copyfile(CASE_JSON, folder / "examples" / "case.json")
        init(folder / "mediation.db")
        folders.append(folder)
    return Twins(env, *folders)


@pytest.mark.slow
def test_the_desk_s_commands_give_the_same_output_errors_and_status(twins: Twins, server: Server):
    before = server.served()
    # registration: from a case file on standard input, then from flags
    code, out, _ = twins.change("case", "register", "--from-json", "-", "--at", "2020-06-15T10:00",
                                stdin=CASE_JSON.read_bytes())
    assert code == 0 and out.startswith("XS-2020-00001  登记")
    code, out, _ = twins.change(*REGISTER, "--at", "2020-06-16T10:00")
    assert code == 0 and out.startswith("XS-2020-00002  登记")
    for no in ("XS-2020-00001", "XS-2020-00002"):
        assert twins.change("case", "review", no, "--at", "2020-06-16T10:05")[0] == 0
        assert twins.change("case", "divert", no, "--at", "2020-06-16T10:10")[0] == 0
    # a move the lifecycle refuses: one line, exit 2
    code, out, err = twins.change("case", "review", "XS-2020-00002", "--at", "2020-06-16T10:20")
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("mediation: error: ")

    assert twins.read("case", "show", "XS-2020-00002")[0] == 0
    assert json.loads(twins.read("case", "show", "XS-2020-00001", "--json")[1])["state"] == "diverted"
    assert twins.read("case", "list", *AS_OF)[0] == 0
    assert json.loads(twins.read("case", "list", "--json", *AS_OF)[1])["total"] == 2
    assert json.loads(twins.read("case", "list", "--json", "--limit", "1", "--page", "2", *AS_OF)[1])["page"] == 2
    code, out, err = twins.read("case", "list", "--limit", "1", "--page", "3", *AS_OF)
    assert code == 2 and out == "" and "没有第 3 页" in err
    code, out, _ = twins.read("queue", "room.medical", *AS_OF)
    assert code == 0 and "XS-2020-00001" in out
    code, out, err = twins.read("case", "list", "--bogus")
    assert code == 2 and out == "" and err == ("mediation: error: 没有选项 '--bogus'（mediation case list）。"
                                               "下一步: mediation case list --help\n")
    code, out, err = twins.read("case", "lisst")
    assert code == 2 and out == "" and err == ("mediation: error: 没有命令 'lisst'（mediation case）：是 list 吗？"
                                               "下一步: mediation case --help\n")
    assert twins.read("--help")[1].startswith("Usage: ")
    assert twins.read("case", "--help")[1].startswith("Usage: mediation case ")
    assert twins.read("--version")[1].startswith("mediation ")
    code, out, _ = twins.read("route", "examples/case.json", "--explain")
    assert code == 0 and "room.medical" in out

    assert server.served() == before + twins.sent


# -- 2. environment, working directory, umask ----------------------------------------------------------


@pytest.mark.slow
def test_each_command_uses_its_own_database_setting(tmp_path: Path, start_server):
    first, second, third = (tmp_path / n for n in ("first", "second", "third"))
    # the server's own environment names the first database; no command names it so
    server = start_server(MEDIATION_DB=str(first / "mediation.db"))
    before = server.served()
    for folder in (first, second, third):
        folder.mkdir()
        init(folder / "mediation.db")

    def listed(folder: Path, cwd: Path = tmp_path, **values: str | None) -> list[str]:
        env = environment(server.cache, MEDIATION_DB=str(folder / "mediation.db"), **values)
        done = mediation("case", "list", "--json", env=env, cwd=cwd)
        assert done.returncode == 0, done.stderr
        return [c["case_no"] for c in json.loads(done.stdout)["cases"]]

    env = environment(server.cache, MEDIATION_DB=str(second / "mediation.db"))
    for at in ("2020-06-01T10:00", "2020-06-02T10:00"):
        assert mediation(*REGISTER, "--at", at, env=env, cwd=tmp_path).returncode == 0
    assert listed(second) == ["XS-2020-00002", "XS-2020-00001"]
    assert listed(first) == []  # the next command, another database
    assert listed(second) == ["XS-2020-00002", "XS-2020-00001"]
    # a relative --db, and no MEDIATION_DB at all (./mediation.db), resolve in the client's folder
    env = environment(server.cache, MEDIATION_DB=None)
    assert mediation(*REGISTER, "--at", "2020-06-03T10:00", "--db", "mediation.db",
                     env=env, cwd=third).returncode == 0
    relative = mediation("case", "list", "--json", "--db", "third/mediation.db", env=env, cwd=tmp_path)
    assert [c["case_no"] for c in json.loads(relative.stdout)["cases"]] == ["XS-2020-00001"]
    default = mediation("case", "list", "--json", env=env, cwd=second)
    assert json.loads(default.stdout)["total"] == 2  # not the server's MEDIATION_DB (first: 0 cases)
    assert not Path("/mediation.db").exists()  # the server's own folder is /
    assert server.served() == before + 8


@pytest.mark.slow
def test_a_variable_of_the_server_s_environment_is_not_the_command_s(tmp_path: Path, start_server):
    # started with MEDIATION_OPERATOR=sup01; the command, without it, acts as its login says (sup01 too,
    # so a --operator check would not tell): MEDIATION_ON_BEHALF_OF=clerk01 in the server only.
    server = start_server(MEDIATION_ON_BEHALF_OF="clerk01", MEDIATION_DB=str(tmp_path / "mediation.db"))
    init(tmp_path / "mediation.db")
    env = environment(server.cache, MEDIATION_ON_BEHALF_OF=None, MEDIATION_DB=str(tmp_path / "mediation.db"))
    before = server.served()
    assert mediation(*REGISTER, "--at", "2020-06-01T10:00", env=env, cwd=tmp_path).returncode == 0
    shown = mediation("case", "show", "XS-2020-00001", "--json", env=env, cwd=tmp_path)
    events = json.loads(shown.stdout)["events"]
    alone = mediation("case", "show", "XS-2020-00001", "--json", env=own(env), cwd=tmp_path)
    assert seen(shown) == seen(alone)
    assert "clerk01" not in json.dumps(events), events
    assert server.served() == before + 2


@pytest.fixture
def diverted(tmp_path: Path, server: Server) -> dict[str, str]:
    """A database with one registered case; the environment of a clerk who works on it."""
    env = environment(server.cache, MEDIATION_DB=str(tmp_path / "mediation.db"))
    init(tmp_path / "mediation.db")
    assert mediation(*REGISTER, "--at", "2020-06-01T10:00", env=own(env), cwd=tmp_path).returncode == 0
    return env


@pytest.mark.slow
def test_a_document_lands_in_the_client_s_folder_as_its_umask_says(tmp_path: Path, server: Server,
                                                                     diverted: dict[str, str]):
    # 0o022 tells a command that kept the server's own umask (0o077) from one that took the client's
    before = server.served()
    for mask in (0o077, 0o022):
        results = {}
        for way, env in (("alone", own(diverted)), ("served", diverted)):
            here = tmp_path / f"{way}-{mask:o}"
            here.mkdir()
            one = mediation("case", "document", "XS-2020-00001", "registration", "--out", "x.docx",
                            "--at", "2020-06-01T11:00", env=env, cwd=here, preexec_fn=lambda m=mask: os.umask(m))
            # a folder the command creates shows the umask (the document itself is always 0600: mkstemp)
            batch = mediation("case", "documents", "registration", "--dir", "papers", "--at", "2020-06-01T11:00",
                              env=env, cwd=here, preexec_fn=lambda m=mask: os.umask(m))
            written = sorted(p.relative_to(here) for p in here.rglob("*"))
            modes = {str(p): oct((here / p).stat().st_mode & 0o777) for p in written}
            results[way] = (seen(one), seen(batch), modes)
            assert one.returncode == 0 and batch.returncode == 0, results[way]
        assert results["served"] == results["alone"], oct(mask)
        modes = results["served"][2]
        assert modes["x.docx"] == oct(0o600) and modes["papers"] == oct(0o777 & ~mask), modes
    assert server.served() == before + 4


# -- 3. at a terminal ------------------------------------------------------------------------------------


def at_terminal(env: dict[str, str], cwd: Path, *args: str):
    """``mediation ARGS`` with a pseudo-terminal of 80 columns as its standard streams (no $COLUMNS:
    the width is the terminal's). pexpect, as tests/cli/test_register_terminal.py; tests/pty_support runs
    ``python -m mediation``, which never uses a server."""
    import pexpect

    env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
    env.setdefault("TERM", "xterm")
    return pexpect.spawn(str(MEDIATION), list(args), env=env, cwd=str(cwd), encoding="utf-8",
                         timeout=20, dimensions=(24, 80))


def ended(child) -> tuple[str, int | None, int | None]:
    """(the screen's text, exit status, signal) once ``child`` has ended."""
    import pexpect

    try:
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return child.before, child.exitstatus, child.signalstatus


def register_at_the_terminal(env: dict[str, str], cwd: Path) -> tuple[str, int | None, int | None]:
    """The dialogue of an interactive registration with one typo; what the terminal showed."""
    child = at_terminal(env, cwd, "case", "register", "--at", "2020-06-15T09:30")
    screen = []
    for prompt, answer in (("形式 (form):", "口投"), ("形式 (form):", "口头"), ("纠纷类型 (category):", "交通事故"),
                           ("街道 (street):", "曲阳街道"), ("纠纷概要 (summary):", "两车剐蹭（合成示例）"),
                           ("申请人姓名 (applicant_name，可留空):", ""), ("被申请人姓名 (respondent_name，可留空):", "")):
        try:
            child.expect_exact(prompt)
        except BaseException:
            child.close(force=True)  # else it waits at its prompt, and the server with it
            raise
        screen.append(child.before + prompt)
        child.sendline(answer)
    text, code, killed = ended(child)
    return "".join(screen) + text, code, killed


@pytest.fixture
def two_desks(tmp_path: Path, server: Server) -> tuple[dict[str, str], dict[str, str]]:
    """Two databases made alike: the environment of a clerk at each."""
    envs = []
    for name in ("alone", "served"):
        env = environment(server.cache, MEDIATION_DB=str(tmp_path / f"{name}.db"))
        init(tmp_path / f"{name}.db")
        envs.append(env)
    return own(envs[0]), envs[1]


@pytest.mark.slow
def test_an_interactive_registration_at_a_terminal(tmp_path: Path, server: Server, two_desks):
    alone, served = two_desks
    before = server.served()
    screen, code, killed = register_at_the_terminal(served, tmp_path)
    assert server.served() == before + 1
    assert (code, killed) == (0, None), screen
    assert "没有这个形式 '口投'" in screen and "是 口头 (oral) 吗？" in screen
    assert screen.count("形式 (form):") == 2  # the bad value is asked again
    assert "XS-2020-00001  登记  已登记" in screen
    assert register_at_the_terminal(alone, tmp_path) == (screen, code, killed)
    # the table is as wide as the terminal, as in its own process
    tables = [ended(at_terminal(env, tmp_path, "case", "list", *AS_OF)) for env in (alone, served)]
    assert tables[1] == tables[0]
    lines = ANSI.sub("", tables[1][0]).splitlines()
    widths = [sum(2 if east_asian_width(c) in "WF" else 1 for c in line.rstrip()) for line in lines]
    # columns left out to fit 80 (the width of the terminal, not of the server's or $COLUMNS)
    assert max(widths) <= 80 and "略去 收到时间" in "".join(lines) and any("XS-2020-00001" in x for x in lines)
    assert server.served() == before + 2


@pytest.mark.slow
def test_ctrl_c_at_a_prompt(tmp_path: Path, server: Server, two_desks):
    results = []
    before = server.served()
    for env in two_desks:
        child = at_terminal(env, tmp_path, "case", "register", "--at", "2020-06-15T09:30")
        try:
            child.expect_exact("形式 (form):")  # the prompt is there: the command waits at it
        except BaseException:
            child.close(force=True)
            raise
        child.send("\x03")
        results.append(ended(child))
    assert server.served() == before + 1
    assert results[1] == results[0]
    # the command's own answer to Ctrl-C at its prompt (as to Ctrl-D): giving up, one line, nothing stored
    assert results[1][1:] == (2, None) and "mediation: error: missing required field form" in results[1][0], results
    for env in two_desks:  # nothing registered
        listed = mediation("case", "list", "--json", env=own(env), cwd=tmp_path)
        assert json.loads(listed.stdout)["total"] == 0


# -- 4. a signal without a terminal ----------------------------------------------------------------------

#: The number of read(2) in /proc/PID/syscall, by machine.
READ_SYSCALL = {"x86_64": "0", "aarch64": "63"}.get(platform.machine())


def reading_standard_input(pid: int) -> bool:
    """Whether process ``pid`` is blocked in read(0, ...) (Linux: /proc/PID/syscall)."""
    try:
        fields = Path(f"/proc/{pid}/syscall").read_text().split()
    except OSError:
        return False
    return fields[:2] == [READ_SYSCALL, "0x0"]


def catches(pid: int, signum: int) -> bool:
    """Whether process ``pid`` has a handler for ``signum`` (the client's forwarding, once installed)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    return False


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (/proc/PID/stat: the parent follows the name in parentheses)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # ended meanwhile
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def wait_for(event: Callable[[], bool], what: str, timeout: int = 20) -> None:
    """Return once ``event()`` holds; checked again and again (it is the state of another process,
    which no call waits for), the alarm only a guard against a hang."""
    before = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        while not event():
            os.sched_yield()
    except _Timeout:
        pytest.fail(f"not within {timeout} s: {what}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)


def signalled_while_reading(server: Server, env: dict[str, str], cwd: Path, signals: list[int],
                            preexec_fn: Callable[[], object] | None = None,
                            ignored: tuple[int, ...] = ()) -> tuple[int, bytes, bytes]:
    """Send ``signals`` to a client whose command waits on its standard input (``case register
    --from-json -``, the pipe kept open); (exit status, stdout, stderr) when it has ended."""
    through = env["MEDIATION_SERVER"] != "off"
    before = server.served()
    client = subprocess.Popen([str(MEDIATION), "case", "register", "--from-json", "-"], env=env, cwd=cwd,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              preexec_fn=preexec_fn)
    try:
        if through:
            pid = server.status()[0]
            wait_for(lambda c=client.pid, s=pid: all(catches(c, n) for n in signals if n not in ignored)
                     and any(reading_standard_input(child) for child in children_of(s)),
                     "the server's child reads the client's standard input, the client forwards the signals")
        else:
            wait_for(lambda c=client.pid: reading_standard_input(c), "the command reads its standard input")
        for signum in signals:
            client.send_signal(signum)
        # its standard input stays open: the command is never given the end of its input
        out = client.stdout.read()
        err = client.stderr.read()
        client.wait(timeout=TIMEOUT)
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
        client.stdin.close()
    if through:
        _, served, running = server.status()
        assert (served, running) == (before + 1, 0)
    return client.returncode, out, err


needs_proc_syscall = pytest.mark.skipif(
    READ_SYSCALL is None or not Path("/proc/self/syscall").exists(),
    reason="knowing that a command waits on its standard input needs Linux's /proc/PID/syscall")


@pytest.fixture
def waiting_desk(tmp_path: Path, server: Server) -> tuple[dict[str, str], dict[str, str]]:
    """The environments of a clerk without a server and with one: `case register --from-json -` reads its
    standard input before it opens the database, so there needs to be none."""
    env = environment(server.cache, MEDIATION_DB=str(tmp_path / "none.db"))
    return own(env), env


@pytest.mark.slow
@needs_proc_syscall
def test_sigterm_or_sigint_while_the_command_waits_on_its_standard_input(tmp_path: Path, server: Server,
                                                                          waiting_desk):
    alone, served = (signalled_while_reading(server, env, tmp_path, [signal.SIGTERM]) for env in waiting_desk)
    assert served == alone == (-signal.SIGTERM, b"", b"")
    alone, served = (signalled_while_reading(server, env, tmp_path, [signal.SIGINT]) for env in waiting_desk)
    assert served == alone
    assert alone[0] == 1 and alone[2].endswith(b"Aborted!\n"), alone
    assert not (tmp_path / "none.db").exists()


# -- 5. several clerks at once ---------------------------------------------------------------------------


@pytest.mark.slow
def test_eight_commands_at_once_through_one_server(tmp_path: Path, server: Server):
    env = environment(server.cache, MEDIATION_DB=str(tmp_path / "mediation.db"))
    init(tmp_path / "mediation.db")
    assert mediation("case", "register", "--from-json", "-", "--at", "2020-06-15T10:00", env=own(env), cwd=tmp_path,
                     stdin=CASE_JSON.read_bytes()).returncode == 0
    assert mediation(*REGISTER, "--at", "2020-06-16T10:00", env=own(env), cwd=tmp_path).returncode == 0
    for move in ("review", "divert"):
        assert mediation("case", move, "XS-2020-00001", "--at", "2020-06-16T10:05", env=own(env),
                         cwd=tmp_path).returncode == 0
    commands = [["case", "show", "XS-2020-00001"], ["case", "show", "XS-2020-00002", "--json"],
                ["case", "list", *AS_OF], ["case", "list", "--json", *AS_OF],
                ["case", "list", "--limit", "1", "--page", "2", *AS_OF], ["queue", "room.medical", *AS_OF],
                ["queue", "医疗纠纷调解室", "--json", *AS_OF], ["case", "show", "XS-2020-00009"]]

    def all_at_once(environ: dict[str, str]) -> list[tuple[int, str, str]]:
        started = [subprocess.Popen([str(MEDIATION), *args], env=environ, cwd=tmp_path, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE) for args in commands]
        done = []
        for proc in started:
            out, err = proc.communicate(timeout=TIMEOUT)
            done.append(seen(subprocess.CompletedProcess(proc.args, proc.returncode, out, err)))
        return done

    alone = all_at_once(own(env))
    before = server.served()
    served = all_at_once(env)
    assert server.served() == before + len(commands)
    assert served == alone
    assert [code for code, _, _ in served] == [0, 0, 0, 0, 0, 0, 0, 2]


# -- where the two ways once differed (each found by these tests, each fixed in mediation/launch) -------


def help_to_a_full_device(server: Server) -> list[tuple[int, list[str]]]:
    """``mediation --help`` with its standard output on /dev/full, in its own process then through the
    server: (exit status, lines of standard error) of each. ``--help`` has no committed_output guard:
    the write's OSError ends it with a traceback."""
    results = []
    before = server.served()
    for env in (own(server.env), server.env):
        with open("/dev/full", "wb") as full:
            done = subprocess.run([str(MEDIATION), "--help"], env=env, cwd=server.cache, stdin=subprocess.DEVNULL,
                                  stdout=full, stderr=subprocess.PIPE, timeout=TIMEOUT)
        results.append((done.returncode, done.stderr.decode("utf-8", "backslashreplace").splitlines()))
    assert server.served() == before + 1
    return results


needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")


@needs_dev_full
def test_output_that_cannot_be_flushed_at_exit(start_server):
    alone, served = help_to_a_full_device(start_server(PYTHONUNBUFFERED=None))
    assert alone[0] == 120 and alone[1][-2].startswith("Exception ignored in: <_io.TextIOWrapper name='<stdout>'")
    assert (served[0], served[1][-3:]) == (alone[0], alone[1][-3:])


@needs_dev_full
def test_a_traceback_is_the_program_s_without_the_launcher_s_frames(start_server):
    # its own process's traceback starts with bin/mediation and mediation/launch/client.py; the
    # served one at the program's entry point (mediation/cli): the rest is the same
    alone, served = help_to_a_full_device(start_server(PYTHONUNBUFFERED=None))
    assert alone[1][0] == served[1][0] == "Traceback (most recent call last):"
    assert "bin/mediation" in alone[1][1] and "mediation/cli/__init__.py" in served[1][1]

    def from_the_program(lines: list[str]) -> list[str]:
        return lines[next(i for i, line in enumerate(lines) if "mediation/cli/__init__.py" in line):]

    assert from_the_program(served[1]) == from_the_program(alone[1])


@needs_dev_full
def test_unbuffered_streams_as_python_u_makes_them(start_server):
    alone, served = help_to_a_full_device(start_server(PYTHONUNBUFFERED="1"))

    def failing_call(lines: list[str]) -> list[str]:
        last = max(i for i, line in enumerate(lines) if line.startswith("  File "))
        return [lines[last], lines[last + 1].strip()]

    assert failing_call(alone[1])[1] == "file.write(out)  # type: ignore"
    assert failing_call(served[1]) == failing_call(alone[1])


def ignore_hangups() -> None:
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as nohup does


@needs_proc_syscall
def test_a_hangup_that_nohup_ignores(tmp_path: Path, server: Server, waiting_desk):
    alone, served = (signalled_while_reading(server, env, tmp_path, [signal.SIGHUP, signal.SIGINT], ignore_hangups,
                                             ignored=(signal.SIGHUP,))
                     for env in waiting_desk)
    assert alone[0] == 1 and alone[2].endswith(b"Aborted!\n"), alone
    assert served == alone


def small_files() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))  # ulimit -f 16


def test_the_client_s_resource_limits(tmp_path: Path, server: Server, diverted: dict[str, str]):
    results = []
    for way, env in (("alone", own(diverted)), ("served", diverted)):
        here = tmp_path / way
        here.mkdir()
        done = mediation("case", "document", "XS-2020-00001", "registration", "--out", "x.docx",
                         "--at", "2020-06-01T11:00", env=env, cwd=here, preexec_fn=small_files)
        results.append((seen(done), sorted(p.name for p in here.iterdir())))
    assert results[0][0][0] == 1 and "disk I/O error" in results[0][0][2], results
    assert results[1] == results[0]


def test_the_resource_limits_of_whoever_started_the_server(tmp_path: Path, start_server):
    cache = tmp_path / "cache"
    started = mediation("server", "start", env=environment(cache), cwd=tmp_path, preexec_fn=small_files)
    assert started.stdout.startswith(b"running: ")
    server = start_server()  # the one running: its teardown stops it
    env = environment(cache, MEDIATION_DB=str(tmp_path / "mediation.db"))
    init(tmp_path / "mediation.db")
    assert mediation(*REGISTER, "--at", "2020-06-01T10:00", env=own(env), cwd=tmp_path).returncode == 0
    results = []
    for way, environ in (("alone", own(env)), ("served", env)):
        here = tmp_path / way
        here.mkdir()
        before = server.served()
        done = mediation("case", "document", "XS-2020-00001", "registration", "--out", "x.docx",
                         "--at", "2020-06-01T11:00", env=environ, cwd=here)
        assert server.served() == before + (way == "served")
        results.append(seen(done))
    assert results[0][0] == 0, results
    assert results[1] == results[0]


@pytest.mark.skipif(os.geteuid() != 0, reason="changing the group of the client's process needs root")
def test_the_client_s_group(tmp_path: Path, server: Server, diverted: dict[str, str]):
    def another_group() -> None:
        os.setgroups([])
        os.setgid(4321)

    groups = []
    for way, env in (("alone", own(diverted)), ("served", diverted)):
        here = tmp_path / way
        here.mkdir()
        done = mediation("case", "document", "XS-2020-00001", "registration", "--out", "x.docx",
                         "--at", "2020-06-01T11:00", env=env, cwd=here, preexec_fn=another_group)
        assert done.returncode == 0, seen(done)
        groups.append((here / "x.docx").stat().st_gid)
    assert groups[0] == 4321
    assert groups[1] == groups[0]
