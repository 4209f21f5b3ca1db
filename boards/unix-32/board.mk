# MicroPython's unix port, standard variant, built as a 32-bit executable:
# small ints stop at 2**30 - 1 there, as on most microcontrollers.
BOARD_PORT = unix
BOARD_OUTPUT = micropython
BOARD_MAKE_ARGS = VARIANT=standard PROG=micropython MICROPY_FORCE_32BIT=1
BOARD_DEBS = gcc-multilib
