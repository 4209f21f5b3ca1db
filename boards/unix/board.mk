# MicroPython's unix port, standard variant, built as a 64-bit executable.
BOARD_PORT = unix
BOARD_OUTPUT = micropython
BOARD_MAKE_ARGS = VARIANT=standard PROG=micropython
BOARD_DEBS =
