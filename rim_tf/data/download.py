"""Downloading BSDS300 and SelfExSR/BSD100, verified, with retries, and atomically.

Sources:

* **BSDS300**: the Berkeley archive ``BSDS300-images.tgz`` (:data:`BSDS300_URLS`, the
  second a mirror path on the same server). It is downloaded into a staging folder
  beside the target, its sha256 is checked when :data:`BSDS300_ARCHIVE_SHA256` is set,
  it is unpacked there (tar members are filtered: no links, no absolute paths), and
  every extracted file is checked against ``checksums.json``.
* **SelfExSR/BSD100**: the 600 HR/LR PNGs of the folder ``data/BSD100`` of
  github.com/jbhuang0604/SelfExSR, fetched one by one from raw.githubusercontent.com at
  commit :data:`SELFEXSR_COMMIT` (a tarball of the whole repository would also bring its
  other test sets, code and cached results). Each file's sha256 is known in advance
  from ``checksums.json`` and is checked as it arrives.

Atomicity: everything is assembled in ``<data_dir>/.<name>.partial-*`` and moved into
place with one ``os.replace`` after it verified, so an interrupted or corrupt download
never leaves a tree that looks valid; the staging folder is removed on every failure.
An existing valid tree is left alone; an existing damaged one is replaced only with
``force=True``.

Unverified values (no network here): :data:`BSDS300_ARCHIVE_SHA256` is the archive
checksum recorded in a third-party download script (github, a parallel-image-processing
project) whose "logical" checksum of the 300 JPEGs (sha256 over sorted member names, a
NUL byte and the bytes of each) matches our copies exactly, so it is very likely the
official archive's; it has not been computed by us. :data:`SELFEXSR_COMMIT` is a commit
of that repository holding ``data/BSD100``, as seen in an index of its history; the raw
URLs have not been fetched from here. The per-file checksums, which decide acceptance,
were computed by us from the project's copies.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Callable, Optional, Sequence, Union

from tqdm.auto import tqdm

from rim_tf.data.locate import CorruptDataError, DataNotFoundError, PathLike, how_to_get, resolve_data_dir
from rim_tf.data.manifest import Manifest, load_manifest, verify_tree

BSDS300_URLS = (
    "https://www2.eecs.berkeley.edu/Research/Projects/CS/vision/bsds/BSDS300-images.tgz",
    "https://www2.eecs.berkeley.edu/Research/Projects/CS/vision/grouping/segbench/BSDS300-images.tgz",
)
BSDS300_ARCHIVE_SHA256: Optional[str] = "a5f7d0e49fe135c75518a3543ced24470156fd69305ae77845dff2a5138652b4"
SELFEXSR_COMMIT = "18e00f2d1bd3941e9b8d4895d3541543ad86d5b2"
SELFEXSR_RAW_URL = f"https://raw.githubusercontent.com/jbhuang0604/SelfExSR/{SELFEXSR_COMMIT}/data/BSD100"

Opener = Callable[[str, float], object]  # (url, timeout) -> response with .read(n)


class DownloadError(RuntimeError):
    """A download failed after all retries; the message names the URL and the last error."""


class ChecksumError(DownloadError):
    """What arrived does not have the expected sha256."""


def _default_opener(url: str, timeout: float):
    request = urllib.request.Request(url, headers={"User-Agent": "rim_tf-data/1.0"})
    return urllib.request.urlopen(request, timeout=timeout)


def _content_length(response) -> Optional[int]:
    headers = getattr(response, "headers", None)
    value = headers.get("Content-Length") if headers is not None else None
    return int(value) if value and str(value).isdigit() else None


def download_file(
    url: str,
    dest: PathLike,
    *,
    sha256: Optional[str] = None,
    retries: int = 3,
    backoff: float = 2.0,
    timeout: float = 60.0,
    opener: Optional[Opener] = None,
    progress: bool = True,
) -> Path:
    """Fetch ``url`` to ``dest`` through ``dest.part``; the final name appears only when complete.

    A network error, or fewer bytes than ``Content-Length`` announced, is retried up to
    ``retries`` more times (waiting ``backoff * 2**k`` seconds); a sha256 mismatch raises
    :class:`ChecksumError` at once. On failure no file is left at ``dest`` or ``dest.part``.
    """
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    opener = opener or _default_opener
    last_error: Optional[BaseException] = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            digest = _fetch(url, part, opener, timeout, progress)
        except (OSError, ValueError, EOFError) as err:  # URLError, HTTPError, resets, truncation
            last_error = err
            part.unlink(missing_ok=True)
            continue
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        if sha256 is not None and digest != sha256.lower():
            part.unlink(missing_ok=True)
            raise ChecksumError(f"{url}: sha256 {digest} does not match the expected {sha256.lower()}")
        os.replace(part, dest)
        return dest
    raise DownloadError(f"could not download {url} after {retries + 1} attempts: {last_error!r}")


def _fetch(url: str, part: Path, opener: Opener, timeout: float, progress: bool) -> str:
    """Stream ``url`` into ``part``; returns the sha256 of the bytes received."""
    digest = hashlib.sha256()
    received = 0
    response = opener(url, timeout)
    try:
        expected = _content_length(response)
        with open(part, "wb") as fh, tqdm(
            total=expected, unit="B", unit_scale=True, desc=Path(url).name, disable=not progress, leave=False
        ) as bar:
            while True:
                chunk = response.read(1 << 16)
                if not chunk:
                    break
                fh.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    finally:
        close = getattr(response, "close", None)
        if close is not None:
            close()
    if expected is not None and received != expected:
        raise EOFError(f"{url}: received {received} of {expected} bytes")
    return digest.hexdigest()


def _staging(root: Path, name: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{name.replace('/', '_')}.partial-", dir=root))


def _existing_ok(root: Path, dataset: str, manifest: Manifest, force: bool) -> bool:
    """True if a valid tree is already there; raise if a damaged one is there and not ``force``."""
    if not (root / dataset).exists():
        return False
    try:
        verify_tree(root, dataset, manifest=manifest, level="size")
        return not force
    except (DataNotFoundError, CorruptDataError) as err:
        if force:
            return False
        raise CorruptDataError(
            f"{root / dataset} exists but is incomplete or damaged ({err}). Rerun with force=True "
            f"(--force) to replace it, or delete it."
        ) from err


def _move_into_place(staged: Path, target: Path) -> None:
    """Replace ``target`` by ``staged`` with renames only (same file system)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    try:
        os.replace(staged, target)
    except OSError:
        if old is not None:
            os.replace(old, target)  # put the previous tree back
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _safe_extract(archive: Path, dest: Path) -> None:
    try:
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(dest, filter="data")  # refuses links out, absolute paths, devices
    except (tarfile.TarError, EOFError, OSError) as err:
        raise CorruptDataError(f"cannot unpack {archive}: {err}") from err


