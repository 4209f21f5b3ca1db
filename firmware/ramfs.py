"""Format a FAT filesystem on a RAM disk and mount it at /.

The emulated boards have no flash filesystem, and without one mpremote
cannot copy files onto them.  The board's setup calls mount() once after
boot.  The disk lives in the heap, so a soft reset loses it: drive the board
with `mpremote connect PORT resume ...`, which skips the soft reset.
"""

import os
import vfs

_BLOCK_SIZE = const(512)
_IOCTL_BLOCK_COUNT = const(4)
_IOCTL_BLOCK_SIZE = const(5)


class RAMBlockDevice:
    """Block device over a bytearray, in the protocol vfs.VfsFat expects."""

    def __init__(self, block_size, block_count):
        self.block_size = block_size
        self.block_count = block_count
        self.data = bytearray(block_size * block_count)

    def readblocks(self, block_num, buf):
        start = block_num * self.block_size
        buf[:] = memoryview(self.data)[start : start + len(buf)]

    def writeblocks(self, block_num, buf):
        start = block_num * self.block_size
        self.data[start : start + len(buf)] = buf

    def ioctl(self, op, arg):
        if op == _IOCTL_BLOCK_COUNT:
            return self.block_count
        if op == _IOCTL_BLOCK_SIZE:
            return self.block_size
        return 0


device = None


def mount(size_kib):
    """Format a RAM disk of size_kib KiB and mount it at /, once per boot.

    The board's MICROPY_HEAP_SIZE must leave room for the disk on top of
    what programs need.  A second call in the same boot does nothing.
    """
    global device
    if device is not None:
        return
    device = RAMBlockDevice(_BLOCK_SIZE, size_kib * 1024 // _BLOCK_SIZE)
    vfs.VfsFat.mkfs(device)
    vfs.mount(vfs.VfsFat(device), "/")
    os.chdir("/")
