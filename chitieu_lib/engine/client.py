"""papermill's notebook client with the code cells sent to the kernel at once, read without asyncio.

nbclient sends a cell, waits for its reply and its outputs, then sends the next one: between two
cells the kernel waits for its worker, and each message goes through asyncio tasks and futures.
:class:`PipelinedClient` sends every code cell's ``execute_request`` (and the final
``kernel_info_request``) before reading anything, so the kernel runs the cells back to back while
the worker reads the outputs of the cells already done; it reads the two ZeroMQ sockets directly
(blocking, on sync shadows of the async client's sockets).

What stays nbclient's and papermill's, so the executed notebook is theirs: papermill's cell loop
and metadata (``papermill_execute_cells``, ``nb_man``), nbclient's message handling
(``process_message``: outputs, execution counts, display ids, timing metadata) and its error
check (``_check_raise_for_error``). Timeouts and errors as nbclient's: ``CellTimeoutError`` when a
cell's reply does not come within its timeout (counted from when its turn comes) or its outputs
do not end within ``iopub_timeout`` after the reply; ``DeadKernelError`` when the kernel process
is gone. A cell that fails stops the report as in nbclient: each request asks the kernel to stop
on error (``stop_on_error``), and the kernel then aborts every queued request, so no later cell
runs (tested).
"""

from __future__ import annotations

import time
from queue import Empty

import zmq
from jupyter_client.channels import ZMQSocketChannel
from jupyter_core.utils import run_sync
from nbclient.client import timestamp
from nbclient.exceptions import (CellExecutionComplete, CellExecutionError, CellTimeoutError,
                                 DeadKernelError)
from papermill.clientwrap import PapermillNotebookClient

ALIVE_CHECK = 1.0  # seconds without a message after which the kernel process is checked, as nbclient


def _sync_channel(channel, session) -> ZMQSocketChannel:
    """A blocking channel on the same ZeroMQ socket as an async client's ``channel``."""
    return ZMQSocketChannel(zmq.Socket.shadow(channel.socket.underlying), session)


