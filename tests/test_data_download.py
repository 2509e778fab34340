"""The downloaders against local archives (file:// URLs and fake openers); no network."""
import io
import shutil

import pytest

from rim_tf.data import download as dl
from rim_tf.data.locate import CorruptDataError
from rim_tf.data.manifest import build_manifest, sha256_file, verify_tree
from rim_tf.data.synthetic import make_tarball, write_fake_bsds300, write_fake_selfexsr


@pytest.fixture
def server(tmp_path):
    """A fake 'internet': a BSDS300 archive and a SelfExSR folder, plus their manifest."""
    src = tmp_path / "src"
    write_fake_bsds300(src, n_train=3, n_test=3, size=(24, 20))
    write_fake_selfexsr(src, scales=(2, 3))
    archive = make_tarball(src, "BSDS300", tmp_path / "BSDS300-images.tgz")
    return {
        "archive": archive,
        "url": archive.as_uri(),
        "sha": sha256_file(archive),
        "manifest": build_manifest(src),
        "selfexsr_url": (src / "SelfExSR" / "BSD100").as_uri(),
        "src": src,
    }


def leftovers(root):
    """Anything the downloader may have left: staging folders, .part files, trees."""
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def fetch(server, root, **kw):
    kw.setdefault("archive_sha256", server["sha"])
    return dl.download_bsds300(root, urls=server["url"], manifest=server["manifest"], progress=False,
                               backoff=0, **kw)


def test_good_archive(server, tmp_path):
    root = tmp_path / "data"
    path = fetch(server, root)
    assert path == root / "BSDS300"
    assert verify_tree(root, "BSDS300", manifest=server["manifest"]) == len(server["manifest"]["BSDS300"])
    assert leftovers(root) == ["BSDS300"]


def test_corrupt_archive_leaves_nothing(server, tmp_path):
    data = bytearray(server["archive"].read_bytes())
    data[len(data) // 2] ^= 0xFF
    server["archive"].write_bytes(bytes(data))
    root = tmp_path / "data"
    with pytest.raises(dl.ChecksumError, match="sha256"):
        fetch(server, root)
    assert leftovers(root) == []


def test_tree_not_matching_manifest_leaves_nothing(server, tmp_path):
    """Without an archive checksum, the per-file manifest check still rejects bad content."""
    victim = next((server["src"] / "BSDS300" / "images" / "train").glob("*.jpg"))
    victim.write_bytes(victim.read_bytes()[:-5])  # the archive is rebuilt from this tree
    make_tarball(server["src"], "BSDS300", server["archive"])
    root = tmp_path / "data"
    with pytest.raises(CorruptDataError, match=victim.name):
        fetch(server, root, archive_sha256=None)
    assert leftovers(root) == []


def test_not_an_archive(server, tmp_path):
    server["archive"].write_bytes(b"<html>moved</html>")
    root = tmp_path / "data"
    with pytest.raises(CorruptDataError, match="unpack"):
        fetch(server, root, archive_sha256=None)
    assert leftovers(root) == []


class Response(io.BytesIO):
    """A fake HTTP response; ``fail_after`` bytes in, it raises like a reset connection."""

    def __init__(self, data, length=None, fail_after=None):
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data) if length is None else length)}
        self.fail_after = fail_after

    def read(self, n=-1):
        if self.fail_after is not None and self.tell() >= self.fail_after:
            raise ConnectionResetError("connection reset by peer")
        return super().read(min(n, 1000))


