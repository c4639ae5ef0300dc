"""Downloads of patient data (the export zip) that are served once, to one session.

``st.download_button(data=bytes)`` would put the file at ``/media/<id>.zip`` as soon as
the button is drawn, for anyone with the address, until Streamlit's clean-up removes it
(which a signed-out or timed-out session never triggers). Instead:

- the page holds the bytes in a ``OneTimeFile`` in its own session state and passes the
  button a *callable*: Streamlit registers it under a random id known only to this
  session's browser, and nothing is served before the click;
- on the click the callable hands the bytes over once (later clicks fail) and marks the
  file Streamlit stores for it as one-time: Streamlit's page fetches the address twice
  (a check, then the download itself), so the second request removes it, and it is
  removed anyway ``ONE_TIME_SECONDS`` after the click; the address is dead once the
  browser has fetched it;
- ``drop_all`` (called on every sign-out: button, idle time-out, account change) empties
  every held file, so a time-out leaves nothing to fetch.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, MutableMapping
from typing import Any

log = logging.getLogger(__name__)

_lock = threading.Lock()
ONE_TIME_FETCHES = 2  # the download button's check request, then the download
ONE_TIME_SECONDS = 60.0
_one_time: dict[str, list[float]] = {}  # file id -> [fetches left, deadline (monotonic)]
_PATCHED = "_screening_one_time_files"


class DownloadGone(Exception):
    """The file was downloaded already or its session ended."""


class OneTimeFile:
    """Bytes for one download; empty after ``take`` or ``drop``."""

    def __init__(self, name: str, data: bytes, mimetype: str):
        self.name, self.mimetype, self.size = name, mimetype, len(data)
        self._data: bytes | None = data
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self._data is not None

    def take(self) -> bytes:
        """The bytes, once; marks the file Streamlit will store for them as one-time."""
        with self._lock:
            data, self._data = self._data, None
        if data is None:
            raise DownloadGone("this download was used already or its session ended")
        _mark_one_time(data, self.mimetype, self.name)
        return data

    def drop(self) -> None:
        with self._lock:
            self._data = None

    def peek(self) -> bytes | None:
        """The bytes without using the download (tests)."""
        return self._data

    def callable(self) -> Callable[[], bytes]:
        return self.take


def drop_all(state: MutableMapping[Any, Any]) -> None:
    """Empty every held download of a session (before its state is cleared)."""
    for value in list(state.values()):
        if isinstance(value, OneTimeFile):
            value.drop()


def _mark_one_time(data: bytes, mimetype: str, name: str) -> None:
    from streamlit.runtime.memory_media_file_storage import _calculate_file_id

    if not install():
        return
    file_id = _calculate_file_id(data, mimetype, name)
    with _lock:
        _one_time[file_id] = [ONE_TIME_FETCHES, time.monotonic() + ONE_TIME_SECONDS]
    timer = threading.Timer(ONE_TIME_SECONDS, _expire, (file_id,))
    timer.daemon = True
    timer.start()


def _expire(file_id: str) -> None:
    with _lock:
        known = _one_time.pop(file_id, None)
    if known is not None:
        _storage_delete(file_id)


def _storage_delete(file_id: str) -> None:
    from streamlit import runtime

    if runtime.exists():
        runtime.get_instance().media_file_mgr._storage.delete_file(file_id)


def install() -> bool:
    """Make the media storage forget a one-time file once it has been served (idempotent).
    False when there is no running Streamlit server (AppTest, scripts)."""
    try:
        from streamlit import runtime
        from streamlit.runtime.media_file_storage import MediaFileStorageError
        from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

        if not runtime.exists():
            return False
        storage = runtime.get_instance().media_file_mgr._storage
    except Exception:  # pragma: no cover - a Streamlit without these internals
        log.exception("one-time downloads: media storage not found")
        return False
    if not isinstance(storage, MemoryMediaFileStorage) or getattr(storage, _PATCHED, False):
        return isinstance(storage, MemoryMediaFileStorage)
    served = storage.get_file
    original_url = storage.get_url
    files = storage._files_by_id
    endpoint = storage._media_endpoint

    def get_file(filename: str) -> Any:
        """What the /media route calls: a one-time file goes after its last allowed fetch
        or its deadline, whichever comes first."""
        file_id = os.path.splitext(filename)[0]
        last = expired = False
        with _lock:
            entry = _one_time.get(file_id)
            if entry is not None:
                entry[0] -= 1
                expired = time.monotonic() > entry[1]
                last = entry[0] <= 0 or expired
                if last:
                    del _one_time[file_id]
        if expired:
            storage.delete_file(file_id)
            raise MediaFileStorageError("this download has expired")
        found = served(filename)
        if last:
            storage.delete_file(file_id)
        return found

    def get_url(file_id: str) -> str:
        """Streamlit's get_url reads the file through get_file: do not spend it here."""
        from streamlit.runtime.memory_media_file_storage import get_extension_for_mimetype

        media = files.get(file_id)
        if media is None:
            return original_url(file_id)  # raises Streamlit's own "no such file" error
        return f"{endpoint}/{file_id}{get_extension_for_mimetype(media.mimetype)}"

    storage.get_file = get_file  # type: ignore[method-assign]
    storage.get_url = get_url  # type: ignore[method-assign]
    setattr(storage, _PATCHED, True)
    return True
