"""papermill's notebook client with the code cells sent to the kernel at once, read without asyncio.

nbclient sends a cell, waits for its reply and its outputs, then sends the next one: between two
cells the kernel waits for its worker, and each message goes through asyncio tasks and futures.
:class:`PipelinedClient` keeps the next cells' ``execute_request`` sent ahead (``AHEAD`` of them,
then the final ``kernel_info_request``), so the kernel runs the cells back to back while the
worker reads the outputs of the cells already done; it reads the two ZeroMQ sockets directly
(blocking, on sync shadows of the async client's sockets).

What stays nbclient's and papermill's, so the executed notebook is theirs: papermill's cell loop
and metadata (``papermill_execute_cells``, ``nb_man``), nbclient's message handling
(``process_message``: outputs, execution counts, display ids, timing metadata) and its error
rule (``_check_raise_for_error``, without ``allow_error_names``). nbclient settings this client
does not reproduce are refused (``_unsupported``); papermill sets none of them.

Timeouts and errors as nbclient's: ``CellTimeoutError`` when a cell's reply does not come within
its timeout (counted from when its turn comes) or its outputs do not end within
``iopub_timeout`` after the reply, both checked by the clock however many messages come (the
kernel is then killed, so that no queued cell starts); ``DeadKernelError`` when the kernel
process is gone. A cell that fails stops the report as in nbclient: its request asks the kernel
to stop on error, ipykernel then aborts the requests already queued, and a warm kernel refuses
every later one (``kernels._SETUP``: cells still arriving when the failure happens), so no later
cell runs (tested).
"""

from __future__ import annotations

import math
import time
from collections import deque
from queue import Empty

import zmq
from jupyter_core.utils import run_sync
from nbclient.client import timestamp
from nbclient.exceptions import (CellExecutionComplete, CellExecutionError, CellTimeoutError,
                                 DeadKernelError)
from papermill.clientwrap import PapermillNotebookClient

from .kernels import kernel_process, process_alive
from .messages import Channel, output_node

ALIVE_CHECK = 1.0  # seconds without a message after which the kernel process is checked, as nbclient
# Cells sent and not yet read. Enough that the kernel never waits for its worker; few enough that
# the outputs waiting to be read stay far below what ZeroMQ queues on IOPub before it drops
# messages (1,000 by default): with every cell of a 3,000-cell notebook sent at once, outputs
# were lost (found by a hostile test).
AHEAD = 8


def _sync_channel(channel, session) -> Channel:
    """A blocking channel on the same ZeroMQ socket as an async client's ``channel``."""
    return Channel(zmq.Socket.shadow(channel.socket.underlying), session)


