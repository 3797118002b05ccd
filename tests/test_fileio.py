"""Atomic writes: a failed write leaves the old file and no temporary, and names the file."""

import errno
import os

import pytest

from otgan.fileio import atomic_write_bytes


def test_atomic_write_leaves_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "f.bin"
    target.write_bytes(b"old")

    class Boom(bytes):
        pass

    with pytest.raises(TypeError):
        atomic_write_bytes(target, object())  # fails while writing
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_full_disk_names_the_file_and_leaves_the_old_one(tmp_path, monkeypatch, code):
    """A full disk (or quota) reports no file of its own: the error names the target, and
    the old file is whole, with no temporary left."""
    target = tmp_path / "f.bin"
    target.write_bytes(b"old")

    def full(fd):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as e:
        atomic_write_bytes(target, b"new" * 1000)
    assert e.value.errno == code and e.value.filename == str(target)
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_a_figure_is_written_whole_or_not_at_all_naming_the_file(tmp_path, monkeypatch):
    """Every figure (otgan solve's laguerre.png, a run's samples.png, ...) goes through
    viz.style.save: on a full disk its error names the file, and no half-written PNG stays."""
    from otgan.viz import style

    fig, (ax,) = style.figure()
    ax.plot([0, 1], [0, 1])
    target = tmp_path / "laguerre.png"

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as e:
        style.save(fig, target)
    assert e.value.filename == str(target) and list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    style.save(fig, target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
