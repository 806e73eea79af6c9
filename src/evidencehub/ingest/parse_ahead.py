"""Parse a file in a child process while the importer deduplicates and writes.

A whole import of a PubMed baseline file spends about as long parsing XML as deduplicating and
writing; the two need not wait for each other. :func:`read_ahead` runs a reader over one file
in a forked child process (:mod:`multiprocessing`, ``fork`` start method: the reader is already
imported, nothing is re-imported) and yields its items in the parent, in order, exactly as
``reader.read`` would:

* The child sends items in batches of :data:`BATCH_SIZE`, pickled with the highest protocol
  (5; the queue's own pickling uses 4, measured 20% slower to write for these records), through a
  :class:`multiprocessing.Queue` of at most :data:`AHEAD` batches, so it parses while the
  parent writes, waits when it is that far ahead, and memory stays flat however large the file.
* The bytes read for each batch travel with it, so a progress bar moves batch by batch (and a
  Ctrl-C raised from it stops the import there). The child also hashes the file as it reads it
  (SHA-256, :func:`~evidencehub.ingest.formats.open_source`) and sends the digest with its last
  message, so the file is read once.
* The child never touches the store; the transaction stays in the parent. An
  :class:`~evidencehub.errors.InputError` raised by the reader (a truncated file, a bad record)
  is raised again in the parent with the same problem, file and place; any other failure of
  the child (a crash, a kill) becomes an :class:`InputError` naming the file, so the import
  rolls back either way.
* The child ignores SIGINT: Ctrl-C reaches the parent, whose clean-up terminates the child
  when the iteration ends, whichever way it ends. On Linux the child also asks the kernel to
  kill it when the parent dies (``prctl(PR_SET_PDEATHSIG)``), so a killed import leaves no
  parser behind.
* The parent holds the file open while the child reads it, and the child keeps that handle's
  offset at the bytes it has read (the two processes share the open file), so whoever watches
  the importing process's open files (``/proc/PID/fdinfo``) sees how far it has got.

A reader with ``read_fields`` and ``build`` methods (:class:`~evidencehub.ingest.pubmed_xml.PubmedXmlReader`)
has its work split: ``read_fields`` runs in the child, ``build`` (validation into a record, done
once) in the parent, which balances the two processes and sends cheaper plain data.

Only used where it helps (:func:`worth_reading_ahead`): a large file, ``fork`` available and
more than one CPU for this process.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import pickle
import queue
import signal
import sys
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

from evidencehub.errors import InputError
from evidencehub.ingest.base import Item, Reader
from evidencehub.ingest.formats import open_source

__all__ = ["AHEAD", "BATCH_SIZE", "MIN_BYTES", "ReadAhead", "read_ahead", "worth_reading_ahead"]

#: Items per message from the child (a few MiB of pickled records at most).
BATCH_SIZE = 250
#: Batches the child may be ahead of the parent.
AHEAD = 8
#: Seconds between checks that the child is still alive while waiting for it.
_POLL = 0.5
#: Files smaller than this are parsed in-process: forking would cost more than it saves.
MIN_BYTES = 4 * 2**20


def worth_reading_ahead(path: Path) -> bool:
    """True when ``path`` is large enough and this process may use a second CPU."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return cpus > 1 and path.is_file() and path.stat().st_size >= MIN_BYTES


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when its parent ends; exit now if it already has.

    ``prctl`` is looked up among the symbols this process already has (``dlopen(NULL)``):
    ``ctypes.util.find_library`` would run ``ldconfig`` from the child, a process of its own,
    before the death signal is set. Measured with a ``kill -9`` of an importing parent, the
    child is dead 5-20 ms later; it then stays a zombie (``Z`` in ``ps``, holding nothing)
    until the process it was handed to, normally init, reaps it.
    """
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the signal was set
        os._exit(1)


def _produce(reader: Reader, path: Path, label: str, out: Any, shared_fd: int, parent: int) -> None:
    """Child side: put ``("items", (batch, bytes read))`` messages, then how it ended
    (``("done", SHA-256 of the file)`` when it read the whole file).

    The importer pauses automatic garbage collection for an import, and a forked child inherits
    that; the child turns it back on, since its own objects are few (22 collections, 3 ms for
    5,000 records) and a reader is not known to make no cycles.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.enable()
    _die_with_parent(parent)
    n_read = [0]
    position = [0]

    def count(n_bytes: int) -> None:
        n_read[0] += n_bytes
        position[0] += n_bytes
        os.lseek(shared_fd, position[0], os.SEEK_SET)

    def send(batch: list[Any]) -> None:
        blob = pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
        out.put(("items", (blob, n_read[0])))
        n_read[0] = 0

    try:
        batch: list[Any] = []
        read = getattr(reader, "read_fields", reader.read)
        sha256: list[str] = []
        with open_source(path, count, on_sha256=sha256.append) as stream:
            for item in read(stream, source=label):
                batch.append(item)
                if len(batch) >= BATCH_SIZE:
                    send(batch)
                    batch = []
        send(batch)
        out.put(("done", sha256[0]))
    except InputError as err:
        out.put(("input-error", (err.problem, err.source, err.where)))
    except Exception as err:  # noqa: BLE001 - anything else goes to the parent as a message
        out.put(("failed", f"{type(err).__name__}: {err}"))


