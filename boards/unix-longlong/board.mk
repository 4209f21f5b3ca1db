# MicroPython's unix port with fixed-width 64-bit long ints
# (MICROPY_LONGINT_IMPL_LONGLONG), which cannot hold 2**64 - 1. budgetkernel
# must refuse to import there instead of giving wrong results, so this board
# runs that check in place of the test suite.
BOARD_PORT = unix
BOARD_OUTPUT = micropython
BOARD_MAKE_ARGS = VARIANT=standard PROG=micropython \
	CFLAGS_EXTRA=-DMICROPY_LONGINT_IMPL=MICROPY_LONGINT_IMPL_LONGLONG MPY_TOOL_FLAGS=-mlongint-impl=longlong
BOARD_DEBS =
BOARD_TEST = import-error
