"""A kernel's messages decoded, and its outputs made into notebook nodes, as jupyter_client and
nbformat do, with their two slow generic steps replaced by specific ones (same results, tested).

A report's worker decodes about 70 messages and makes about 10 output nodes per report; on this
2-core machine its time is taken from the kernels. Two generic steps cost most of it:

- jupyter_client parses every string of a message's two headers as a possible date, through
  ``dateutil`` (:func:`jupyter_client.jsonutil.extract_dates`); here a header's strings that
  match the same ISO 8601 pattern are parsed by :meth:`datetime.fromisoformat`, giving the same
  datetime (and the same ``dateutil`` time zone object), others are left as they are;
- nbformat validates each new output against its schema with ``jsonschema`` (``fastjsonschema``
  is only used for whole notebooks); here the same schema definition is compiled once with
  ``fastjsonschema``, and an output it rejects goes to nbformat for nbformat's own error.

Nothing else changes: the signature is checked as jupyter_client checks it, the parts are
unpacked by the session's own unpacker, and the message is adapted to the current protocol.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from hmac import compare_digest

import fastjsonschema
from dateutil.tz import tzoffset, tzutc
from jupyter_client.adapter import adapt
from jupyter_client.channels import ZMQSocketChannel
from jupyter_client.jsonutil import ISO8601_PAT, extract_dates
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import nbbase
from nbformat.validator import get_validator

_UTC = tzutc()  # what dateutil gives a date written with Z or +00:00


class Channel(ZMQSocketChannel):
    """jupyter_client's blocking channel, its messages decoded by :func:`decode`."""

    def _recv(self, **kwargs) -> dict:
        _idents, parts = self.session.feed_identities(self.socket.recv_multipart(**kwargs))
        return decode(self.session, parts)


def decode(session, parts: list[bytes]) -> dict:
    """``session.deserialize(parts)`` for the parts of a message as received (copied bytes)."""
    if session.debug:  # jupyter_client prints each message then
        return session.deserialize(parts)
    if session.auth is not None:
        signature = parts[0]
        if not signature:
            raise ValueError("Unsigned Message")
        if signature in session.digest_history:
            raise ValueError(f"Duplicate Signature: {signature!r}")
        session._add_digest(signature)
        if not compare_digest(signature, session.sign(parts[1:5])):
            raise ValueError(f"Invalid Signature: {signature!r}")
    if len(parts) < 5:
        raise TypeError("malformed message, must have at least 5 elements")
    header = session.unpack(parts[1])
    message = {"header": header_dates(header), "msg_id": header["msg_id"],
               "msg_type": header["msg_type"], "parent_header": header_dates(session.unpack(parts[2])),
               "metadata": session.unpack(parts[3]), "content": session.unpack(parts[4]),
               "buffers": [memoryview(b) for b in parts[5:]]}
    return adapt(message)


def header_dates(header):
    """``extract_dates(header)`` for a message header: its ISO 8601 strings become datetimes.

    >>> header_dates({"msg_id": "a1", "date": "2019-11-30T08:00:00.5Z"})["date"]
    datetime.datetime(2019, 11, 30, 8, 0, 0, 500000, tzinfo=tzutc())
    >>> header_dates({}), header_dates({"date": "2019-11-30T08:00:00+0700"})["date"].utcoffset()
    ({}, datetime.timedelta(seconds=25200))
    """
    if not isinstance(header, dict) or not all(isinstance(v, str) for v in header.values()):
        return extract_dates(header)  # not a header as kernels send them
    out = {}
    for key, value in header.items():
        if ISO8601_PAT.match(value):
            try:
                date = datetime.fromisoformat(value)
            except ValueError:  # 24:00:00, 23:59:60: dateutil reads them, fromisoformat does not
                return extract_dates(header)
            offset = date.utcoffset()
            if offset is None:  # jupyter_client assumes the local zone, with a warning
                return extract_dates(header)
            date = date.replace(tzinfo=_UTC if offset == timedelta(0)
                                else tzoffset(None, int(offset.total_seconds())))
            out[key] = date
        else:
            out[key] = value
    return out


_OUTPUT_FIELDS = {
    "execute_result": ("metadata", "data", "execution_count"),
    "stream": ("name", "text"),
    "display_data": ("metadata", "data"),
    "error": ("ename", "evalue", "traceback"),
}
_checks: dict[str, object] = {}


def output_node(msg: dict) -> NotebookNode:
    """``nbformat.v4.output_from_msg(msg)``: the output a kernel's IOPub message adds to a cell.

    >>> output_node({"header": {"msg_type": "stream"}, "content": {"name": "stdout", "text": "1\\n"}})
    {'output_type': 'stream', 'name': 'stdout', 'text': '1\\n'}
    """
    msg_type = msg["header"]["msg_type"]
    if msg_type not in _OUTPUT_FIELDS:
        return nbbase.output_from_msg(msg)  # nbformat's ValueError
    content = msg["content"]
    fields = {name: content[name] for name in _OUTPUT_FIELDS[msg_type]}
    data = fields.pop("data", None)
    node = NotebookNode(output_type=msg_type)
    # nbformat's new_output: the type's defaults, then the fields, the data last; all converted
    # to notebook nodes on assignment, as there
    if msg_type in ("display_data", "execute_result"):
        node.metadata, node.data = NotebookNode(), NotebookNode()
    node.update(fields)
    if data is not None:
        node.data = data
    _check(node, msg_type)
    return node


def _check(node: NotebookNode, output_type: str) -> None:
    """nbformat's schema check of a new output; nbformat raises its own error for a failure."""
    check = _checks.get(output_type)
    if check is None:
        schema = get_validator(version=4)._schema
        check = _checks[output_type] = fastjsonschema.compile(
            dict(schema, **{"$ref": f"#/definitions/{output_type}"}))
    try:
        check(node)
    except fastjsonschema.JsonSchemaException:
        nbbase.validate(node, output_type)  # nbformat's own error for an invalid output
        # nbformat accepts it: not a ValueError, which nbclient's caller would take for a message
        # that is not an output and drop
        raise RuntimeError(f"nbformat and its compiled schema disagree on a {output_type} "
                           "output") from None