def download_bsds300(
    data_dir: Optional[PathLike] = None,
    *,
    urls: Union[str, Sequence[str]] = BSDS300_URLS,
    archive_sha256: Optional[str] = BSDS300_ARCHIVE_SHA256,
    manifest: Optional[Manifest] = None,
    force: bool = False,
    retries: int = 3,
    backoff: float = 2.0,
    opener: Optional[Opener] = None,
    progress: bool = True,
) -> Path:
    """Download, verify and unpack BSDS300 into ``<data_dir>/BSDS300``; returns that folder.

    ``urls`` are tried in order. ``archive_sha256=None`` skips the archive checksum (the
    per-file checks against ``manifest``, by default the packaged one, still apply).
    """
    root = resolve_data_dir(data_dir)
    manifest = load_manifest() if manifest is None else manifest
    target = root / "BSDS300"
    if _existing_ok(root, "BSDS300", manifest, force):
        return target
    urls = [urls] if isinstance(urls, str) else list(urls)
    staging = _staging(root, "BSDS300")
    try:
        archive = staging / "BSDS300-images.tgz"
        errors = []
        for url in urls:
            try:
                download_file(url, archive, sha256=archive_sha256, retries=retries, backoff=backoff,
                              opener=opener, progress=progress)
                break
            except ChecksumError as err:
                raise ChecksumError(
                    f"{err}. The archive checksum constant is unverified (see rim_tf.data.download); "
                    f"if you trust the source, retry with archive_sha256=None (--skip-archive-checksum): "
                    f"every extracted file is still checked against checksums.json."
                ) from err
            except DownloadError as err:
                errors.append(str(err))
        else:
            raise DownloadError(
                "BSDS300 download failed: " + "; ".join(errors) + ". " + how_to_get("BSDS300", root))
        unpacked = staging / "unpacked"
        _safe_extract(archive, unpacked)
        verify_tree(unpacked, "BSDS300", manifest=manifest, level="sha256")
        _move_into_place(unpacked / "BSDS300", target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def download_selfexsr(
    data_dir: Optional[PathLike] = None,
    *,
    base_url: str = SELFEXSR_RAW_URL,
    manifest: Optional[Manifest] = None,
    force: bool = False,
    retries: int = 3,
    backoff: float = 2.0,
    opener: Optional[Opener] = None,
    progress: bool = True,
) -> Path:
    """Download the SelfExSR BSD100 HR/LR files into ``<data_dir>/SelfExSR/BSD100``.

    The file list and every file's sha256 come from ``manifest``; a file is fetched from
    ``base_url + "/" + <path under data/BSD100>``.
    """
    root = resolve_data_dir(data_dir)
    manifest = load_manifest() if manifest is None else manifest
    dataset = "SelfExSR/BSD100"
    target = root / dataset
    if _existing_ok(root, dataset, manifest, force):
        return target
    entries = manifest[dataset]
    staging = _staging(root, dataset)
    try:
        total = sum(size for size, _ in entries.values())
        bar = tqdm(total=total, unit="B", unit_scale=True, desc=dataset, disable=not progress)
        with bar:
            for rel, (size, digest) in sorted(entries.items()):
                inner = rel[len(dataset) + 1 :]
                dest = staging / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                try:
                    download_file(f"{base_url.rstrip('/')}/{inner}", dest, sha256=digest, retries=retries,
                                  backoff=backoff, opener=opener, progress=False)
                except DownloadError as err:
                    raise type(err)(f"SelfExSR download failed: {err}. {how_to_get(dataset, root)}") from err
                bar.update(size)
        verify_tree(staging, dataset, manifest=manifest, level="size")
        _move_into_place(staging / dataset, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def download_all(
    data_dir: Optional[PathLike] = None, *, force: bool = False, retries: int = 3, progress: bool = True
) -> Path:
    """Both data sets into ``data_dir`` (see :func:`download_bsds300`, :func:`download_selfexsr`)."""
    root = resolve_data_dir(data_dir)
    download_bsds300(root, force=force, retries=retries, progress=progress)
    download_selfexsr(root, force=force, retries=retries, progress=progress)
    return root