class PipelinedClient(PapermillNotebookClient):
    """``PapermillNotebookClient`` for a running kernel (``km``, ``kc`` given), cells pipelined.
    After ``execute``, ``exit_requested`` says whether a cell asked the kernel to exit."""

    exit_requested = False

    def execute(self, **kwargs):
        """papermill's ``execute``, the requests sent ahead (see the module docstring)."""
        unsupported = self._unsupported()
        if unsupported:
            raise ValueError(f"PipelinedClient does not implement: {', '.join(unsupported)}")
        self.reset_execution_trackers()
        self.exit_requested = False
        with self.setup_kernel(**kwargs):
            self._shell = _sync_channel(self.kc.shell_channel, self.kc.session)
            self._iopub = _sync_channel(self.kc.iopub_channel, self.kc.session)
            self._both = zmq.Poller()
            for channel in (self._iopub, self._shell):
                self._both.register(channel.socket, zmq.POLLIN)
            self._to_send = deque(index for index, cell in enumerate(self.nb.cells) if self._runs(cell))
            self._sent: dict[int, str] = {}
            self._info_id = None
            self._send_ahead()
            self.papermill_execute_cells()
            self._send_ahead(finished=True)
            info_msg = self._reply(self._info_id, self._get_timeout(None))
            self.nb.metadata["language_info"] = info_msg["content"]["language_info"]
            self.set_widgets_metadata()
        return self.nb

    def _unsupported(self) -> list[str]:
        """nbclient settings this client does not reproduce (papermill leaves them all unset)."""
        names = [name for name in ("coalesce_streams", "allow_error_names", "interrupt_on_timeout",
                                   "error_on_timeout", "on_cell_start", "on_cell_execute",
                                   "on_cell_complete", "on_cell_executed") if getattr(self, name)]
        # allow_error_names: the request must then ask the kernel to stop on error, which
        # here would abort the cells already queued behind it.
        return names + ([] if self.raise_on_iopub_timeout else ["raise_on_iopub_timeout=False"])

    def _runs(self, cell) -> bool:
        """Whether nbclient's ``execute_cell`` would send this cell to the kernel."""
        return (cell.cell_type == "code" and bool(cell.source.strip())
                and self.skip_cells_with_tag not in cell.metadata.get("tags", []))

    def _send_ahead(self, finished: bool = False) -> None:
        """Keep ``AHEAD`` cells sent and not yet read; once all are sent (or ``finished``: the
        cell loop has ended), the ``kernel_info_request`` too."""
        in_flight = len(self._sent) - self.code_cells_executed
        while self._to_send and in_flight < AHEAD and not finished:
            index = self._to_send.popleft()
            self._sent[index] = self._send_cell(self.nb.cells[index])
            in_flight += 1
        if self._info_id is None and (finished or not self._to_send):
            self._info_id = self._send("kernel_info_request", {})

    def _send(self, msg_type: str, content: dict) -> str:
        msg = self.kc.session.msg(msg_type, content)
        self._shell.send(msg)
        return msg["header"]["msg_id"]

    def _allows_errors(self, cell) -> bool:
        """nbclient's rule: whether an error in this cell lets the report go on."""
        return (not self.force_raise_errors) and (
            self.allow_errors or "raises-exception" in cell.metadata.get("tags", []))

    def _send_cell(self, cell) -> str:
        """The cell's ``execute_request``, as nbclient's (``kc.execute``) would be."""
        return self._send("execute_request", {
            "code": cell.source, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": not self._allows_errors(cell)})

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
        self._send_ahead()  # none after a cell that stops the report
        self.nb["cells"][cell_index] = cell
        return cell

    def _raise_for_error(self, cell, cell_index: int, exec_reply: dict) -> None:
        """nbclient's ``_check_raise_for_error`` without an event loop when no hook is set."""
        if self.on_cell_error is not None:
            run_sync(self._check_raise_for_error)(cell, cell_index, exec_reply)
            return
        content = exec_reply["content"]
        if content["status"] == "aborted":  # only after an error that stopped the report
            raise RuntimeError(f"the kernel did not run cell {cell_index}: an earlier cell failed")
        if content["status"] != "error":
            return
        if not self._allows_errors(cell):
            raise CellExecutionError.from_cell_and_msg(cell, content)

    def _run(self, msg_id: str, cell, cell_index: int) -> dict:
        """Read the cell's outputs (IOPub, up to its ``idle``) and its reply (shell); the reply.

        Each socket is read only up to this cell's last message on it: what follows belongs
        to the next cells and stays queued, in order. Messages of other requests are skipped,
        as nbclient skips them. The deadline and the kernel's life are checked by the clock,
        however many messages come.
        """
        timeout = self._get_timeout(cell)
        deadline = None if timeout is None else time.monotonic() + timeout
        next_check = time.monotonic() + ALIVE_CHECK
        reply, done = None, False
        while reply is None or not done:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                self._timed_out(cell, replied=reply is not None)
            if now >= next_check:
                if not process_alive(self.km):
                    raise DeadKernelError("Kernel died")
                next_check = now + ALIVE_CHECK
            wait = min(next_check, deadline if deadline is not None else next_check) - now
            outputs, replies = self._ready(not done, reply is None, wait)
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
                    self.exit_requested |= _asks_exit(msg)
                    if self.record_timing:
                        cell["metadata"]["execution"]["shell.execute_reply"] = timestamp(msg)
                    # as nbclient: once the reply is in, the outputs must end within iopub_timeout
                    deadline = time.monotonic() + self.iopub_timeout
        return reply

    def _ready(self, outputs: bool, replies: bool, timeout: float) -> tuple[bool, bool]:
        """Wait up to ``timeout`` s for a message on IOPub (if ``outputs``) or shell (if
        ``replies``): which of the two has one."""
        ms = max(0, math.ceil(timeout * 1000))
        if outputs and replies:
            events = dict(self._both.poll(ms))
            return self._iopub.socket in events, self._shell.socket in events
        channel = self._iopub if outputs else self._shell
        ready = bool(channel.socket.poll(ms))
        return ready and outputs, ready and replies

    def output(self, outs, msg, display_id, cell_index):
        """nbclient's ``output``, the node made by :func:`.messages.output_node` (the same node)."""
        if self.output_hook_stack[msg["parent_header"].get("msg_id")]:
            return super().output(outs, msg, display_id, cell_index)  # an output widget's
        try:
            out = output_node(msg)
        except ValueError:
            self.log.error(f"unhandled iopub msg: {msg['msg_type']}")
            return None
        if self.clear_before_next_output:
            outs[:] = []
            self.clear_display_id_mapping(cell_index)
            self.clear_before_next_output = False
        if display_id:
            self._display_id_map.setdefault(display_id, {}).setdefault(cell_index, []).append(len(outs))
        outs.append(out)
        return out

    def _timed_out(self, cell, replied: bool) -> None:
        """Raise nbclient's timeout error, once the kernel is killed: the cells queued behind this
        one must never start (its worker discards a kernel after any failed report anyway)."""
        self._kill()
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
                if not process_alive(self.km):
                    raise DeadKernelError("Kernel died") from None
                if deadline is not None and time.monotonic() >= deadline:
                    raise CellTimeoutError.error_from_timeout_and_cell(
                        "Timeout waiting for the kernel's reply", timeout, None) from None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def _kill(self) -> None:
        process = kernel_process(self.km)
        if process is not None:
            process.kill()


def _asks_exit(reply: dict) -> bool:
    """Whether the cell called ``exit()``/``quit()``: the kernel then stops a moment later.

    >>> _asks_exit({"content": {"payload": [{"source": "ask_exit", "keepkernel": False}]}})
    True
    >>> _asks_exit({"content": {"status": "ok", "payload": []}})
    False
    """
    return any(p.get("source") == "ask_exit" for p in reply["content"].get("payload") or [])