def _next_message(messages: Any, child: Any, label: str) -> tuple[str, Any]:
    while True:
        try:
            return messages.get(timeout=_POLL)  # type: ignore[no-any-return]
        except queue.Empty:
            if child.is_alive():
                continue
        try:  # the child has ended: its last words may still be in the pipe
            return messages.get(timeout=_POLL)  # type: ignore[no-any-return]
        except queue.Empty:
            raise InputError(
                f"the parser process stopped without a result (exit code {child.exitcode})",
                source=label,
            ) from None


class ReadAhead:
    """One file being parsed in a child process, from the moment it is made.

    Made before the importer has opened the store (:func:`evidencehub.ingest.import_files.import_files`),
    the child parses while this process imports SQLAlchemy and opens or creates the store; the
    child then waits at most :data:`AHEAD` batches ahead. :meth:`items` yields what it parsed;
    :meth:`close` (or leaving the ``with`` block) terminates and reaps the child, whichever way
    the work around it ends: a store that cannot be opened, an error, Ctrl-C. An unreadable file
    raises here, before any child starts.
    """

    def __init__(self, reader: Reader, path: Path, *, label: str) -> None:
        with open_source(path):
            pass  # an unreadable file fails here, before the child starts, as it does in process
        self.reader = reader
        self.path = path
        self.label = label
        # A reader that can split its work (read_fields in the child, build here) validates
        # records in this process: validated records cost more to pickle than their fields, and
        # the parser is the slower side of the two (docs/import.md, "Import speed").
        self._build: Callable[[Any], Item] | None = (
            getattr(reader, "build", None) if hasattr(reader, "read_fields") else None
        )
        context = multiprocessing.get_context("fork")
        self._messages = context.Queue(maxsize=AHEAD)
        self._shared = path.open("rb")
        self._child = context.Process(
            target=_produce,
            args=(reader, path, label, self._messages, self._shared.fileno(), os.getpid()),
            name="evidencehub-parse",
            daemon=True,
        )
        try:
            self._child.start()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def items(
        self,
        on_read: Callable[[int], None] | None = None,
        on_sha256: Callable[[str], None] | None = None,
    ) -> Generator[Item, None, None]:
        """The reader's items, in order; ``on_read`` and ``on_sha256`` as in :func:`read_ahead`."""
        build, label = self._build, self.label
        while True:
            kind, payload = _next_message(self._messages, self._child, label)
            if kind == "items":
                blob, n_bytes = payload
                if on_read is not None and n_bytes:
                    on_read(n_bytes)
                if build is None:
                    yield from pickle.loads(blob)
                else:
                    yield from map(build, pickle.loads(blob))
            elif kind == "done":
                if on_sha256 is not None:
                    on_sha256(payload)
                return
            elif kind == "input-error":
                problem, source, where = payload
                raise InputError(problem, source=source, where=where)
            else:
                raise InputError(f"the parser failed: {payload}", source=label)

    def close(self) -> None:
        """Terminate the child if it still runs, reap it, and release the queue and the file
        (again: nothing)."""
        if self._shared.closed:
            return
        child = self._child
        if child.is_alive():
            child.terminate()
        if child.pid is not None:
            child.join()
        self._messages.close()
        self._shared.close()


def read_ahead(
    reader: Reader,
    path: Path,
    *,
    label: str,
    on_read: Callable[[int], None] | None = None,
    on_sha256: Callable[[str], None] | None = None,
) -> Generator[Item, None, None]:
    """Yield ``reader.read(open_source(path), source=label)``'s items, parsed in a child process.

    ``on_read`` gets the number of bytes the child has read, as it reads them; ``on_sha256`` the
    SHA-256 of the file once the child has read all of it (as from
    :func:`~evidencehub.ingest.formats.open_source`). The child is terminated when the
    generator ends, whichever way it ends.
    """
    with ReadAhead(reader, path, label=label) as ahead:
        yield from ahead.items(on_read, on_sha256)