def test_interrupted_download_is_retried_then_fails_cleanly(server, tmp_path):
    data = server["archive"].read_bytes()
    calls = []

    def opener(url, timeout):
        calls.append(url)
        return Response(data, fail_after=len(data) // 2)

    root = tmp_path / "data"
    with pytest.raises(dl.DownloadError, match="reset") as err:
        fetch(server, root, opener=opener, retries=2)
    assert "Put BSDS300 at" in str(err.value)
    assert len(calls) == 3
    assert leftovers(root) == []


def test_truncated_then_good_download_succeeds(server, tmp_path):
    data = server["archive"].read_bytes()
    responses = [Response(data[:1000], length=len(data)), Response(data)]  # first one truncated

    def opener(url, timeout):
        return responses.pop(0)

    root = tmp_path / "data"
    fetch(server, root, opener=opener, retries=1)
    assert responses == [] and leftovers(root) == ["BSDS300"]


def test_mirror_fallback(server, tmp_path):
    root = tmp_path / "data"
    dead = (tmp_path / "nowhere.tgz").as_uri()
    dl.download_bsds300(root, urls=[dead, server["url"]], archive_sha256=server["sha"],
                        manifest=server["manifest"], progress=False, retries=0)
    assert leftovers(root) == ["BSDS300"]


def test_existing_trees(server, tmp_path):
    root = tmp_path / "data"
    fetch(server, root)

    def no_network(url, timeout):
        raise AssertionError("a valid tree must not be downloaded again")

    fetch(server, root, opener=no_network)  # valid: left alone
    victim = next((root / "BSDS300" / "images" / "test").glob("*.jpg"))
    victim.unlink()
    with pytest.raises(CorruptDataError, match="force"):
        fetch(server, root, opener=no_network)
    fetch(server, root, force=True)
    assert victim.exists() and leftovers(root) == ["BSDS300"]


def test_download_file_checksum_and_part_file(tmp_path):
    src = tmp_path / "blob.bin"
    src.write_bytes(b"x" * 5000)
    dest = tmp_path / "out" / "blob.bin"
    dest.parent.mkdir()
    dl.download_file(src.as_uri(), dest, sha256=sha256_file(src), progress=False)
    assert dest.read_bytes() == src.read_bytes()
    dest.unlink()
    with pytest.raises(dl.ChecksumError):
        dl.download_file(src.as_uri(), dest, sha256="0" * 64, progress=False)
    assert not dest.exists() and list(dest.parent.iterdir()) == []


def test_selfexsr_per_file_download(server, tmp_path):
    root = tmp_path / "data"
    path = dl.download_selfexsr(root, base_url=server["selfexsr_url"], manifest=server["manifest"],
                                progress=False, backoff=0)
    assert path == root / "SelfExSR" / "BSD100"
    assert verify_tree(root, "SelfExSR/BSD100", manifest=server["manifest"]) == 3 * 2 * 2
    assert leftovers(root) == ["SelfExSR"]


def test_selfexsr_bad_file_leaves_nothing(server, tmp_path):
    victim = next((server["src"] / "SelfExSR" / "BSD100" / "image_SRF_3").glob("*_LR.png"))
    victim.write_bytes(victim.read_bytes() + b"junk")
    root = tmp_path / "data"
    with pytest.raises(dl.ChecksumError, match=victim.name):
        dl.download_selfexsr(root, base_url=server["selfexsr_url"], manifest=server["manifest"],
                             progress=False, backoff=0)
    assert leftovers(root) == []


def test_selfexsr_unreachable_says_where_to_put_files(server, tmp_path):
    shutil.rmtree(server["src"] / "SelfExSR")
    root = tmp_path / "data"
    with pytest.raises(dl.DownloadError, match="Put SelfExSR/BSD100 at"):
        dl.download_selfexsr(root, base_url=server["selfexsr_url"], manifest=server["manifest"],
                             progress=False, backoff=0, retries=0)
    assert leftovers(root) == []


def test_packaged_manifest_lists_both_trees():
    from rim_tf.data.manifest import load_manifest

    manifest = load_manifest()
    assert len(manifest["BSDS300"]) == 302  # 300 JPEGs + 2 id lists
    assert len(manifest["SelfExSR/BSD100"]) == 600  # 100 images x 3 scales x HR/LR
    assert all(len(sha) == 64 for _, sha in manifest["BSDS300"].values())
