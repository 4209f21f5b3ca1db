# MicroPython's qemu port on the MPS2-AN385 machine (Cortex-M3), using the
# mpconfigboard.mk in this folder in place of the port's boards/MPS2_AN385.
BOARD_PORT = qemu
BOARD_OUTPUT = firmware.elf
BOARD_MAKE_ARGS = BOARD=MPS2_AN385 BOARD_DIR=$(CURDIR)/boards/qemu-mps2-an385
BOARD_QEMU = qemu-system-arm -machine mps2-an385
BOARD_DEBS = gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
# Run once after boot: the board has no flash filesystem, so give it a 384 KiB
# RAM disk, enough for the suite's sources and the module's .py
# (mpconfigboard.mk makes the heap that much larger).
BOARD_SETUP = import ramfs; ramfs.mount(384)
# make test also replays the differential calls here (make device-diff).
BOARD_DIFF = yes
# make test also installs the module with mpremote mip here (make device-mip).
BOARD_MIP = yes
# The suite's sources are too large to compile on the board after a few test
# files have filled its heap with interned names, so device-test copies them
# precompiled. The module itself is still compiled there by the mip run.
BOARD_DEVICE_TEST_MPY = 1