class PipelinedClient(PapermillNotebookClient):
    """``PapermillNotebookClient`` for a running kernel (``km``, ``kc`` given), cells pipelined."""

    def execute(self, **kwargs):
        """papermill's ``execute``, the requests sent first (see the module docstring)."""
        if self.coalesce_streams:  # nbclient's stream merging is not reproduced (papermill leaves it off)
            raise ValueError("PipelinedClient does not merge streams (coalesce_streams)")
        self.reset_execution_trackers()
        with self.setup_kernel(**kwargs):
            self._shell = _sync_channel(self.kc.shell_channel, self.kc.session)
            self._iopub = _sync_channel(self.kc.iopub_channel, self.kc.session)
            self._both = zmq.Poller()
            for channel in (self._iopub, self._shell):
                self._both.register(channel.socket, zmq.POLLIN)
            self._sent = {index: self._send_cell(cell) for index, cell in enumerate(self.nb.cells)
                          if self._runs(cell)}
            info_id = self._send("kernel_info_request", {})
            self.papermill_execute_cells()
            info_msg = self._reply(info_id, self._get_timeout(None))
            self.nb.metadata["language_info"] = info_msg["content"]["language_info"]
            self.set_widgets_metadata()
        return self.nb

    def _runs(self, cell) -> bool:
        """Whether nbclient's ``execute_cell`` would send this cell to the kernel."""
        return (cell.cell_type == "code" and bool(cell.source.strip())
                and self.skip_cells_with_tag not in cell.metadata.get("tags", []))

    def _send(self, msg_type: str, content: dict) -> str:
        msg = self.kc.session.msg(msg_type, content)
        self._shell.send(msg)
        return msg["header"]["msg_id"]

    def _send_cell(self, cell) -> str:
        """The cell's ``execute_request``, as nbclient's (``kc.execute``) would be."""
        allows_errors = (not self.force_raise_errors) and (
            self.allow_errors or "raises-exception" in cell.metadata.get("tags", []))
        return self._send("execute_request", {
            "code": cell.source, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": not allows_errors})

    def execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        """nbclient's ``execute_cell`` for a cell whose request is already sent."""
        msg_id = self._sent.get(cell_index)
        if msg_id is None:
            return cell
        if self.record_timing:
            cell["metadata"]["execution"] = {}
        self.code_cells_executed += 1
        cell.outputs = []
        self.clear_before_next_output = False
        exec_reply = self._run(msg_id, cell, cell_index)
        if execution_count:
            cell["execution_count"] = execution_count
        self._raise_for_error(cell, cell_index, exec_reply)
        self.nb["cells"][cell_index] = cell
        return cell

    def _raise_for_error(self, cell, cell_index: int, exec_reply: dict) -> None:
        """nbclient's ``_check_raise_for_error`` without an event loop when no hook is set."""
        if self.on_cell_error is not None:
            run_sync(self._check_raise_for_error)(cell, cell_index, exec_reply)
            return
        content = exec_reply["content"]
        if content["status"] != "error":
            return
        allows_errors = (not self.force_raise_errors) and (
            self.allow_errors or content.get("ename") in self.allow_error_names
            or "raises-exception" in cell.metadata.get("tags", []))
        if not allows_errors:
            raise CellExecutionError.from_cell_and_msg(cell, content)

    def _run(self, msg_id: str, cell, cell_index: int) -> dict:
        """Read the cell's outputs (IOPub, up to its ``idle``) and its reply (shell); the reply.

        Each socket is read only up to this cell's last message on it: what follows belongs
        to the next cells and stays queued, in order. Messages of other requests are skipped,
        as nbclient skips them.
        """
        timeout = self._get_timeout(cell)
        deadline = None if timeout is None else time.monotonic() + timeout
        reply, done = None, False
        while reply is None or not done:
            wait = ALIVE_CHECK if deadline is None else min(ALIVE_CHECK, max(0.0, deadline - time.monotonic()))
            outputs, replies = self._ready(not done, reply is None, wait)
            if not (outputs or replies):
                self._after_silence(cell, reply is not None, deadline)
            if outputs:
                msg = self._iopub.get_msg(timeout=0)
                if msg["parent_header"].get("msg_id") == msg_id:
                    try:
                        self.process_message(msg, cell, cell_index)
                    except CellExecutionComplete:
                        done = True
            if replies:
                msg = self._shell.get_msg(timeout=0)
                if msg["parent_header"].get("msg_id") == msg_id:
                    reply = msg
                    if self.record_timing:
                        cell["metadata"]["execution"]["shell.execute_reply"] = timestamp(msg)
                    # as nbclient: once the reply is in, the outputs must end within iopub_timeout
                    deadline = time.monotonic() + self.iopub_timeout
        return reply

    def _ready(self, outputs: bool, replies: bool, timeout: float) -> tuple[bool, bool]:
        """Wait up to ``timeout`` s for a message on IOPub (if ``outputs``) or shell (if
        ``replies``): which of the two has one."""
        ms = int(timeout * 1000)
        if outputs and replies:
            events = dict(self._both.poll(ms))
            return self._iopub.socket in events, self._shell.socket in events
        channel = self._iopub if outputs else self._shell
        ready = bool(channel.socket.poll(ms))
        return ready and outputs, ready and replies

    def _after_silence(self, cell, replied: bool, deadline: float | None) -> None:
        """No message for a while: raise if the kernel died or the deadline has passed."""
        if not self._alive():
            raise DeadKernelError("Kernel died")
        if deadline is not None and time.monotonic() >= deadline:
            if replied:
                raise CellTimeoutError.error_from_timeout_and_cell(
                    "Timeout waiting for IOPub output", self.iopub_timeout, cell)
            raise CellTimeoutError.error_from_timeout_and_cell(
                "Cell execution timed out", self._get_timeout(cell), cell)

    def _reply(self, msg_id: str, timeout: float | None) -> dict:
        """The shell reply to ``msg_id`` (other replies skipped), as nbclient's ``wait_for_reply``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                msg = self._shell.get_msg(timeout=ALIVE_CHECK)
            except Empty:
                if not self._alive():
                    raise DeadKernelError("Kernel died") from None
                if deadline is not None and time.monotonic() >= deadline:
                    raise CellTimeoutError.error_from_timeout_and_cell(
                        "Timeout waiting for the kernel's reply", timeout, None) from None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def _alive(self) -> bool:
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        return process is None or process.poll() is None

