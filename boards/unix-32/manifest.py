# Unix port, standard variant, 32-bit: freeze what that variant freezes, then budgetkernel.
include("$(MPY_DIR)/extmod/asyncio")

# The variant's micropython-lib packages are frozen only when micropython-lib
# is present, because Debian's +ds source tarball leaves that submodule out.
add_library("unix-ffi", "$(MPY_LIB_DIR)/unix-ffi")
try:
    require("mip-cmdline")
    require("ssl")
except ValueError:
    pass

include("../../manifest.py")
