# qemu port, micro:bit board: freeze what the port freezes for it, the RAM
# disk module that gives the board a filesystem, then budgetkernel.
freeze("$(PORT_DIR)/test-frzmpy", ("frozen_const.py",))

# unittest comes from micropython-lib, so it is frozen only when that is
# present: Debian's +ds source tarball leaves the submodule out.
try:
    require("unittest")
except ValueError:
    pass

module("ramfs.py", base_path="../../firmware")

include("../../manifest.py")
