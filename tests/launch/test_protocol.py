"""The request a client sends its server (mediation.launch.protocol), and which commands go there."""

from __future__ import annotations

import marshal

import pytest

from mediation.launch import protocol
from mediation.launch.client import served


def request(**changes) -> dict:
    base = {"v": 1, "argv": ["mediation", "case", "show", "XS-2026-00001"], "env": {"LANG": "C.UTF-8"},
            "cwd": "/home/clerk", "umask": 0o022,
            "stdio": [["utf-8", "strict", False], ["utf-8", "strict", False], ["utf-8", "backslashreplace", False]],
            "ignored": [1]}
    return {**base, **changes}


def test_a_request_comes_back_as_it_was_sent_undecodable_arguments_included():
    sent = request(argv=["mediation", "case", "show", "XS-\udcff"], env={"MEDIATION_DB": "库.db"})
    data = protocol.encode(sent)
    assert protocol.length(data) == len(data) - protocol.HEADER
    assert protocol.decode(data[protocol.HEADER:]) == sent


def test_a_request_too_large_is_refused_on_both_sides():
    with pytest.raises(protocol.ProtocolError, match="too large"):
        protocol.encode(request(env={"X": "y" * protocol.MAX_REQUEST}))
    with pytest.raises(protocol.ProtocolError, match="too large"):
        protocol.length((protocol.MAX_REQUEST + 1).to_bytes(protocol.HEADER, "big"))


@pytest.mark.parametrize("body", [b"", b"\x00garbage", marshal.dumps([1, 2]), marshal.dumps({"v": 2}),
                                  marshal.dumps({"argv": []})])
def test_what_is_not_a_request_is_refused(body):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(body)


def test_a_well_formed_request_has_every_field_and_four_descriptors():
    assert protocol.well_formed(request(), [5, 6, 7, 8])  # stdin, stdout, stderr, the working directory
    assert not protocol.well_formed(request(), [5, 6, 7])


@pytest.mark.parametrize("changes", [
    {"argv": []}, {"argv": "mediation"}, {"argv": ["mediation", 3]},
    {"env": {"A": 1}}, {"env": {"A=B": "c"}}, {"env": {"": "c"}}, {"env": {"A": "nul\0"}},
    {"cwd": None}, {"umask": "022"},
    {"stdio": [["utf-8", "strict", False]] * 2}, {"stdio": [["utf-8", "strict"]] * 3},
    {"stdio": [["utf-8", "strict", "no"]] * 3}, {"ignored": [0]}, {"ignored": ["SIGHUP"]}, {"ignored": 1},
])
def test_a_request_with_a_field_of_the_wrong_shape_is_not_run(changes):
    assert not protocol.well_formed(request(**changes), [5, 6, 7, 8])


@pytest.mark.parametrize(("argv", "environ", "expected"), [
    (["case", "show", "XS-2026-00001"], {}, True),
    (["queue", "room.labor"], {}, True),
    (["--help"], {}, True),
    (["--version"], {}, True),
    ([], {}, True),
    (["staff", "list"], {}, True),
    (["replay", "examples/history-2020.csv"], {}, False),
    (["report", "--year", "2020"], {}, False),
    (["serve"], {}, False),
    (["server", "stop"], {}, False),
    (["init"], {}, False),
    ([], {"_MEDIATION_COMPLETE": "bash_complete"}, True),  # every Tab press
])
def test_which_commands_go_to_the_server(argv, environ, expected):
    assert served(argv, environ) is expected
