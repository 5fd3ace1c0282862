"""chitieu_lib.engine.messages: the same messages and output nodes as jupyter_client and nbformat."""

from __future__ import annotations

import warnings
from datetime import datetime

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jupyter_client.jsonutil import extract_dates
from jupyter_client.session import Session

from chitieu_lib.engine.messages import decode, header_dates, output_node

KEY = b"a-secret-key"


def _parts(header: dict, parent: dict, content: dict, buffers=()) -> list[bytes]:
    """A message as a kernel sends it: signature, header, parent, metadata, content, buffers."""
    sender = Session(key=KEY)
    parts = [sender.pack(header), sender.pack(parent), sender.pack({"deletedVariables": []}),
             sender.pack(content), *buffers]
    return [sender.sign(parts[:4]), *parts]


def _header(date: str, msg_type: str = "stream", **more) -> dict:
    return {"msg_id": "9a1b-2c", "msg_type": msg_type, "username": "chitieu", "session": "5e6f",
            "date": date, "version": "5.3", **more}


def _both(parts):
    """(ours, jupyter_client's) decoding of the same parts, each by its own receiving session."""
    return decode(Session(key=KEY), list(parts)), Session(key=KEY).deserialize(list(parts))


DATES = ["2026-12-01T23:01:09.123456Z", "2026-12-01T23:01:09Z", "2026-12-01T23:01:09.5+07:00",
         "2026-12-01T23:01:09.123-0530", "2026-12-01T23:01:09+00:00", "2019-11-30T00:00:00.000001Z",
         "2026-12-01T24:00:00Z", "2026-12-01T23:01:09-00:00", "2026-12-01T23:01:09+05:45"]


@pytest.mark.parametrize("date", DATES)
def test_a_message_decodes_as_jupyter_client_decodes_it(date):
    parent = _header("2026-12-01T23:01:08.000001Z", msg_type="execute_request")
    parts = _parts(_header(date), parent, {"name": "stdout", "text": "2026-12-01T23:01:09Z\n"},
                   buffers=[b"\x00\x01"])
    ours, theirs = _both(parts)
    assert ours == theirs
    # the same time zone objects (dateutil's), not only the same instants
    assert repr(ours["header"]["date"]) == repr(theirs["header"]["date"])
    assert ours["header"]["date"].utcoffset() == theirs["header"]["date"].utcoffset()
    # content is never read for dates, by either
    assert ours["content"]["text"] == "2026-12-01T23:01:09Z\n"
    assert [bytes(b) for b in ours["buffers"]] == [b"\x00\x01"]


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
       st.sampled_from(["auto", "seconds", "milliseconds", "microseconds"]),
       st.sampled_from(["", "Z", "+07:00", "-0330", "+00:00"]))
def test_any_header_date_is_parsed_as_jupyter_client_parses_it(moment, timespec, zone):
    text = moment.isoformat(timespec=timespec) + zone
    header = _header(text, other="1999-01-01T00:00:00Z")  # any matching string is a date
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a date without a zone: jupyter_client warns
        ours, theirs = header_dates(header), extract_dates(header)
    assert ours == theirs
    assert {k: repr(v) for k, v in ours.items()} == {k: repr(v) for k, v in theirs.items()}


def test_a_header_that_is_not_flat_is_left_to_jupyter_client():
    header = _header("2026-12-01T23:01:09Z", extra={"when": "2026-12-01T23:01:09Z"}, n=3)
    assert header_dates(header) == extract_dates(header)
    assert not isinstance(header_dates(header)["extra"]["when"], str)


def test_a_bad_or_replayed_signature_is_refused_as_jupyter_client_refuses_it():
    parts = _parts(_header(DATES[0]), {}, {"name": "stdout", "text": "x"})
    tampered = [parts[0], *parts[1:4], parts[4].replace(b'"x"', b'"y"')]
    for bad in ([b"", *parts[1:]], tampered):
        with pytest.raises(ValueError) as ours:
            decode(Session(key=KEY), list(bad))
        with pytest.raises(ValueError) as theirs:
            Session(key=KEY).deserialize(list(bad))
        assert str(ours.value).split(":")[0] == str(theirs.value).split(":")[0]
    receiver = Session(key=KEY)
    decode(receiver, list(parts))
    with pytest.raises(ValueError, match="Duplicate Signature"):
        decode(receiver, list(parts))


OUTPUTS = [
    ("stream", {"name": "stdout", "text": "Vạn Ninh 35%\n"}),
    ("stream", {"name": "stderr", "text": ""}),
    ("display_data", {"data": {"text/plain": "<Figure>", "image/png": "iVBORw0KGgo="},
                      "metadata": {"image/png": {"width": 640}}, "transient": {"display_id": "d1"}}),
    ("display_data", {"data": {"application/vnd.chitieu.table+json": {"name": "bang", "rows": [[1]]},
                               "text/html": ["<table>", "</table>"]}, "metadata": {}}),
    ("execute_result", {"data": {"text/plain": "2"}, "metadata": {}, "execution_count": 7}),
    ("error", {"ename": "KeyError", "evalue": "'568'", "traceback": ["Traceback", "KeyError: '568'"]}),
]


@pytest.mark.parametrize("msg_type,content", OUTPUTS, ids=[f"{t}-{i}" for i, (t, _) in enumerate(OUTPUTS)])
def test_an_output_node_is_nbformats(msg_type, content):
    msg = {"header": {"msg_type": msg_type}, "msg_type": msg_type, "content": content}
    ours, theirs = output_node(msg), nbformat.v4.output_from_msg(msg)
    assert ours == theirs
    assert list(ours) == list(theirs)  # same keys in the same order
    assert type(ours) is type(theirs) and all(type(ours[k]) is type(theirs[k]) for k in ours)


@pytest.mark.parametrize("msg_type,content", [
    ("stream", {"name": 5, "text": "x"}),
    ("display_data", {"data": {"text/plain": 3}, "metadata": {}}),
    ("execute_result", {"data": {}, "metadata": {}, "execution_count": "7"}),
    ("error", {"ename": "E", "evalue": "v", "traceback": "not a list"}),
])
def test_an_invalid_output_fails_with_nbformats_error(msg_type, content):
    msg = {"header": {"msg_type": msg_type}, "content": content}
    with pytest.raises(nbformat.ValidationError) as theirs:
        nbformat.v4.output_from_msg(msg)
    with pytest.raises(nbformat.ValidationError) as ours:
        output_node(msg)
    assert str(ours.value) == str(theirs.value)


def test_an_output_the_two_checks_disagree_on_is_never_dropped(monkeypatch):
    """Found by a hostile review: a compiled-schema refusal nbformat does not share came out as a
    ValueError, which nbclient's ``output`` takes for "not an output" and drops with a log line."""
    from chitieu_lib.engine import messages

    def refuse(node):
        raise messages.fastjsonschema.JsonSchemaException("refused")

    monkeypatch.setitem(messages._checks, "stream", refuse)
    msg = {"header": {"msg_type": "stream"}, "content": {"name": "stdout", "text": "x"}}
    with pytest.raises(RuntimeError, match="disagree") as err:
        output_node(msg)
    assert not isinstance(err.value, ValueError)


def test_a_message_that_is_not_an_output_is_refused_as_by_nbformat():
    msg = {"header": {"msg_type": "status"}, "content": {"execution_state": "idle"}}
    with pytest.raises(ValueError, match="Unrecognized output msg type"):
        output_node(msg)
