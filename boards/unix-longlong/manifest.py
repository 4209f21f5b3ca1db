# Unix port with longlong ints: freeze what the standard variant freezes
# without micropython-lib, then budgetkernel, whose import must fail here.
include("$(MPY_DIR)/extmod/asyncio")

include("../../manifest.py")
