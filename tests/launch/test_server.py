"""The command server (mediation.launch.server) with a small program of the test's own.

The program (written into the test's folder) reports what its process sees: its
arguments, environment, directory, umask and streams, or ends in a given way.
Each test starts a server for it as the client would find it (same folder and
key), then runs the client, ``mediation.launch.client.through_server``, as a
process of its own, and compares with the program run in its own process.
Synchronisation is by what the processes say or do (a line read, a process
ended, a lock released), never by waiting a while.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from mediation.launch import control, place, protocol
from mediation.launch.server import Server, _exit_status, _gone, fingerprint, watched

PROGRAM = textwrap.dedent('''
    import json, os, signal, sys

    if os.environ.get("FAKEPROG_GATE"):  # a program slow to import: held until the test writes
        with open(os.environ["FAKEPROG_GATE"]) as gate:
            gate.read()

    def main():
        action = sys.argv[1]
        if action == "echo":
            mask = os.umask(0); os.umask(mask)
            print(json.dumps({
                "argv": sys.argv[1:], "cwd": os.getcwd(), "umask": mask,
                "client_only": os.environ.get("CLIENT_ONLY"), "server_only": os.environ.get("SERVER_ONLY"),
                "tty": [os.isatty(0), os.isatty(1), os.isatty(2)],
                "encoding": [sys.stdin.encoding, sys.stdout.encoding, sys.stderr.errors],
                "pid": os.getpid(), "ppid": os.getppid(),
            }))
        elif action == "exit":
            sys.exit(int(sys.argv[2]))
        elif action == "message":
            sys.exit("something went wrong")
        elif action == "raise":
            raise RuntimeError("boom")
        elif action == "interrupt":
            raise KeyboardInterrupt
        elif action == "kill-self":
            os.kill(os.getpid(), signal.SIGTERM)
        elif action == "cat":
            sys.stdout.write(sys.stdin.read())
        elif action == "wait":
            print("waiting", flush=True)
            sys.stdin.read()
        elif action == "busy":
            # a command at work: Python code runs, so a signal is acted on at once (a signal that
            # comes just before a blocking read waits for the read: CPython, not the server)
            import time
            print("busy", flush=True)
            if len(sys.argv) > 2:
                with open(sys.argv[2], "a") as record:
                    record.write("started\\n")
            while True:
                time.sleep(0.01)
        elif action == "write-no-newline":
            sys.stdout.write("partial")
            sys.stderr.write("err")
            os.write(2, b"|raw|")
        elif action == "atexit":
            import atexit
            atexit.register(lambda: print("atexit ran"))
            print("main ran", end=" ")
''')
CLIENT = ("import os, sys\n"
          "from mediation.launch.client import through_server\n"
          "code = through_server(sys.argv, os.environ)\n"
          "sys.exit(99 if code is None else code)\n")
KEY = "import os; from mediation.launch import place; print(place.key(os.environ))"
OWN = "import sys; sys.argv[0] = '-c'; import fakeprog; fakeprog.main()"
#: The client's exit status when it would run the command itself (no server took it).
LOCAL = 99


class Running:
    """A server of the test's program, started as the client would find it."""

    def __init__(self, tmp: Path, start: bool = True, **extra_env: str) -> None:
        self.program = tmp / "prog"
        self.program.mkdir()
        (self.program / "fakeprog.py").write_text(PROGRAM)
        self.work = tmp / "work"
        self.work.mkdir()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDIATION_", "PYTHON"))}
        self.env.update(MEDIATION_CACHE=str(tmp / "cache"), MEDIATION_SERVER="on",
                        PYTHONPATH=str(self.program), LANG="C.UTF-8")
        self.env.pop("LC_ALL", None)
        self.directory = place.server_dir(self.env)
        assert place.prepare(self.directory)
        self.rekey(self.env)
        if start:
            self.process = self.start(**extra_env)

    def rekey(self, env: dict[str, str]) -> None:
        """Use ``env`` and the server its clients find: the key as the client computes it, in a
        process started as the client's is (same flags)."""
        self.env = env
        self.key = subprocess.run([sys.executable, "-c", KEY], env=env, capture_output=True, text=True,
                                  check=True, cwd=self.work).stdout.strip()
        self.path = place.socket_path(self.directory, self.key)

    def launch(self, **extra_env: str) -> tuple[subprocess.Popen, int]:
        """Start the server; (its process, the read end of its readiness pipe), not waited for."""
        read_end, write_end = os.pipe()
        process = subprocess.Popen(
            [sys.executable, "-P", "-m", "mediation.launch.server", self.directory, self.key,
             "fakeprog:main", f"--ready-fd={write_end}"],
            env={**self.env, **extra_env}, pass_fds=(write_end,), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        os.close(write_end)
        return process, read_end

    def start(self, **extra_env: str) -> subprocess.Popen:
        process, read_end = self.launch(**extra_env)
        with os.fdopen(read_end, "rb") as ready:
            self.ready = ready.readline()  # "ready", or nothing when it stopped instead
        return process

    def client(self, *args, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("cwd", self.work)
        return subprocess.run([sys.executable, "-c", CLIENT, *args], env=env or self.env, **kwargs)

    def own(self, *args, **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("cwd", self.work)
        return subprocess.run([sys.executable, "-c", OWN, *args], env=self.env, **kwargs)

    def status(self) -> dict:
        answer = control.ask(self.path, "status")
        assert answer and answer.startswith("status ")
        return json.loads(answer[len("status "):])

    def stop(self) -> None:
        if self.process.poll() is None:
            control.ask(self.path, "stop")
            self.process.wait(timeout=30)
        self.process.stderr.close()


@pytest.fixture
def server(tmp_path):
    running = Running(tmp_path, SERVER_ONLY="from the server's start")
    assert running.ready == b"ready\n", running.process.stderr.read()
    yield running
    running.stop()


def echo(completed: subprocess.CompletedProcess) -> dict:
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_the_command_runs_in_a_child_of_the_server_with_the_clients_arguments(server):
    seen = echo(server.client("echo", "案件", "XS-2026-00001"))
    assert seen["argv"] == ["echo", "案件", "XS-2026-00001"]
    assert seen["ppid"] == server.process.pid
    assert server.status()["served"] == 1


def test_an_argument_that_is_not_utf8_arrives_as_it_would_in_its_own_process(server):
    args = [b"echo", b"\xff\xfe"]
    assert echo(server.client(*args))["argv"] == echo(server.own(*args))["argv"] == ["echo", "\udcff\udcfe"]


def test_the_environment_is_the_clients_not_the_servers(server):
    env = {**server.env, "CLIENT_ONLY": "from the client"}
    seen = echo(server.client("echo", env=env))
    assert seen["client_only"] == "from the client"
    assert seen["server_only"] is None


def test_the_working_directory_and_umask_are_the_clients(server):
    inner = server.work / "内 folder"
    inner.mkdir()
    seen = echo(server.client("echo", cwd=inner, preexec_fn=lambda: os.umask(0o027)))
    assert seen["cwd"] == str(inner)
    assert seen["umask"] == 0o027


def test_the_streams_are_the_clients_pipes_with_its_encodings(server):
    served, own = echo(server.client("echo")), echo(server.own("echo"))
    assert served["tty"] == own["tty"] == [False, False, False]
    assert served["encoding"] == own["encoding"]


def test_standard_input_reaches_the_command_however_large(server):
    data = ("第一行\n" + "x" * 100 + "\n") * 20000  # ~2.5 MB: more than any pipe holds
    completed = server.client("cat", input=data.encode())
    assert completed.returncode == 0
    assert completed.stdout.decode() == data


@pytest.mark.parametrize("args", [("exit", "0"), ("exit", "3"), ("exit", "255"), ("exit", "256"),
                                  ("message",), ("raise",), ("atexit",)])
def test_the_exit_status_and_what_was_printed_are_as_in_its_own_process(server, args):
    served, own = server.client(*args), server.own(*args)
    assert (served.returncode, served.stdout) == (own.returncode, own.stdout)
    assert served.stderr.splitlines()[-1:] == own.stderr.splitlines()[-1:]


def test_a_command_killed_by_a_signal_ends_its_client_by_the_same_signal(server):
    assert server.client("kill-self").returncode == server.own("kill-self").returncode == -signal.SIGTERM


def test_an_uncaught_ctrl_c_ends_the_client_as_python_ends(server):
    served, own = server.client("interrupt"), server.own("interrupt")
    assert served.returncode == own.returncode == -signal.SIGINT
    assert served.stderr.splitlines()[-1] == own.stderr.splitlines()[-1] == b"KeyboardInterrupt"


def test_a_server_and_command_killed_midway_leave_the_client_with_one_line_and_status_1(server):
    client = subprocess.Popen([sys.executable, "-c", CLIENT, "busy"], env=server.env, cwd=server.work,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert client.stdout.readline() == b"busy\n"  # the command is running
    # the server answers this only after its loop has sent the client the command's pid (the child can
    # print before that), and what it sent stays there for the client to read after the server is gone
    assert server.status()["running"] == 1
    pid = server.process.pid
    [child] = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    server.process.kill()
    server.process.wait(timeout=30)
    os.kill(int(child), signal.SIGKILL)
    out, err = client.communicate(timeout=30)
    assert client.returncode == 1 and out == b""
    [line] = err.decode().splitlines()
    assert line.startswith("mediation: error: 命令服务器在命令结束前停止了") and "MEDIATION_SERVER=off" in line


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_to_the_client_reaches_the_command(server, signum):
    client = subprocess.Popen([sys.executable, "-c", CLIENT, "busy"], env=server.env, cwd=server.work,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert client.stdout.readline() == b"busy\n"  # the command is running
    client.send_signal(signum)
    client.wait(timeout=30)  # only the signal (passed on) can end the command
    own = subprocess.Popen([sys.executable, "-c", OWN, "busy"], env=server.env, cwd=server.work,
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert own.stdout.readline() == b"busy\n"
    own.send_signal(signum)
    own.wait(timeout=30)
    for process in (client, own):
        process.communicate()
    assert client.returncode == own.returncode
    assert server.status()["running"] == 0


def test_many_clients_at_once_each_get_their_own_answer(server):
    clients = [subprocess.Popen([sys.executable, "-c", CLIENT, "echo", str(n)], env=server.env, cwd=server.work,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for n in range(12)]
    answers = [(c.communicate(timeout=60), c.returncode) for c in clients]
    assert [code for _, code in answers] == [0] * 12, server.process.stderr.read() if server.process.poll() else ""
    seen = [json.loads(out) for (out, _), _ in answers]
    assert [s["argv"] for s in seen] == [["echo", str(n)] for n in range(12)]
    assert len({s["pid"] for s in seen}) == 12
    assert server.status()["served"] == 12


def test_a_command_whose_client_went_before_its_pid_was_sent_stays_the_servers_to_reap(tmp_path, monkeypatch):
    # The child can run first: a quick command ends, its client reads the child's "exit" and goes,
    # all before the server sends "pid". The connection stays open and watched until the reaping.
    server = Server(str(tmp_path), "key", "fakeprog:main", environ={})
    server.selector = selectors.DefaultSelector()
    conn, client_end = socket.socketpair()

    def fork() -> int:
        client_end.close()
        return 4242

    monkeypatch.setattr(os, "fork", fork)
    server._fork(conn, {}, [])
    assert server.children == {4242: conn} and conn.fileno() != -1
    [(watched_conn, _)] = server.selector.select(0)
    assert watched_conn.data == 4242 and _gone(watched_conn.fileobj)
    server.selector.close()
    conn.close()


def test_a_changed_installation_sends_the_command_back_and_stops_the_server(server):
    assert echo(server.client("echo"))
    (server.program / "newmodule.py").write_text("")  # a library installed beside it
    completed = server.client("echo")
    assert completed.returncode == LOCAL and completed.stdout == b""  # nothing ran there
    assert server.process.wait(timeout=30) == 0
    assert not os.path.exists(server.path)


def test_an_edited_module_changes_the_fingerprint(tmp_path):
    module = tmp_path / "one.py"
    module.write_text("x = 1\n")
    before = fingerprint(str(module), paths=[])
    module.write_text("x = 22\n")
    assert fingerprint(str(module), paths=[]) != before
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "sub" / "m.py").write_text("")
    before = fingerprint(str(package), paths=[])
    (package / "sub" / "m.py").write_text("changed")
    assert fingerprint(str(package), paths=[]) != before
    assert watched("mediation.cli") == place.PACKAGE


def test_a_second_server_for_the_same_key_stops_at_once(server):
    second = server.start()
    assert server.ready == b""  # it never took commands
    assert second.wait(timeout=30) == 0
    second.stderr.close()
    assert echo(server.client("echo"))["ppid"] == server.process.pid


def test_stop_waits_for_running_commands_and_removes_the_socket(server):
    client = subprocess.Popen([sys.executable, "-c", CLIENT, "wait"], env=server.env, cwd=server.work,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert client.stdout.readline() == b"waiting\n"
    assert control.ask(server.path, "stop") == "stopping"
    assert not os.path.exists(server.path)  # no new command reaches it
    assert server.client("echo").returncode == LOCAL
    client.stdin.close()  # the running command ends ...
    assert client.wait(timeout=30) == 0  # ... with its status, and then the server
    assert server.process.wait(timeout=30) == 0


def test_an_idle_server_stops_by_itself(tmp_path):
    running = Running(tmp_path, MEDIATION_SERVER_IDLE="1")
    assert running.ready == b"ready\n"
    assert running.process.wait(timeout=60) == 0
    running.stop()
    assert not os.path.exists(running.path)


def test_the_socket_and_its_folder_are_the_users_alone(server):
    assert os.stat(server.directory).st_mode & 0o777 == 0o700
    assert os.stat(server.path).st_mode & 0o777 == 0o600


def test_another_user_is_not_served():
    if os.getuid() != 0:
        pytest.skip("acting as another user needs root")
    base = Path(tempfile.mkdtemp(prefix="mediation-peer-"))
    base.chmod(0o711)  # another user may pass through to the socket (the test's own folder is private)
    server = Running(base)
    try:
        _another_user_sends_a_command(server)
    finally:
        server.stop()
        shutil.rmtree(base)


def _another_user_sends_a_command(server: Running) -> None:
    assert server.ready == b"ready\n"
    Path(server.directory).parent.chmod(0o711)
    os.chmod(server.directory, 0o711)  # as if the folder let others through: the server itself refuses
    os.chmod(server.path, 0o666)
    try:
        pid = os.fork()
        if pid == 0:  # another user's process sends a command
            code = 1
            try:
                os.setgid(65534)
                os.setuid(65534)
                sock = socket.socket(socket.AF_UNIX)
                sock.connect(server.path)
                request = {"v": 1, "argv": ["-c", "echo"], "env": {}, "cwd": "/", "umask": 0o022,
                           "stdio": [["utf-8", "strict", False]] * 3}
                try:
                    socket.send_fds(sock, [protocol.encode(request)], [0, 1, 2])
                    answer = sock.recv(100)
                except ConnectionError:  # closed before the request was read (reset, broken pipe)
                    answer = b""
                code = 0 if answer == b"" else 1  # closed without a word
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        os.chmod(server.path, 0o600)
        os.chmod(server.directory, 0o700)
    assert server.status()["served"] == 0


def test_a_malformed_request_is_closed_and_the_server_goes_on(server):
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(server.path)
        sock.sendall((5).to_bytes(4, "big") + b"\x00\x01\x02\x03\x04")
        assert sock.recv(100) == b""
    with socket.socket(socket.AF_UNIX) as sock:  # a command without its three descriptors
        sock.connect(server.path)
        sock.sendall(protocol.encode({"v": 1, "argv": ["-c", "echo"], "env": {}, "cwd": "/", "umask": 0,
                                      "stdio": [["utf-8", "strict", False]] * 3}))
        assert sock.recv(100) == b""
    assert echo(server.client("echo"))


def test_without_a_server_the_client_says_run_it_here_and_starts_one(tmp_path):
    running = Running(tmp_path)
    running.stop()
    # the server it starts in the background (for mediation.cli) leaves after a second without a command
    env = {**running.env, "MEDIATION_SERVER_IDLE": "1"}
    assert running.client("echo", env=env).returncode == LOCAL  # the client's caller runs it in its own process


@pytest.mark.parametrize(("value", "status"), [(None, 0), (0, 0), (3, 3), (256, 0), (-1, 255), ("text", 1)])
def test_exit_statuses_as_python_gives_them(value, status):
    assert _exit_status(value) == status


def test_a_signal_the_client_was_started_ignoring_is_ignored_by_the_command(server):
    def nohup():
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    results = []
    for command in (CLIENT, OWN):
        process = subprocess.Popen([sys.executable, "-c", command, "busy"], env=server.env, cwd=server.work,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=nohup)
        assert process.stdout.readline() == b"busy\n"
        process.send_signal(signal.SIGHUP)  # ignored ...
        process.send_signal(signal.SIGTERM)  # ... so this one ends it
        process.wait(timeout=30)
        process.communicate()
        results.append(process.returncode)
    assert results == [-signal.SIGTERM, -signal.SIGTERM]


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_output_is_buffered_as_python_buffers_it(tmp_path, unbuffered):
    running = Running(tmp_path)
    try:
        env = {**running.env, "PYTHONUNBUFFERED": unbuffered} if unbuffered else running.env
        if unbuffered:  # a setting of the interpreter: another server
            running.stop()
            running.rekey(env)
            running.process = running.start()
        # stdout and stderr on one pipe: buffered, "|raw|" first, then at exit stdout's "partial" and
        # stderr's "err" (no newline: line buffering keeps it); unbuffered, in the order written
        served = subprocess.run([sys.executable, "-c", CLIENT, "write-no-newline"], env=env, cwd=running.work,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        own = subprocess.run([sys.executable, "-c", OWN, "write-no-newline"], env=env, cwd=running.work,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert served.returncode == own.returncode == 0
        assert served.stdout == own.stdout
        assert own.stdout == (b"partialerr|raw|" if unbuffered else b"|raw|partialerr")
        assert running.status()["served"] == 1
    finally:
        running.stop()


def test_a_server_still_starting_is_stopped_and_said_to_be_starting(tmp_path):
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    running = Running(tmp_path, start=False)
    process, read_end = running.launch(FAKEPROG_GATE=str(gate))
    try:
        with open(gate, "w"):  # opens once the server, holding its lock, imports the program
            assert controlled("status()", running) == {"state": "starting", "pid": process.pid}
            assert "starting" in controlled("describe(status())", running)
            assert controlled("stop_all()", running) == 1
            assert process.wait(timeout=30) == -signal.SIGTERM
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        with os.fdopen(read_end, "rb") as ready:
            assert ready.read() == b""  # it never took commands
        process.stderr.close()
    assert controlled("status()", running)["state"] == "stopped"
    assert controlled("stop_all()", running) == 0  # its lock file is left, naming a process no longer there


def controlled(call: str, running: Running):
    """``mediation.launch.control.<call>`` in a process started as the client's is (the same key)."""
    code = f"import json; from mediation.launch.control import *; print(json.dumps({call}))"
    done = subprocess.run([sys.executable, "-c", code], env=running.env, cwd=running.work, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)


def test_a_stale_pid_in_a_lock_nobody_holds_is_never_signalled(tmp_path):
    env = {"MEDIATION_CACHE": str(tmp_path), "MEDIATION_SERVER": "on"}
    directory = place.server_dir(env)
    assert place.prepare(directory)
    Path(place.lock_path(directory, "0123456789abcdef")).write_text(f"{os.getpid()}\n")  # this test's pid
    assert control.stop_all(env) == 0


def test_resource_limits_priority_and_groups_are_part_of_the_key():
    probe = ("import os, resource, sys\n"
             "from mediation.launch import place\n"
             "before = place.key(os.environ)\n"
             "soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)\n"
             "resource.setrlimit(resource.RLIMIT_FSIZE, (16384, hard))\n"
             "limited = place.key(os.environ)\n"
             "resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))\n"
             "os.nice(1)\n"
             "print(before != limited, limited != place.key(os.environ), before != place.key(os.environ))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True", "True"]


def test_a_command_whose_client_is_killed_is_killed_too(server):
    client = subprocess.Popen([sys.executable, "-c", CLIENT, "busy"], env=server.env, cwd=server.work,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert client.stdout.readline() == b"busy\n"
    client.kill()  # kill -9: nothing is passed on
    client.wait(timeout=30)
    # the command's process holds the same pipes: they end when it has ended
    assert client.stdout.read() == b"" and client.stderr.read() == b""


def stopped(server: Running):
    """The server stopped (``kill -STOP``) until the block ends, then continued."""
    class Stopped:
        def __enter__(self):
            os.kill(server.process.pid, signal.SIGSTOP)

        def __exit__(self, *exc):
            os.kill(server.process.pid, signal.SIGCONT)

    return Stopped()


@pytest.mark.slow
def test_a_stuck_server_is_given_up_on_and_never_runs_the_command_later(server, tmp_path):
    record = tmp_path / "record"
    with stopped(server):
        started = time.monotonic()
        # (not pipes: the descriptors sent with the request stay in the socket, open, until the
        # server reads and closes them when it continues, so a pipe would not end before that)
        completed = server.client("busy", str(record), timeout=60, capture_output=False,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert completed.returncode == LOCAL  # given up on: the caller runs it itself
        assert time.monotonic() - started < 30
    assert server.status()["served"] == 0  # the request, read after it continued, was dropped
    assert not record.exists()


def test_a_signal_before_the_command_started_ends_the_client_and_nothing_runs(server, tmp_path):
    record = tmp_path / "record"
    with stopped(server):
        client = subprocess.Popen([sys.executable, "-c", CLIENT, "busy", str(record)], env=server.env,
                                  cwd=server.work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client.send_signal(signal.SIGTERM)
        assert client.wait(timeout=30) == -signal.SIGTERM  # before the answer, as before it started
    assert server.status()["served"] == 0
    assert not record.exists()


def test_the_client_tells_nothing_to_a_server_of_another_user(tmp_path):
    if os.getuid() != 0:
        pytest.skip("a listener of another user needs root")
    base = Path(tempfile.mkdtemp(prefix="mediation-other-"))
    os.chown(base, 65534, 65534)
    path = str(base / "s.sock")
    ready_r, ready_w = os.pipe()
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # another user's process listens
        code = 1
        try:
            os.close(ready_r)
            os.close(done_w)
            os.setgid(65534)
            os.setuid(65534)
            listener = socket.socket(socket.AF_UNIX)
            listener.bind(path)
            os.chmod(path, 0o666)
            listener.listen(1)
            os.write(ready_w, b"x")
            os.read(done_r, 1)
            code = 0
        finally:
            os._exit(code)
    os.close(ready_w)
    os.close(done_r)
    try:
        assert os.read(ready_r, 1) == b"x"
        from mediation.launch.client import _ours

        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(path)
            assert not _ours(sock)
        left, right = socket.socketpair()
        with left, right:
            assert _ours(left)
    finally:
        os.close(done_w)
        os.waitpid(pid, 0)
        os.close(ready_r)
        shutil.rmtree(base)


@pytest.mark.parametrize(("mode", "usable"), [(0o755, True), (0o1777, True), (0o777, False), (0o775, False)])
def test_a_folder_above_that_others_may_swap_is_not_used(tmp_path, mode, usable):
    above = tmp_path / "above"
    above.mkdir()
    above.chmod(mode)
    assert place.prepare(str(above / "server")) is usable


def test_a_folder_above_of_another_user_is_not_used(tmp_path):
    if os.getuid() != 0:
        pytest.skip("giving a folder to another user needs root")
    above = tmp_path / "above"
    above.mkdir()
    os.chown(above, 65534, 65534)
    assert not place.prepare(str(above / "server"))


def test_a_link_on_the_way_is_resolved_once(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    assert place.server_dir({"MEDIATION_CACHE": str(tmp_path / "link")}) == str(real / "server")


def test_a_command_in_the_background_of_its_terminal_runs_in_its_own_process(server):
    pexpect = pytest.importorskip("pexpect")
    shell = pexpect.spawn("bash", ["--norc", "--noprofile", "-i"], env={**server.env, "PS1": "$ "},
                          cwd=str(server.work), timeout=60, encoding="utf-8")
    try:
        shell.expect_exact("$ ")
        client = CLIENT.replace("\n", "; ").replace("'", '"')
        shell.sendline(f"{sys.executable} -c '{client}' echo & wait $!; echo status=$?")
        shell.expect(r"status=(\d+)")
        assert shell.match.group(1) == str(LOCAL)  # in the background: not handed over
        shell.sendline(f"{sys.executable} -c '{client}' echo > /dev/null; echo status=$?")
        shell.expect(r"status=(\d+)")
        assert shell.match.group(1) == "0"  # in the foreground: served
    finally:
        shell.close(force=True)
    assert server.status()["served"] == 1


def test_a_descriptor_beyond_the_standard_three_keeps_the_command_here():
    from mediation.launch.client import _can_hand_over

    assert not _can_hand_over(["mediation", "route", "/dev/fd/3"])
    assert not _can_hand_over(["mediation", "route", "--x=/proc/self/fd/7"])
    assert _can_hand_over(["mediation", "case", "register", "--from-json", "/dev/fd/0"])
    assert _can_hand_over(["mediation", "case", "show", "XS-2026-00001"])
