"""Format a FAT filesystem on a RAM disk and mount it at /.

The emulated board has no flash, and without a filesystem mpremote cannot
copy files onto it.  Importing this module formats and mounts the disk.  A
second import in the same boot does nothing, because the module is cached.
The disk lives in the heap, so a soft reset loses it: drive the board with
`mpremote connect PORT resume ...`, which skips the soft reset.
"""

import os
import vfs

# 256 KiB.  The board's MICROPY_HEAP_SIZE is raised by the same amount.
_BLOCK_SIZE = const(512)
_BLOCK_COUNT = const(512)


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
        if op == 4:  # number of blocks
            return self.block_count
        if op == 5:  # block size in bytes
            return self.block_size
        return 0


device = RAMBlockDevice(_BLOCK_SIZE, _BLOCK_COUNT)
vfs.VfsFat.mkfs(device)
vfs.mount(vfs.VfsFat(device), "/")
os.chdir("/")
